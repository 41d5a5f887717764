//! POST /orders/{order_id}/refunds: a refund or cancellation takes back the points the order
//! earned and gives back the points it redeemed, in proportion to the refunded share;
//! redeemed points return to the lots they came from, with their original expiry (004).

use std::collections::BTreeMap;

use api::input::{self, fingerprint};
use api::postings::Posting;
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::points::proportional;
use domain::store_credit::clawback_share;
use domain::Refusal;
use domain::{AccountKind, Decimal, EntryKind, MemberId, Money, Movement, Portion};
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
    let actor = principal.actor();
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
    let read = vec![
        keys::settings(&shop),
        keys::order(&shop, &order_id),
        keys::account(&shop, &member, AccountKind::Points),
        keys::account(&shop, &member, AccountKind::Credit),
    ];
    api::execute(ctx, &shop, Some(&once), read, |snapshot, now| {
        let settings = api::require_settings(snapshot, &shop)?;
        let currency = settings.currency;
        let mut order = orders::read(snapshot, &shop, &order_id)?;
        if order.member_id.as_deref().is_some_and(|m| m != member.as_str()) {
            return Err(Refusal::OrderOfAnotherMember.into());
        }
        let amount = Money::parse_non_negative(&raw.amount, &currency)?;
        if amount.is_zero() {
            return Err(ApiError::Invalid("amount must be above zero".into()));
        }
        let total = match (order.total, &raw.order_total) {
            (Some(t), _) => t,
            (None, Some(t)) => Money::parse_non_negative(t, &currency)?,
            (None, None) => {
                return Err(ApiError::Invalid(
                    "this order was never accrued here: give order_total".into(),
                ))
            }
        };
        let refunded = order.refunded.amount() + amount.amount();
        if refunded > total.amount() {
            return Err(Refusal::RefundExceedsPaid(format!(
                "{} of {} is already refunded",
                order.refunded.to_string_in(&currency),
                total.to_string_in(&currency)
            ))
            .into());
        }
        // 003: a return takes back the points the order earned before any birthday, holiday,
        // period or card extra; the level multiplier is part of what it takes back.
        let claw = proportional(order.points_reversible, refunded, total.amount()) - order.points_clawed_back;
        let restore =
            proportional(order.points_redeemed(), refunded, total.amount()) - order.points_restored;

        let mut points = accounts::read::<i64>(snapshot, &shop, &member, AccountKind::Points)?;
        let mut credit = accounts::read::<Decimal>(snapshot, &shop, &member, AccountKind::Credit)?;
        let read_version = points.version();
        let links = BTreeMap::from([
            ("order_id".to_owned(), order_id.clone()),
            ("refund_id".to_owned(), raw.refund_id.clone()),
        ]);
        let mut moves: Vec<Movement> = points
            .write_off_expired(AccountKind::Points, &links, now)
            .into_iter()
            .collect();
        if restore > 0 {
            points.restore(&portions_to_restore(&order.redeemed, order.points_restored, restore));
            moves.push(movement(EntryKind::Refund, restore, points.balance(), "points_restored", &links));
        }
        // Points still on hold for this order are cancelled before spendable ones are taken.
        let cancelled = if claw > 0 { points.cancel_hold(&order_id, claw, now) } else { 0 };
        let taken = claw - cancelled;
        if taken > 0 {
            // The points the order earned went into their own lot: take them from there first.
            points.debit_preferring(order.earned_expires_at, taken).map_err(|e| {
                ApiError::InsufficientBalance(format!(
                    "{taken} points earned by this order should be taken back but only {} remain",
                    e.available
                ))
            })?;
            moves.push(movement(EntryKind::Refund, -taken, points.balance(), "points_clawed_back", &links));
        }
        let mut writes = Vec::new();
        if !moves.is_empty() || cancelled > 0 {
            let posting = Posting {
                shop: &shop,
                member: &member,
                actor: &actor,
                currency: Some(&currency),
                now,
            };
            let mut ids = api::entry_ids(now, 3).into_iter();
            posting.post(AccountKind::Points, &points.clone().bumped(), read_version, moves, &mut ids, &mut writes);
        }
        // 001: credit the order's rules granted goes back in proportion to the refunded
        // share, rounded half-even to the minor unit, from the order's own lots first.
        let credit_claw = clawback_share(
            order.credit_granted_total(),
            order.credit_clawed_back.amount(),
            refunded,
            total.amount(),
            &currency,
        );
        if credit_claw > Decimal::ZERO {
            let read_version = credit.version();
            let mut moves = credit.write_off_expired(AccountKind::Credit, &links, now);
            let lot = order.credit_granted.first().and_then(|p| p.expires_at);
            credit.debit_preferring(lot, credit_claw).map_err(|e| {
                ApiError::InsufficientBalance(format!(
                    "{} of credit granted by this order should be taken back but only {} remain",
                    Money::from_stored(credit_claw).to_string_in(&currency),
                    Money::from_stored(e.available).to_string_in(&currency)
                ))
            })?;
            moves.push(Movement {
                account: AccountKind::Credit,
                kind: EntryKind::Refund,
                amount: -credit_claw,
                balance_after: credit.balance(),
                reason: "credit_clawed_back".to_owned(),
                links: links.clone(),
            });
            let posting = Posting {
                shop: &shop,
                member: &member,
                actor: &actor,
                currency: Some(&currency),
                now,
            };
            let mut ids = api::entry_ids(now, moves.len()).into_iter();
            let account = credit.clone().bumped_once(read_version);
            posting.post(AccountKind::Credit, &account, read_version, moves, &mut ids, &mut writes);
        }
        order.credit_clawed_back = Money::from_stored(order.credit_clawed_back.amount() + credit_claw);
        order.member_id = Some(member.to_string());
        order.total = Some(total);
        order.refunded = Money::from_stored(refunded);
        order.points_clawed_back += claw;
        order.points_restored += restore;
        writes.push(orders::put(&shop, &order_id, &member, &order));
        Ok(Decision::ok(
            writes,
            json!({
                "order_id": order_id,
                "refund_id": raw.refund_id,
                "points_clawed_back": claw,
                "credit_clawed_back": Money::from_stored(credit_claw).to_string_in(&currency),
                "points_restored": restore,
                "points_pending_cancelled": cancelled,
                "points_balance": points.balance(),
                "credit_balance": Money::from_stored(credit.balance_at(now)).to_string_in(&currency),
                "refunded_total": order.refunded.to_string_in(&currency),
            }),
        ))
    })
    .await
}

