//! What an erasure takes away from the accounts and the wallet (API 1.2, 1.3): open points
//! and credit forfeited through the ledger, the value account marked, coupons not used
//! void. Apart from the decision, which also ends the personal data.

use std::collections::BTreeMap;

use api::work::Work;
use api::ApiError;
use domain::chrono::{DateTime, Utc};
use domain::{AccountKind, Decimal, MemberId, ShopId};
use store::{Snapshot, Write};

/// API 1.3: an erased member's coupons not used are void (none can be spent or given back).
pub(crate) fn void_coupons(
    snapshot: &Snapshot,
    shop: &ShopId,
    member: &MemberId,
    now: DateTime<Utc>,
) -> Result<Option<Write>, ApiError> {
    let mut wallet = store::coupons::wallet(snapshot, shop, member)?;
    Ok((wallet.void_all(now) > 0).then(|| store::coupons::put_wallet(shop, member, &wallet)))
}

/// The open points and credit forfeited as ledger entries, and the (empty) value account
/// written so it is marked like the others. Returns what was forfeited.
pub(crate) fn forfeit(
    work: &mut Work<'_>,
    reason: &str,
    value: domain::Account<Decimal>,
) -> Result<(i64, Decimal), ApiError> {
    let now = work.now;
    let links = BTreeMap::from([("erasure".to_owned(), reason.to_owned())]);
    let mut points = work.account::<i64>(AccountKind::Points)?;
    let points_before = points.balance_at(now);
    let moves = points.forfeit_all(AccountKind::Points, &links, now);
    work.post(AccountKind::Points, &points, moves);
    let mut credit = work.account::<Decimal>(AccountKind::Credit)?;
    let credit_before = credit.balance_at(now);
    let moves = credit.forfeit_all(AccountKind::Credit, &links, now);
    work.post(AccountKind::Credit, &credit, moves);
    work.post(AccountKind::Value, &value, Vec::new());
    Ok((points_before, credit_before))
}
