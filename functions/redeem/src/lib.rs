//! POST /orders/{order_id}/redeem: points (or store credit) become a discount when the order
//! is placed, deducted at once (004), earliest-expiring lots first.

use domain::chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use store::Snapshot;

use api::input::{self, fingerprint};
use api::render;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::Refusal;
use domain::{AccountKind, Decimal, Money, OrderId};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use store::{keys, programs};

mod answer;
mod card_holder;
use answer::Redeemed;
use card_holder::card_holder;
mod coupon;

pub const OPERATION: &str = "redeem";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawRedeem {
    #[serde(default)]
    pub(crate) member_id: Option<String>,
    #[serde(default)]
    pub(crate) points: Option<i64>,
    #[serde(default)]
    pub(crate) credit: Option<String>,
    /// 003: stored value spent at checkout.
    #[serde(default)]
    pub(crate) value: Option<String>,
    /// The order's total before the discount, for a percentage cap.
    #[serde(default)]
    pub(crate) order_total: Option<String>,
    /// 001: the member's store-credit card number names the holder of the credit spent.
    #[serde(default)]
    pub(crate) credit_card_no: Option<String>,
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::EVERYONE)?;
    let order_id = input::order_id(&req)?;
    let body = input::json_object(&req)?;
    // API 1.3: a coupon spent on the order is a redemption of its own kind.
    if body.get("coupon_no").is_some() {
        return coupon::handle(ctx, &principal, &order_id, &body).await;
    }
    let raw: RawRedeem = input::from_value(&body)?;
    let named = match &raw.credit_card_no {
        Some(no) => Some(card_holder(ctx, &principal.shop, no, &raw).await?),
        None => raw.member_id.clone(),
    };
    let member = principal.member_for(named.as_deref())?;
    let kind = match (raw.points, &raw.credit, &raw.value) {
        (Some(p), None, None) if p > 0 && p <= 1_000_000_000_000 => AccountKind::Points,
        (None, Some(_), None) => AccountKind::Credit,
        (None, None, Some(_)) => AccountKind::Value,
        _ => {
            return Err(ApiError::Invalid(
                "give one of a positive \"points\" integer, a \"credit\" or a \"value\" amount"
                    .into(),
            ))
        }
    };
    let once = Once {
        key: keys::once::redemption(kind.as_str(), &order_id)?,
        fingerprint: fingerprint(OPERATION, &format!("{order_id}/{member}"), &body),
    };
    let who = principal.acting(member);
    let read = who.reads([
        keys::program(&who.shop, keys::Program::Points),
        keys::order(&who.shop, &order_id),
        keys::account(&who.shop, &who.member, AccountKind::Value),
    ]);
    api::execute(ctx, &who.shop, Some(&once), read, |snapshot, now| {
        decide(&who, &order_id, &raw, kind, snapshot, now)
    })
    .await
}

/// 004, 001: points (by the program's ratio or tiers, inside its windows and caps) or credit
/// become the order's discount, earliest-expiring lots first.
fn decide(
    who: &api::Acting,
    order_id: &OrderId,
    raw: &RawRedeem,
    kind: AccountKind,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> Result<Decision, ApiError> {
    let mut work = Work::new(who, snapshot, now)?;
    let mut order = work.order(order_id)?;
    let links = BTreeMap::from([("order_id".to_owned(), order_id.to_string())]);
    let discount = match kind {
        AccountKind::Points => redeem_points(&mut work, &mut order, raw, &links)?,
        // 001: credit stays spendable while the credit program is off; 003: stored value
        // pays like cash the member put in. Both spend money the same way.
        _ => spend_money(&mut work, &mut order, order_id.as_str(), raw, kind, &links)?,
    };
    work.put_order(order_id, &order);
    let body = Redeemed {
        order_id,
        member_id: &who.member,
        discount: render::Money::of(discount, work.currency()?),
        points_redeemed: raw.points.unwrap_or(0),
        points_balance: work.balance::<i64>(AccountKind::Points)?,
        credit_balance: work.money(work.balance(AccountKind::Credit)?),
        value_balance: work.money(work.balance(AccountKind::Value)?),
    };
    work.done(&body)
}

/// 004: the points' worth under the program in force, taken earliest-expiring lot first;
/// the order remembers the lots for a refund.
fn redeem_points(
    work: &mut Work<'_>,
    order: &mut domain::order::Order,
    raw: &RawRedeem,
    links: &BTreeMap<String, String>,
) -> Result<Money, ApiError> {
    let currency = *work.currency()?;
    let (versions, _) = programs::read_points(work.snapshot, &work.who.shop)?;
    let wanted = raw.points.unwrap_or(0);
    let order_total = raw
        .order_total
        .as_deref()
        .map(|t| Money::parse_non_negative(t, &currency))
        .transpose()?;
    let discount = versions
        .current()
        .ok_or_else(|| Refusal::ProgramDisabled("there is no points program".into()))?
        .redeem_on_order(wanted, order_total, work.now, work.tz(), &currency)?;
    let mut points = work.account::<i64>(AccountKind::Points)?;
    let (taken, moves) = points.spend(AccountKind::Points, wanted, links, work.now)?;
    order.redeemed.extend(taken);
    work.post(AccountKind::Points, &points, moves);
    Ok(discount)
}

/// 001, 003: credit or stored value spent as money; credit spent tells the member.
fn spend_money(
    work: &mut Work<'_>,
    order: &mut domain::order::Order,
    order_id: &str,
    raw: &RawRedeem,
    kind: AccountKind,
    links: &BTreeMap<String, String>,
) -> Result<Money, ApiError> {
    let currency = *work.currency()?;
    let text = if kind == AccountKind::Credit {
        &raw.credit
    } else {
        &raw.value
    };
    let amount = Money::parse_non_negative(text.as_deref().unwrap_or(""), &currency)?;
    if amount.is_zero() {
        return Err(ApiError::Invalid(format!(
            "{} must be above zero",
            kind.as_str()
        )));
    }
    let mut account = work.account::<Decimal>(kind)?;
    let (taken, moves) = account.spend(kind, amount.amount(), links, work.now)?;
    work.post(kind, &account, moves);
    if kind == AccountKind::Credit {
        // Kept by lot, so a cancellation gives it back where it came from (API 1.3).
        order.credit_portions.extend(taken);
    }
    let spent = |before: Money| Money::from_stored(before.amount() + amount.amount());
    if kind == AccountKind::Credit {
        order.credit_redeemed = spent(order.credit_redeemed);
        // 001: the member is told their credit was used (the notifier honours the shop's
        // switch).
        let told = json!({"amount": render::Money::of(amount, &currency),
                          "balance": work.money(account.balance()), "order_id": order_id});
        let (shop, member) = (&work.who.shop, &work.who.member);
        let notice =
            store::outbox::notify(shop, member, store::outbox::Event::Used, told, work.now);
        work.write(notice);
    } else {
        order.value_redeemed = spent(order.value_redeemed);
    }
    Ok(amount)
}