fn movement(
    kind: EntryKind,
    amount: i64,
    balance_after: i64,
    reason: &str,
    links: &BTreeMap<String, String>,
) -> Movement {
    Movement {
        account: AccountKind::Points,
        kind,
        amount: Decimal::from(amount),
        balance_after: Decimal::from(balance_after),
        reason: reason.to_owned(),
        links: links.clone(),
    }
}

/// The next `amount` points of the redeemed portions after the `already` restored, in the
/// order they were taken, each with the expiry of the lot it came from.
fn portions_to_restore(redeemed: &[Portion<i64>], already: i64, amount: i64) -> Vec<Portion<i64>> {
    let mut skip = already;
    let mut left = amount;
    let mut out = Vec::new();
    for p in redeemed {
        let available = p.amount - skip.min(p.amount);
        skip -= p.amount.min(skip);
        let take = available.min(left);
        if take > 0 {
            out.push(Portion {
                expires_at: p.expires_at,
                amount: take,
            });
            left -= take;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restores_continue_where_the_last_one_stopped() {
        let lots = [
            Portion {
                expires_at: None,
                amount: 30,
            },
            Portion {
                expires_at: None,
                amount: 70,
            },
        ];
        let first = portions_to_restore(&lots, 0, 50);
        assert_eq!(first.iter().map(|p| p.amount).collect::<Vec<_>>(), [30, 20]);
        let second = portions_to_restore(&lots, 50, 50);
        assert_eq!(second.iter().map(|p| p.amount).collect::<Vec<_>>(), [50]);
    }
}
