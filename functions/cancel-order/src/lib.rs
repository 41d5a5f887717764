//! POST /orders/{order_id}/cancel (API 1.3 "Cancelled orders"): an order redeemed on and
//! never paid (the payment failed, the cart was abandoned) gives back everything spent on
//! it, in one transaction: points and credit into the lots they came from, stored value,
//! and its coupon (available again while still valid). Nothing accrues or redeems on it
//! after; once accrued it is paid (409 `order_paid`: refund it instead).

use std::collections::BTreeMap;

use api::input::{self, fingerprint};
use api::render::Money;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::order::Spendable;
use domain::{AccountKind, Decimal, MemberId, OrderId};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::{keys, orders};

pub const OPERATION: &str = "cancel-order";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    member_id: Option<String>,
    #[serde(default)]
    reason: String,
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::STAFF)?;
    let order_id = input::order_id(&req)?;
    let body = if input::raw_body(&req).is_empty() {
        json!({})
    } else {
        input::json_object(&req)?
    };
    let raw: Raw = input::from_value(&body)?;
    if raw.reason.chars().count() > 200 {
        return Err(ApiError::Invalid("reason is at most 200 characters".into()));
    }
    let shop = principal.shop.clone();
    // The order names its member; a first read finds it when the caller does not say.
    let member =
        match &raw.member_id {
            Some(m) => MemberId::parse(m)?,
            None => {
                let snapshot = ctx.store.load(&[keys::order(&shop, &order_id)]).await?;
                let order = orders::read(&snapshot, &shop, &order_id)?;
                MemberId::parse(order.member_id.as_deref().ok_or_else(|| {
                    ApiError::NotFound("no such order here; give member_id".into())
                })?)?
            }
        };
    // The same cancellation again replays, whatever reason it gives this time.
    let once = Once {
        key: keys::once::cancel(&order_id)?,
        fingerprint: fingerprint(
            OPERATION,
            order_id.as_str(),
            &json!({"member_id": member.as_str()}),
        ),
    };
    let who = principal.acting(member);
    let read = [
        keys::order(&who.shop, &order_id),
        keys::wallet(&who.shop, &who.member),
    ];
    api::work::on_order(ctx, &who, &once, read, &order_id, &raw, decide).await
}

fn decide(mut work: Work<'_>, order_id: &OrderId, raw: &Raw) -> Result<Decision, ApiError> {
    let mut order = work.order_as_read(order_id)?;
    let was_cancelled = order.cancelled_at.is_some();
    let mut points = work.account::<i64>(AccountKind::Points)?;
    let mut credit = work.account::<Decimal>(AccountKind::Credit)?;
    let mut value = work.account::<Decimal>(AccountKind::Value)?;
    let mut links = BTreeMap::from([("order_id".to_owned(), order_id.to_string())]);
    if !raw.reason.is_empty() {
        links.insert("reason".to_owned(), raw.reason.clone());
    }
    let accounts = Spendable {
        points: &mut points,
        credit: &mut credit,
        value: &mut value,
    };
    let c = order.cancel(accounts, &links, work.now)?;
    if !c.points_moves.is_empty() {
        work.post(AccountKind::Points, &points, c.points_moves);
    }
    if !c.credit_moves.is_empty() {
        work.post(AccountKind::Credit, &credit, c.credit_moves);
    }
    if !c.value_moves.is_empty() {
        work.post(AccountKind::Value, &value, c.value_moves);
    }
    let returned = match was_cancelled {
        true => None,
        false => work.give_back_coupon(order_id, "order_cancelled")?,
    };
    let (coupon, told): (Option<String>, Vec<_>) = match returned {
        Some((no, message)) => (Some(no), vec![message]),
        None => (None, Vec::new()),
    };
    if !was_cancelled {
        work.put_order(order_id, &order);
    }
    let body = Cancelled {
        order_id,
        status: "cancelled",
        points_restored: c.points_restored,
        credit_restored: work.money(c.credit_restored),
        value_restored: work.money(c.value_restored),
        coupon_restored: coupon,
        points_balance: points.balance(),
        credit_balance: work.money(credit.balance_at(work.now)),
        value_balance: work.money(value.balance()),
    };
    Ok(work.done(&body)?.tell(told))
}

/// The cancellation as answered: what came back to each balance and the balances after.
#[derive(Serialize)]
struct Cancelled<'a> {
    order_id: &'a OrderId,
    status: &'static str,
    points_restored: i64,
    credit_restored: Money,
    value_restored: Money,
    coupon_restored: Option<String>,
    points_balance: i64,
    credit_balance: Money,
    value_balance: Money,
}
