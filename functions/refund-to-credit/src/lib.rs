//! POST /orders/{order_id}/refund-to-credit: the merchant refunds (part of) an order as
//! store credit, with a note and an optional notification (001). The total refunded to
//! credit for an order never exceeds what it paid; refund_id is the idempotency key.

use std::collections::BTreeMap;

use api::input::{self, fingerprint};
use api::issuing::MemberWrites;
use api::render;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Reply, MANAGERS};
use domain::{MemberId, Money, OrderId, RefundId};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::keys::{self, Program};
use store::{credit_program, outbox};

pub const OPERATION: &str = "refund-to-credit";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize)]
struct Raw {
    /// Typed at the edge (`Asked::refund_id`).
    refund_id: String,
    member_id: String,
    amount: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    notify: bool,
    /// Needed only for an order never accrued here.
    #[serde(default)]
    order_total: Option<String>,
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let order_id = input::order_id(&req)?;
    let body = input::json_object(&req)?;
    let raw: Raw = input::from_value(&body)?;
    let member = MemberId::parse(&raw.member_id)?;
    if raw.note.chars().count() > 200 {
        return Err(ApiError::Invalid("note is at most 200 characters".into()));
    }
    // The same refund ids as an order's refunds (1-64 letters, digits and ._:@+-).
    let refund_id = RefundId::parse(&raw.refund_id)
        .map_err(|_| ApiError::Invalid("refund_id uses letters, digits and ._:@+-".into()))?;
    let once = Once {
        key: keys::once::refund_to_credit(&order_id, &refund_id)
            .map_err(|_| ApiError::Invalid("refund_id uses letters, digits and ._:@+-".into()))?,
        fingerprint: fingerprint(OPERATION, order_id.as_str(), &body),
    };
    let who = principal.acting(member);
    let read = [
        keys::program(&who.shop, Program::Credit),
        keys::order(&who.shop, &order_id),
        keys::profile(&who.shop, &who.member),
    ];
    let asked = Asked { refund_id, raw };
    api::work::on_order(ctx, &who, &once, read, &order_id, &asked, decide).await
}

/// A refund to credit as asked: its id typed, the rest as the body says.
struct Asked {
    refund_id: RefundId,
    raw: Raw,
}

/// 001: part of an order refunded as credit, never more in all than the order paid, with
/// the program's validity.
fn decide(mut work: Work<'_>, order_id: &OrderId, asked: &Asked) -> Result<Decision, ApiError> {
    let raw = &asked.raw;
    let (who, snapshot, now) = (work.who, work.snapshot, work.now);
    let currency = *work.currency()?;
    let amount = Money::parse_non_negative(&raw.amount, &currency)?;
    if amount.is_zero() {
        return Err(ApiError::Invalid("amount must be above zero".into()));
    }
    let mut order = work.order(order_id)?;
    let total = refundable(&order, raw, amount, &currency)?;
    // Refunded credit lasts as the program's issued credit does (never without one).
    let (program, _) = credit_program::read(snapshot, &who.shop, &currency)?;
    let tz = work.tz();
    let expires_at = program.and_then(|p| p.expiry.expires_at(now, tz));
    let mut links = BTreeMap::from([
        ("order_id".to_owned(), order_id.to_string()),
        ("refund_id".to_owned(), asked.refund_id.to_string()),
    ]);
    if !raw.note.is_empty() {
        links.insert("note".to_owned(), raw.note.clone());
    }
    let mut state = work.member()?;
    state.grant_credit(amount.amount(), expires_at, "refund_to_credit", &links, now);
    let mut middle = Vec::new();
    let card_no = state.credit_card_no(&who.shop, &who.member, &mut middle);
    let balance = work.money(state.credit.balance_at(now));
    if raw.notify {
        let told = json!({"amount": render::Money::of(amount, &currency), "balance": balance,
                          "order_id": order_id, "note": raw.note, "card_no": card_no});
        middle.extend(work.notice(outbox::Event::Refund, told));
    }
    order.total = Some(total);
    order.refunded_to_credit =
        Money::from_stored(order.refunded_to_credit.amount() + amount.amount());
    work.put_order(order_id, &order);
    work.flush(state, middle)?;
    work.done(&Refunded {
        refund_id: &asked.refund_id,
        order_id,
        amount: render::Money::of(amount, &currency),
        refunded_to_credit: render::Money::of(order.refunded_to_credit, &currency),
        credit_balance: balance,
        card_no,
        note: &raw.note,
    })
}

/// The refund to credit as answered: what it added and the credit balance after.
#[derive(Serialize)]
struct Refunded<'a> {
    refund_id: &'a RefundId,
    order_id: &'a OrderId,
    amount: render::Money,
    refunded_to_credit: render::Money,
    credit_balance: render::Money,
    card_no: String,
    note: &'a str,
}

/// The order's total, when `amount` more refunded to credit stays within it (001: never
/// more in all than the order paid).
fn refundable(
    order: &domain::order::Order,
    raw: &Raw,
    amount: Money,
    currency: &domain::Currency,
) -> Result<Money, ApiError> {
    let total = match (order.total, &raw.order_total) {
        (Some(t), _) => t,
        (None, Some(t)) => Money::parse_non_negative(t, currency)?,
        (None, None) => {
            return Err(ApiError::Invalid(
                "this order was never accrued here: give order_total".into(),
            ))
        }
    };
    if order.refunded_to_credit.amount() + amount.amount() > total.amount() {
        return Err(domain::Refusal::RefundExceedsPaid(format!(
            "{} of the order's {} is already refunded to credit",
            render::Money::of(order.refunded_to_credit, currency),
            render::Money::of(total, currency)
        ))
        .into());
    }
    Ok(total)
}
