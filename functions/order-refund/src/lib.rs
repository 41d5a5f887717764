//! POST /orders/{order_id}/refunds: a refund or cancellation takes back the points the order
//! earned and gives back the points it redeemed, in proportion to the refunded share;
//! redeemed points return to the lots they came from, with their original expiry (004).

use domain::chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use store::Snapshot;

use api::input::{self, fingerprint};
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::{AccountKind, Decimal, MemberId, Money};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use store::{accounts, keys, orders};

pub const OPERATION: &str = "order-refund";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize)]
struct RawRefund {
    refund_id: String,
    amount: String,
    /// Needed only for an order never accrued here (a cancellation before payment).
    #[serde(default)]
    order_total: Option<String>,
    #[serde(default)]
    member_id: Option<String>,
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::STAFF)?;
    let order_id = input::order_id(&req)?.to_string();
    let body = input::json_object(&req)?;
    let raw: RawRefund = input::from_value(&body)?;
    MemberId::parse(&raw.refund_id).map_err(|_| {
        ApiError::Invalid("refund_id is 1-64 letters, digits and . _ - : @ +".into())
    })?;
    let once = Once {
        key: keys::once::order_refund(&order_id, &raw.refund_id).map_err(|_| {
            ApiError::Invalid("order id and refund id are too long together".into())
        })?,
        fingerprint: fingerprint(OPERATION, &order_id, &body),
    };
    let shop = principal.shop.clone();
    // The order names its member; a first read finds it when the caller does not say.
    let member = match &raw.member_id {
        Some(m) => MemberId::parse(m)?,
        None => {
            let snapshot = ctx.store.load(&[keys::order(&shop, &order_id)]).await?;
            let order = orders::read(&snapshot, &shop, &order_id)?;
            MemberId::parse(order.member_id.as_deref().ok_or_else(|| {
                ApiError::NotFound("no such order here; give member_id and order_total".into())
            })?)?
        }
    };
    let who = principal.acting(member);
    let read = who.reads([
        keys::order(&who.shop, &order_id),
        keys::profile(&who.shop, &who.member),
        keys::levels(&who.shop),
        keys::account(&who.shop, &who.member, AccountKind::Value),
    ]);
    api::execute(ctx, &who.shop, Some(&once), read, |snapshot, now| {
        decide(&who, &order_id, &raw, snapshot, now)
    })
    .await
}

/// 004, 003, 001: the order's refund share taken back and given back (domain::order::Order::refund).
fn decide(
    who: &api::Acting,
    order_id: &str,
    raw: &RawRefund,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> Result<Decision, ApiError> {
    let (shop, member) = (&who.shop, &who.member);
    let settings = api::require_settings(snapshot, shop)?;
    let currency = settings.currency;
    let mut order = orders::read(snapshot, shop, order_id)?;
    order.check_owner(member)?;
    let amount = Money::parse_non_negative(&raw.amount, &currency)?;
    let order_total = raw
        .order_total
        .as_deref()
        .map(|t| Money::parse_non_negative(t, &currency))
        .transpose()?;
    let mut points = accounts::read::<i64>(snapshot, shop, member, AccountKind::Points)?;
    let mut credit = accounts::read::<Decimal>(snapshot, shop, member, AccountKind::Credit)?;
    let (points_read, credit_read) = (points.version(), credit.version());
    let links = BTreeMap::from([
        ("order_id".to_owned(), order_id.to_owned()),
        ("refund_id".to_owned(), raw.refund_id.clone()),
    ]);
    let r = order.refund(
        order_id,
        amount,
        order_total,
        &mut points,
        &mut credit,
        &currency,
        &links,
        now,
    )?;
    let posting = who.posting(Some(&currency), now);
    let mut writes = Vec::new();
    if !r.points_moves.is_empty() || r.points_cancelled > 0 {
        let mut ids = api::entry_ids(now, r.points_moves.len()).into_iter();
        let account = points.clone();
        posting.post(
            AccountKind::Points,
            &account,
            points_read,
            r.points_moves,
            &mut ids,
            &mut writes,
        );
    }
    if r.credit_clawed_back > Decimal::ZERO {
        let mut ids = api::entry_ids(now, r.credit_moves.len()).into_iter();
        let account = credit.clone();
        posting.post(
            AccountKind::Credit,
            &account,
            credit_read,
            r.credit_moves,
            &mut ids,
            &mut writes,
        );
    }
    // 003: stored value spent on the order goes back with the refund.
    let mut value = accounts::read::<Decimal>(snapshot, shop, member, AccountKind::Value)?;
    if r.value_restored > Decimal::ZERO {
        let read_version = value.version();
        let (account, moves) = domain::cards::grant(
            AccountKind::Value,
            value,
            r.value_restored,
            None,
            domain::EntryKind::Refund,
            &links,
            now,
        );
        value = account;
        let mut ids = api::entry_ids(now, moves.len()).into_iter();
        posting.post(
            AccountKind::Value,
            &value,
            read_version,
            moves,
            &mut ids,
            &mut writes,
        );
    }
    // 003: points taken back no longer count as earned toward levels (growth and spend
    // never go down). Only with a ladder; the profile is otherwise untouched.
    let taken_back = r.points_clawed_back.saturating_add(r.points_cancelled);
    if let (Some(ladder), true) = (
        store::levels::read(snapshot, shop, &currency)?.0,
        taken_back > 0,
    ) {
        let tz = settings.timezone;
        let mut profile = store::profile::read(snapshot, shop, member)?;
        profile.standing.settle(&ladder, tz, value.balance(), now);
        profile.standing.take_back_points(&ladder, tz, taken_back);
        writes.push(store::profile::put(shop, member, &profile));
    }
    order.member_id = Some(member.to_string());
    writes.push(orders::put(shop, order_id, member, &order));
    Ok(Decision::ok(
        writes,
        json!({
            "order_id": order_id,
            "refund_id": raw.refund_id,
            "points_clawed_back": r.points_clawed_back,
            "credit_clawed_back": Money::from_stored(r.credit_clawed_back).to_string_in(&currency),
            "points_restored": r.points_restored,
            "points_pending_cancelled": r.points_cancelled,
            "points_balance": points.balance(),
            "credit_balance": Money::from_stored(credit.balance_at(now)).to_string_in(&currency),
            "refunded_total": order.refunded.to_string_in(&currency),
            "value_restored": Money::from_stored(r.value_restored).to_string_in(&currency),
            "value_balance": Money::from_stored(value.balance()).to_string_in(&currency),
        }),
    ))
}
