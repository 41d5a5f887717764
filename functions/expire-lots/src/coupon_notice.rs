//! The daily coupon notice (API 1.3 "Coupons": Back): members hear once of each held
//! coupon that ends within 3 days, and the shop's endpoints that take `coupon.expiring` are
//! told. Wallets are found through their own due index (`keys::coupon_due_pk`, written with
//! the wallet), never by a scan; the wallet keeps how far its member was told, so a rerun
//! tells nothing twice, and the notice and the message carry ids from the coupon's number.

use domain::chrono::{DateTime, Days, Duration, Utc};
use domain::coupon::{MemberCoupon, EXPIRING_NOTICE_DAYS};
use domain::notice::Event;
use domain::{MemberId, ShopId};
use serde_json::json;
use store::{coupons, keys, outbox, settings, StoreError, Write};

const KIND: &str = "coupon.expiring";

/// Tells every member due: wallets listed from yesterday (a run missed) through the day
/// the notice's horizon ends. Returns the coupons told of.
pub async fn notify_coupons_expiring(
    ctx: &api::Ctx,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let horizon = now + Duration::days(EXPIRING_NOTICE_DAYS);
    let first = now.date_naive().checked_sub_days(Days::new(1));
    let mut told = 0;
    for day in first
        .into_iter()
        .flat_map(|d| d.iter_days())
        .take_while(|d| *d <= horizon.date_naive())
    {
        for (shop, member) in ctx.store.due_wallets(day, horizon).await? {
            told += tell(ctx, &shop, &member, now).await?;
        }
    }
    Ok(told)
}

/// One wallet: the notices and messages for its coupons ending soon, and the wallet marked
/// told (relisted under its next coupon's end), in one transaction under its version: a
/// change in between makes the next run look again.
async fn tell(
    ctx: &api::Ctx,
    shop: &ShopId,
    member: &MemberId,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let snapshot = ctx
        .store
        .load(&[keys::wallet(shop, member), keys::settings(shop)])
        .await?;
    let settings = settings::read(&snapshot, shop)?;
    let to_endpoints = settings
        .as_ref()
        .is_some_and(|s| domain::webhook::shop_wants(&s.webhook_types, KIND));
    let mut wallet = coupons::wallet(&snapshot, shop, member)?;
    let ending: Vec<MemberCoupon> = wallet.tell_expiring(now).into_iter().cloned().collect();
    let mut writes: Vec<Write> = Vec::new();
    for c in &ending {
        writes.extend(told_of(shop, member, c, to_endpoints, now));
    }
    writes.push(coupons::put_wallet(shop, member, &wallet));
    match ctx.store.commit(writes).await {
        Ok(()) => Ok(ending.len() as u64),
        Err(e) if e.is_race() => Ok(0),
        Err(e) => Err(e),
    }
}

/// The member's notice and, when the shop takes it, the endpoints' message for one coupon.
fn told_of(
    shop: &ShopId,
    member: &MemberId,
    c: &MemberCoupon,
    to_endpoints: bool,
    now: DateTime<Utc>,
) -> Vec<Write> {
    let id = format!("coupon-expiring-{}", c.coupon_no.as_str());
    let data = json!({"member_id": member.as_str(), "coupon_no": c.coupon_no.as_str(),
        "coupon_id": c.coupon_id, "name": c.name,
        "valid_until": api::render::instant(c.valid_until)});
    let notice = outbox::Notice {
        shop,
        member,
        id: &id,
        event: Event::CouponExpiring,
        payload: data.clone(),
        at: now,
    };
    let mut writes = vec![outbox::put(&notice, true)];
    if to_endpoints {
        let message = store::webhooks::Message {
            message_id: format!("msg_{id}"),
            kind: KIND.to_owned(),
            at: now,
            data: api::webhooks::with_shop(shop, data),
            only_to: None,
        };
        writes.extend(store::webhooks::messages_item(shop, &[message], now));
    }
    writes
}
