//! POST /orders/{order_id}/refunds: a refund or cancellation takes back the points the order
//! earned and gives back the points it redeemed, in proportion to the refunded share;
//! redeemed points return to the lots they came from, with their original expiry (004).

use std::collections::BTreeMap;

use api::input::{self, fingerprint};
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::{AccountKind, Decimal, MemberId, Money, OrderId, RefundId};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use store::{keys, orders};

mod answer;
use answer::Refunded;

pub const OPERATION: &str = "order-refund";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize)]
struct RawRefund {
    /// Typed at the edge (`Asked::refund_id`).
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
    let order_id = input::order_id(&req)?;
    let body = input::json_object(&req)?;
    let raw: RawRefund = input::from_value(&body)?;
    let refund_id = RefundId::parse(&raw.refund_id).map_err(|_| {
        ApiError::Invalid("refund_id is 1-64 letters, digits and . _ - : @ +".into())
    })?;
    let once = Once {
        key: keys::once::order_refund(&order_id, &refund_id).map_err(|_| {
            ApiError::Invalid("order id and refund id are too long together".into())
        })?,
        fingerprint: fingerprint(OPERATION, order_id.as_str(), &body),
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
    let read = [
        keys::order(&who.shop, &order_id),
        keys::profile(&who.shop, &who.member),
        keys::levels(&who.shop),
        keys::account(&who.shop, &who.member, AccountKind::Value),
        keys::wallet(&who.shop, &who.member),
    ];
    let asked = Asked { refund_id, raw };
    api::work::on_order(ctx, &who, &once, read, &order_id, &asked, decide).await
}

/// A refund as asked: its id typed, the rest as the body says.
struct Asked {
    refund_id: RefundId,
    raw: RawRefund,
}

/// 004, 003, 001: the order's refund share taken back and given back
/// (domain::order::Order::refund).
fn decide(mut work: Work<'_>, order_id: &OrderId, asked: &Asked) -> Result<Decision, ApiError> {
    let raw = &asked.raw;
    let now = work.now;
    let currency = *work.currency()?;
    let mut order = work.order(order_id)?;
    let amount = Money::parse_non_negative(&raw.amount, &currency)?;
    let order_total = raw
        .order_total
        .as_deref()
        .map(|t| Money::parse_non_negative(t, &currency))
        .transpose()?;
    let mut points = work.account::<i64>(AccountKind::Points)?;
    let mut credit = work.account::<Decimal>(AccountKind::Credit)?;
    let links = BTreeMap::from([
        ("order_id".to_owned(), order_id.to_string()),
        ("refund_id".to_owned(), asked.refund_id.to_string()),
    ]);
    let r = order.refund(
        order_id.as_str(),
        amount,
        order_total,
        &mut points,
        &mut credit,
        &currency,
        &links,
        now,
    )?;
    if !r.points_moves.is_empty() || r.points_cancelled > 0 {
        work.post(AccountKind::Points, &points, r.points_moves);
    }
    if r.credit_clawed_back > Decimal::ZERO {
        work.post(AccountKind::Credit, &credit, r.credit_moves);
    }
    restore_value(&mut work, r.value_restored, &links)?;
    take_back_growth(
        &mut work,
        r.points_clawed_back.saturating_add(r.points_cancelled),
    )?;
    work.put_order(order_id, &order);
    let returned = coupon_back(&mut work, &order, order_total, order_id)?;
    let (coupon, told) = returned.map_or((None, None), |(no, told)| (Some(no), Some(told)));
    let body = Refunded {
        order_id,
        refund_id: &asked.refund_id,
        coupon_returned: coupon,
        points_clawed_back: r.points_clawed_back,
        credit_clawed_back: work.money(r.credit_clawed_back),
        points_restored: r.points_restored,
        points_pending_cancelled: r.points_cancelled,
        points_balance: points.balance(),
        credit_balance: work.money(credit.balance_at(now)),
        refunded_total: api::render::Money::of(order.refunded, &currency),
        value_restored: work.money(r.value_restored),
        value_balance: work.money(work.balance(AccountKind::Value)?),
    };
    Ok(work.done(&body)?.tell(told))
}

/// API 1.3: a refund that brings the order's refunds to its whole total gives its coupon
/// back (while still valid); a partial refund keeps it used. The number and the message.
fn coupon_back(
    work: &mut Work<'_>,
    order: &domain::order::Order,
    order_total: Option<Money>,
    order_id: &OrderId,
) -> Result<Option<api::coupons::Returned>, ApiError> {
    let whole = order
        .total
        .or(order_total)
        .is_some_and(|t| order.refunded.amount() >= t.amount());
    match whole {
        true => work.give_back_coupon(order_id, "order_refunded"),
        false => Ok(None),
    }
}

/// 003: stored value spent on the order goes back with the refund.
fn restore_value(
    work: &mut Work<'_>,
    restored: Decimal,
    links: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    if restored <= Decimal::ZERO {
        return Ok(());
    }
    let value = work.account::<Decimal>(AccountKind::Value)?;
    let (value, moves) = domain::cards::grant(
        AccountKind::Value,
        value,
        restored,
        None,
        domain::EntryKind::Refund,
        links,
        work.now,
    );
    work.post(AccountKind::Value, &value, moves);
    Ok(())
}

/// 003: points taken back no longer count as earned toward levels (growth and spend never
/// go down). Only with a ladder; the profile is otherwise untouched.
fn take_back_growth(work: &mut Work<'_>, taken_back: i64) -> Result<(), ApiError> {
    let (shop, member) = (&work.who.shop, &work.who.member);
    let ladder = store::levels::read(work.snapshot, shop, work.currency()?)?.0;
    let (Some(ladder), true) = (ladder, taken_back > 0) else {
        return Ok(());
    };
    let tz = work.tz();
    let mut profile = store::profile::read(work.snapshot, shop, member)?;
    profile
        .standing
        .settle(&ladder, tz, work.balance(AccountKind::Value)?, work.now);
    profile.standing.take_back_points(&ladder, tz, taken_back);
    let write = store::profile::put(shop, member, &profile);
    work.write(write);
    Ok(())
}
