//! POST /members/{member_id}/exchanges (003 积分兑换礼品): the cashier exchanges a member's
//! points for a gift at the till (never online: customers are refused). Points are spent
//! earliest-expiring first; a gift with stock is taken with a conditional decrement, so
//! concurrent exchanges never give more than there is. The Idempotency-Key is required.

use std::collections::BTreeMap;

use api::input;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::{AccountKind, EntryKind, Refusal};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use store::keys::{self, Program};
use store::{exchange, programs};

pub const OPERATION: &str = "exchange-gift";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    rule_id: String,
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::TILL)?;
    let member = domain::MemberId::parse(&input::path_param(&req, "member_id")?)?;
    let body = input::json_object(&req)?;
    let raw: Raw = input::from_value(&body)?;
    let rule_id = domain::RuleId::parse(&raw.rule_id)?.to_string();
    let once = Once {
        key: input::required_idempotency_key(&req)?,
        fingerprint: input::fingerprint(OPERATION, member.as_str(), &body),
    };
    let who = principal.acting(member);
    let read = who.reads([
        keys::exchange_rules(&who.shop),
        keys::program(&who.shop, Program::Points),
        keys::gift_stock(&who.shop, &rule_id),
    ]);
    let exchange_id = store::ids::entry_ids(ctx.now(), 1).remove(0).to_string();
    let asked = (rule_id.as_str(), exchange_id.as_str());
    api::execute(ctx, &who.shop, Some(&once), read, |snapshot, now| {
        decide(Work::open(&who, snapshot, now)?, asked)
    })
    .await
}

/// 003 积分兑换: the rule's points spent (earliest-expiring first, the last entry telling
/// the gift) and, for a gift with stock, one unit taken by a conditional decrement.
fn decide(mut work: Work<'_>, (rule_id, exchange_id): (&str, &str)) -> Result<Decision, ApiError> {
    let (snapshot, who, now) = (work.snapshot, work.who, work.now);
    let shop = &who.shop;
    let (rules, _) = exchange::read_rules(snapshot, shop)?;
    let rule = rules
        .iter()
        .find(|r| r.rule_id == rule_id)
        .ok_or_else(|| ApiError::Invalid(format!("no exchange rule {rule_id:?}")))?;
    if !programs::enabled(snapshot, shop, Program::Points) {
        return Err(Refusal::ProgramDisabled("the points program is not enabled".into()).into());
    }
    if rule.stock.is_some() && exchange::read_stock(snapshot, shop, rule_id)?.unwrap_or(0) < 1 {
        return Err(Refusal::GiftOutOfStock.into());
    }
    let mut points = work.account::<i64>(AccountKind::Points)?;
    let links = BTreeMap::from([
        ("exchange_id".to_owned(), exchange_id.to_owned()),
        ("rule_id".to_owned(), rule_id.to_owned()),
    ]);
    let (_, mut moves) = points.spend(AccountKind::Points, rule.points, &links, now)?;
    if let Some(last) = moves.last_mut() {
        last.kind = EntryKind::Redemption;
        last.reason = format!("exchange: {}", rule.gift);
    }
    work.post(AccountKind::Points, &points, moves);
    if rule.stock.is_some() {
        work.write(exchange::take_stock(shop, rule_id));
        work.guard(
            keys::gift_stock(shop, rule_id),
            Refusal::GiftOutOfStock.into(),
        );
    }
    let answer = Exchanged {
        exchange_id,
        member_id: &who.member,
        rule_id,
        points_spent: rule.points,
        gift: &rule.gift,
        points_balance: points.balance(),
    };
    work.created(&answer)
}

/// The exchange as answered: the gift, the points it took and the balance after.
#[derive(Serialize)]
struct Exchanged<'a> {
    exchange_id: &'a str,
    member_id: &'a domain::MemberId,
    rule_id: &'a str,
    points_spent: i64,
    gift: &'a str,
    points_balance: i64,
}
