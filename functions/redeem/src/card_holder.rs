//! 001: a store-credit card number names the holder of the credit spent.

use api::{ApiError, Ctx};
use store::keys;

use crate::RawRedeem;

/// 001: the holder of a store-credit card number (one read before the operation's own); a
/// reset number no longer names anyone: 404, nothing moves.
pub(crate) async fn card_holder(
    ctx: &Ctx,
    shop: &domain::ShopId,
    no: &str,
    raw: &RawRedeem,
) -> Result<String, ApiError> {
    if raw.credit.is_none() || raw.points.is_some() || raw.value.is_some() {
        return Err(ApiError::Invalid(
            "a credit card number pays with \"credit\"".into(),
        ));
    }
    if no.is_empty() || no.len() > 32 || !no.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::Invalid("credit_card_no is its digits".into()));
    }
    let snapshot = ctx.store.load(&[keys::credit_card_no(shop, no)]).await?;
    let holder = store::profile::credit_card_holder(&snapshot, shop, no).ok_or_else(|| {
        ApiError::NotFound("no credit card with that number (a reset number stops working)".into())
    })?;
    if raw.member_id.as_ref().is_some_and(|m| *m != holder) {
        return Err(ApiError::Invalid(
            "member_id and credit_card_no name different members".into(),
        ));
    }
    Ok(holder)
}
