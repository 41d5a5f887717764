//! What an erasure takes away from the accounts and the wallet (API 1.2, 1.3): open points
//! and credit forfeited through the ledger, the value account marked, coupons not used
//! void. Apart from the decision, which also ends the personal data.

use std::collections::BTreeMap;

use api::postings::Posting;
use api::ApiError;
use domain::chrono::{DateTime, Utc};
use domain::{AccountKind, Decimal, MemberId, ShopId};
use store::{accounts, Snapshot, Write};

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
    snapshot: &Snapshot,
    posting: &Posting<'_>,
    reason: &str,
    value: domain::Account<Decimal>,
    writes: &mut Vec<Write>,
) -> Result<(i64, Decimal), ApiError> {
    let (shop, member, now) = (posting.shop, posting.member, posting.now);
    let links = BTreeMap::from([("erasure".to_owned(), reason.to_owned())]);
    let mut ids = api::entry_ids(now, 8).into_iter();
    let mut points = accounts::read::<i64>(snapshot, shop, member, AccountKind::Points)?;
    let points_before = points.balance_at(now);
    let moves = points.forfeit_all(AccountKind::Points, &links, now);
    posting.post(AccountKind::Points, &points, moves, &mut ids, writes);
    let mut credit = accounts::read::<Decimal>(snapshot, shop, member, AccountKind::Credit)?;
    let credit_before = credit.balance_at(now);
    let moves = credit.forfeit_all(AccountKind::Credit, &links, now);
    posting.post(AccountKind::Credit, &credit, moves, &mut ids, writes);
    posting.post(AccountKind::Value, &value, Vec::new(), &mut ids, writes);
    Ok((points_before, credit_before))
}
