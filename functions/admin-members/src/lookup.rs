//! `GET /admin/members/lookup`: a member found by a unique number (member number, phone,
//! card number, coupon number): one read of the unique item, then the profile. Apart from
//! the profile edits, which write.

use api::input;
use api::{ApiError, Ctx, Reply};
use domain::{MemberId, ShopId};
use lambda_http::Request;
use store::{keys, profile, Key};

use crate::view;

/// Finds a member by one of member_no, phone (E.164), or card_no (a benefit card's or the
/// store-credit card's number).
pub(crate) async fn lookup(ctx: &Ctx, req: &Request, shop: &ShopId) -> Result<Reply, ApiError> {
    let q = |k: &str| input::query_param(req, k).map(|v| v.trim().to_owned());
    if let Some(typed) = q("coupon_no") {
        // API 1.3: a till scanning a coupon finds its holder; a number that is nobody's is
        // 404, as any unknown number.
        let no = domain::coupon::CouponNo::parse(&typed)
            .ok_or_else(|| ApiError::NotFound("no member with that number".into()))?;
        return found(ctx, shop, vec![keys::coupon_no(shop, no.as_str())]).await;
    }
    let keys: Vec<Key> = match (q("member_no"), q("phone"), q("card_no")) {
        (Some(no), None, None) => {
            domain::directory::check_member_no(&no)?;
            vec![keys::member_no(shop, &no)]
        }
        (None, Some(phone), None) => {
            // A `+` in a query string may arrive as a space: the number is E.164 either way.
            let phone = format!("+{}", phone.trim_start_matches('+'));
            domain::directory::check_phone(&phone)?;
            vec![keys::phone(shop, &phone)]
        }
        (None, None, Some(no))
            if !no.is_empty() && no.len() <= 32 && no.bytes().all(|b| b.is_ascii_digit()) =>
        {
            vec![keys::card_no(shop, &no), keys::credit_card_no(shop, &no)]
        }
        _ => {
            return Err(ApiError::Invalid(
                "look up by one of member_no, phone (E.164), card_no (digits) or coupon_no".into(),
            ))
        }
    };
    found(ctx, shop, keys).await
}

/// The member one of `keys` (unique items) names, as the lookup shows them.
async fn found(ctx: &Ctx, shop: &ShopId, keys: Vec<Key>) -> Result<Reply, ApiError> {
    let found = ctx.store.load(&keys).await?;
    let member = keys
        .iter()
        .find_map(|k| profile::holder(&found, k))
        .ok_or_else(|| ApiError::NotFound("no member with that number".into()))?;
    let member = MemberId::parse(&member)?;
    let snapshot = ctx.store.load(&[keys::profile(shop, &member)]).await?;
    // An erased member is found by nothing (API 1.2): a coupon number outlives the erasure
    // that voided its coupon, and must not reveal that the member existed.
    let profile = match profile::read(&snapshot, shop, &member) {
        Err(store::StoreError::MemberErased) => {
            return Err(ApiError::NotFound("no member with that number".into()))
        }
        read => read?,
    };
    Reply::ok(&view(&member, &profile))
}
