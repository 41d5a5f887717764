//! What a member holds and what they may take: the wallet (newest first, by status, in
//! pages), the shop's claimable coupons, and a gift coupon handed over at the till.

use api::input::{self, fingerprint};
use api::render::{Items, Page};
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::coupon::CouponNo;
use domain::{MemberId, Refusal};
use lambda_http::Request;
use serde_json::json;
use store::{coupons, keys, settings};

use crate::OPERATION;

/// `GET /coupons` (every role): the enabled coupons members may take, with `sold_out`
/// and never a count.
pub(crate) async fn offered(ctx: &Ctx, req: &Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, req, api::EVERYONE)?;
    let claimable = |d: &domain::coupon::Definition| d.enabled && d.claimable;
    let (defs, currency) = api::coupons::listed(ctx, &principal.shop, claimable).await?;
    let items = defs
        .iter()
        .map(|(d, counts)| api::coupons::public_view(d, counts.left == Some(0), currency.as_ref()))
        .collect();
    Reply::ok(&Items { items })
}

const STATUSES: [&str; 4] = ["available", "used", "expired", "void"];

/// `GET /members/{member_id}/coupons?status=&limit=&cursor=` (the member, or staff): newest
/// first; the cursor is the last number of the previous page.
pub(crate) async fn list(ctx: &Ctx, req: &Request, member: &str) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, req, api::EVERYONE)?;
    let member = principal.member_for(Some(member))?;
    let status = input::query_param(req, "status");
    if let Some(s) = status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return Err(ApiError::Invalid(format!(
            "status {s:?} is not one of available, used, expired, void"
        )));
    }
    let limit = usize::try_from(input::limit(req)?).unwrap_or(50);
    let shop = &principal.shop;
    let read = [keys::settings(shop), keys::wallet(shop, &member)];
    let snapshot = ctx.store.load(&read).await?;
    let settings = settings::read(&snapshot, shop)?;
    let (currency, tz) = (
        settings.as_ref().map(|s| s.currency),
        settings.map(|s| s.timezone).unwrap_or_default(),
    );
    let wallet = coupons::wallet(&snapshot, shop, &member)?;
    let now = ctx.now();
    let mut all: Vec<_> = wallet
        .newest_first()
        .into_iter()
        .filter(|c| status.as_deref().is_none_or(|s| c.status(now) == s))
        .collect();
    if let Some(cursor) = input::query_param(req, "cursor") {
        let at = all
            .iter()
            .position(|c| c.coupon_no.as_str() == cursor)
            .ok_or_else(|| ApiError::Invalid("cursor is not one this API gave".into()))?;
        all.drain(..=at);
    }
    let next = (all.len() > limit).then(|| all[limit - 1].coupon_no.to_string());
    let items = all
        .iter()
        .take(limit)
        .map(|c| api::coupons::member_coupon(c, currency.as_ref(), tz, now))
        .collect();
    Reply::ok(&Page { items, next })
}

/// `POST /members/{member_id}/coupons/{coupon_no}/use` (the till): a gift coupon handed
/// over, once, whatever the races (the wallet's version decides).
pub(crate) async fn use_gift(
    ctx: &Ctx,
    req: &Request,
    member: &str,
    no: &CouponNo,
) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, req, api::TILL)?;
    let member = MemberId::parse(member).map_err(|_| ApiError::from(Refusal::CouponNotFound))?;
    let once = Once {
        key: input::required_idempotency_key(req)?,
        fingerprint: fingerprint(OPERATION, &format!("use/{member}/{no}"), &json!({})),
    };
    let who = principal.acting(member);
    let read = vec![keys::wallet(&who.shop, &who.member)];
    api::execute(ctx, &who.shop, Some(&once), read, |snapshot, now| {
        use_one(Work::open(&who, snapshot, now)?, no)
    })
    .await
}

/// 003: the gift coupon used, once (the wallet's version decides), and counted.
fn use_one(mut work: Work<'_>, no: &CouponNo) -> Result<Decision, ApiError> {
    let (shop, member) = (&work.who.shop, &work.who.member);
    let (now, tz) = (work.now, work.tz());
    let mut wallet = coupons::wallet(work.snapshot, shop, member)?;
    let used = wallet.use_gift(no, now)?;
    let (shard, coupon_id) = (used.shard, used.coupon_id.clone());
    let currency = work.configured().map(|s| s.currency);
    let view = api::coupons::member_coupon(used, currency.as_ref(), tz, now);
    let told = api::coupons::told_coupon(&view, member)?;
    let view = api::render::body(&view)?;
    work.write(coupons::put_wallet(shop, member, &wallet));
    work.write(coupons::count_use(shop, &coupon_id, shard, 1));
    work.tell([("coupon.used", told)]);
    work.done(&view)
}
