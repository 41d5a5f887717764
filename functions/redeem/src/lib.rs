//! POST /orders/{order_id}/redeem: points (or store credit) become a discount when the order
//! is placed, deducted at once (004), earliest-expiring lots first.

use domain::chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use store::Snapshot;

use api::input::{self, fingerprint};
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::Refusal;
use domain::{AccountKind, Decimal, Money};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use store::{accounts, keys, orders, programs};

mod card_holder;
use card_holder::card_holder;

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
    let order_id = input::order_id(&req)?.to_string();
    let body = input::json_object(&req)?;
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

/// 004, 001: points (by the program's ratio or tiers, inside its windows and caps) or credit become the order's discount, earliest-expiring lots first.
fn decide(
    who: &api::Acting,
    order_id: &str,
    raw: &RawRedeem,
    kind: AccountKind,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> Result<Decision, ApiError> {
    let (shop, member) = (&who.shop, &who.member);
    let settings = api::require_settings(snapshot, shop)?;
    let currency = settings.currency;
    let mut order = orders::read(snapshot, shop, order_id)?;
    order.check_owner(member)?;
    let links = BTreeMap::from([("order_id".to_owned(), order_id.to_owned())]);
    let posting = who.posting(Some(&currency), now);
    let mut ids = api::entry_ids(now, 3).into_iter();
    let mut writes = Vec::new();
    let mut points = accounts::read::<i64>(snapshot, shop, member, AccountKind::Points)?;
    let mut credit = accounts::read::<Decimal>(snapshot, shop, member, AccountKind::Credit)?;
    let mut value = accounts::read::<Decimal>(snapshot, shop, member, AccountKind::Value)?;
    let discount = match kind {
        AccountKind::Points => {
            let (versions, _) = programs::read_points(snapshot, shop)?;
            let wanted = raw.points.unwrap_or(0);
            let order_total = raw
                .order_total
                .as_deref()
                .map(|t| Money::parse_non_negative(t, &currency))
                .transpose()?;
            let discount = versions
                .current()
                .ok_or_else(|| Refusal::ProgramDisabled("there is no points program".into()))?
                .redeem_on_order(wanted, order_total, now, settings.timezone, &currency)?;
            let read_version = points.version();
            let (taken, moves) = points.spend(AccountKind::Points, wanted, &links, now)?;
            order.redeemed.extend(taken);
            posting.post(
                AccountKind::Points,
                &points,
                read_version,
                moves,
                &mut ids,
                &mut writes,
            );
            discount
        }
        // 001: credit stays spendable while the credit program is off; 003: stored value
        // pays like cash the member put in. Both spend money the same way.
        AccountKind::Credit | AccountKind::Value => {
            let (text, account) = match kind {
                AccountKind::Credit => (&raw.credit, &mut credit),
                _ => (&raw.value, &mut value),
            };
            let amount = Money::parse_non_negative(text.as_deref().unwrap_or(""), &currency)?;
            if amount.is_zero() {
                return Err(ApiError::Invalid(format!(
                    "{} must be above zero",
                    kind.as_str()
                )));
            }
            let read_version = account.version();
            let (_, moves) = account.spend(kind, amount.amount(), &links, now)?;
            posting.post(kind, account, read_version, moves, &mut ids, &mut writes);
            let spent = |before: Money| Money::from_stored(before.amount() + amount.amount());
            if kind == AccountKind::Credit {
                order.credit_redeemed = spent(order.credit_redeemed);
                // 001: the member is told their credit was used (the notifier honours the
                // shop's switch).
                writes.push(store::outbox::notify(shop, member, store::outbox::Event::Used, json!({"amount": amount.to_string_in(&currency),
                                        "balance": Money::from_stored(credit.balance()).to_string_in(&currency),
                                        "order_id": order_id}), now));
            } else {
                order.value_redeemed = spent(order.value_redeemed);
            }
            amount
        }
    };
    writes.push(orders::put(shop, order_id, member, &order));
    let body: Value = json!({
        "order_id": order_id,
        "member_id": member.as_str(),
        "discount": discount.to_string_in(&currency),
        "points_redeemed": raw.points.unwrap_or(0),
        "points_balance": points.balance(),
        "credit_balance": Money::from_stored(credit.balance()).to_string_in(&currency),
        "value_balance": Money::from_stored(value.balance()).to_string_in(&currency),
    });
    Ok(Decision::ok(writes, body))
}
