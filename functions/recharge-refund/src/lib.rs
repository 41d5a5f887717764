//! POST /admin/recharges/{recharge_id}/refund (admin, owner; 003): a stored-value recharge
//! refunded takes back the value paid and the gift value, and the points and credit it
//! gave, all or nothing: if any of them is no longer in its balance, 409
//! `insufficient_balance` and nothing changes. Cumulative recharge does not go down (003).

use std::collections::BTreeMap;

use api::input;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Reply, MANAGERS};
use domain::{AccountKind, Decimal, EntryKind, MemberId, Refusal};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use store::accounts::StoredQuantity;
use store::{keys, value};

pub const OPERATION: &str = "recharge-refund";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    reason: String,
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let id = domain::RechargeId::parse(&input::path_param(&req, "recharge_id")?)
        .map_err(|_| ApiError::NotFound("no such recharge".into()))?
        .to_string();
    let raw: Raw = input::from_value(&input::json_object(&req)?)?;
    if raw.reason.trim().is_empty() || raw.reason.len() > 500 {
        return Err(ApiError::Invalid("reason is 1-500 characters".into()));
    }
    let shop = principal.shop.clone();
    // The recharge names its member: one read finds it, then the refund's own read.
    let first = ctx.store.load(&[keys::recharge(&shop, &id)]).await?;
    let record = value::read_recharge(&first, &shop, &id)?
        .ok_or_else(|| ApiError::NotFound("no such recharge".into()))?;
    let who = principal.acting(MemberId::parse(&record.member_id)?);
    let read = who.reads([
        keys::recharge(&shop, &id),
        keys::account(&who.shop, &who.member, AccountKind::Value),
    ]);
    api::execute(ctx, &shop, None, read, |snapshot, now| {
        decide(Work::new(&who, snapshot, now)?, &id, &raw.reason)
    })
    .await
}

/// 003: everything the recharge put in the member's balances taken back, or nothing.
fn decide(mut work: Work<'_>, id: &str, reason: &str) -> Result<Decision, ApiError> {
    let shop = &work.who.shop;
    let mut record = value::read_recharge(work.snapshot, shop, id)?
        .ok_or_else(|| ApiError::NotFound("no such recharge".into()))?;
    if record.refunded {
        return Err(Refusal::RefundExceedsPaid("this recharge was already refunded".into()).into());
    }
    let links = BTreeMap::from([("recharge_id".to_owned(), id.to_owned())]);
    let value_back = record.paid.amount() + record.gift_value.amount();
    // Each account gives back all of what the recharge put there, or the refund is refused.
    let taken = [
        (AccountKind::Value, value_back),
        (AccountKind::Points, Decimal::from(record.gift_points)),
        (AccountKind::Credit, record.gift_credit.amount()),
    ];
    for (kind, amount) in taken {
        match kind {
            _ if amount <= Decimal::ZERO => {}
            AccountKind::Points => {
                let points = i64::try_from(amount).unwrap_or(i64::MAX);
                take_back::<i64>(&mut work, kind, points, &links, reason)?;
            }
            _ => take_back::<Decimal>(&mut work, kind, amount, &links, reason)?,
        }
    }
    record.refunded = true;
    work.write(value::put_recharge(shop, &record));
    let answer = Refunded {
        recharge_id: id,
        member_id: &record.member_id,
        status: "refunded",
        value_taken_back: work.money(value_back),
        points_taken_back: record.gift_points,
        credit_taken_back: work.money(record.gift_credit.amount()),
        reason,
    };
    work.done(&answer)
}

/// The recharge refund as answered: what it took back from each balance.
#[derive(Serialize)]
struct Refunded<'a> {
    recharge_id: &'a str,
    member_id: &'a str,
    status: &'static str,
    value_taken_back: api::render::Money,
    points_taken_back: i64,
    credit_taken_back: api::render::Money,
    reason: &'a str,
}

/// Takes `amount` back from one account, all of it or a 409 (nothing is written then).
fn take_back<Q: StoredQuantity>(
    work: &mut Work<'_>,
    kind: AccountKind,
    amount: Q,
    links: &BTreeMap<String, String>,
    reason: &str,
) -> Result<(), ApiError> {
    let mut account = work.account::<Q>(kind)?;
    let (_, mut moves) = account.spend(kind, amount, links, work.now)?;
    if let Some(last) = moves.last_mut() {
        last.kind = EntryKind::Refund;
        last.reason = format!("recharge_refund: {reason}");
    }
    work.post(kind, &account, moves);
    Ok(())
}
