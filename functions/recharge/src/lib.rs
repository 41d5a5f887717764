//! POST /members/{member_id}/recharges (003 会员储值): a stored-value recharge by a rule or
//! (when the shop allows) any amount. At the till (cashier, ops, admin, owner: the money is
//! taken at the counter) it lands at once in one transaction; online (the member, or
//! staff) it opens a pending purchase that the payment webhooks settle with the same
//! effects. The Idempotency-Key is required.

use api::input;
use api::recharge::{self, Landing};
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::chrono::TimeDelta;
use domain::level::Channel;
use domain::stored_value::{Ask, Context, Recharge};
use domain::Money;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use store::purchases::Purchase;
use store::{purchases, value};

pub const OPERATION: &str = "recharge";

/// How long an online recharge waits for its payment.
pub const RESERVATION: TimeDelta = TimeDelta::minutes(15);

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    rule_id: Option<String>,
    #[serde(default)]
    amount: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    store_id: Option<String>,
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::EVERYONE)?;
    let member = domain::MemberId::parse(&input::path_param(&req, "member_id")?)?;
    principal.may_access(&member)?;
    let body = input::json_object(&req)?;
    let raw: Raw = input::from_value(&body)?;
    let channel = match raw.channel.as_deref() {
        None => Channel::Online,
        Some(c) => Channel::parse(c)
            .ok_or_else(|| ApiError::Invalid("channel is till or online".into()))?,
    };
    if channel == Channel::Till {
        principal.require(api::TILL)?;
    }
    if let Some(rule) = &raw.rule_id {
        domain::RuleId::parse(rule)?;
    }
    if let Some(store) = &raw.store_id {
        domain::StoreId::parse(store)?;
    }
    if raw.rule_id.is_some() == raw.amount.is_some() {
        return Err(ApiError::Invalid("give one of rule_id and amount".into()));
    }
    let once = Once {
        key: input::required_idempotency_key(&req)?,
        fingerprint: input::fingerprint(OPERATION, member.as_str(), &body),
    };
    let who = principal.acting(member);
    let mut read = who.reads(recharge::keys_for(
        &who.shop,
        &who.member,
        raw.rule_id.as_deref(),
    ));
    read.push(store::keys::profile(&who.shop, &who.member));
    let asked = Asked {
        recharge_id: store::ids::recharge_id(),
        purchase_id: store::ids::purchase_id(
            &store::ids::recharge_target(raw.rule_id.as_deref()),
            &who.member,
        ),
        channel,
        raw,
    };
    api::execute(ctx, &who.shop, Some(&once), read, |snapshot, now| {
        decide(Work::new(&who, snapshot, now)?, &asked)
    })
    .await
}

/// A recharge as asked, with the ids it lands or opens under (kept across lost races).
struct Asked {
    raw: Raw,
    channel: Channel,
    recharge_id: String,
    purchase_id: String,
}

/// 003: the program decides what the recharge pays and grants (its rule's windows, stores,
/// levels and once-per-member); at the till it lands now, online it waits for the payment.
fn decide(mut work: Work<'_>, asked: &Asked) -> Result<Decision, ApiError> {
    let (who, snapshot, now) = (work.who, work.snapshot, work.now);
    let (shop, member, raw) = (&who.shop, &who.member, &asked.raw);
    let settings = work.settings()?.clone();
    let currency = settings.currency;
    let program = value::read_program(snapshot, shop, &currency)?
        .0
        .ok_or_else(|| {
            domain::Refusal::ProgramDisabled("the shop has no stored-value program".into())
        })?;
    let ask = match (&raw.rule_id, &raw.amount) {
        (Some(rule), _) => Ask::Rule(rule.clone()),
        (None, Some(a)) => Ask::Amount(Money::parse_non_negative(a, &currency)?),
        (None, None) => return Err(ApiError::Invalid("give one of rule_id and amount".into())),
    };
    let level = recharge::level_now(snapshot, shop, member, &settings, now)?;
    let context = Context {
        channel: asked.channel,
        store_id: raw.store_id.as_deref(),
        level_id: level.as_deref(),
        now,
        tz: settings.timezone,
    };
    let decided = program.decide(&ask, &context, |rule| {
        recharge::used(snapshot, shop, member, rule)
    })?;
    if asked.channel == Channel::Till {
        let at = Landing {
            recharge_id: &asked.recharge_id,
            channel: asked.channel.as_str(),
        };
        let body = recharge::land(&mut work, &at, &decided)?;
        return work.created(&body);
    }
    pending(work, asked, &decided, currency)
}

/// Online: the recharge waits for its payment as a pending purchase (003).
fn pending(
    mut work: Work<'_>,
    asked: &Asked,
    decided: &Recharge,
    currency: domain::Currency,
) -> Result<Decision, ApiError> {
    let (who, now) = (work.who, work.now);
    let purchase = Purchase::pending(
        asked.purchase_id.clone(),
        store::ids::recharge_target(decided.rule_id.as_deref()),
        who.member.to_string(),
        decided.paid,
        &currency,
        now,
        now + RESERVATION,
    );
    work.write(purchases::put(&who.shop, &purchase));
    work.created(&Pending {
        purchase: api::render::Pending::of(&purchase, &currency),
        rule_id: decided.rule_id.as_deref(),
    })
}

/// An online recharge as answered: the purchase its payment settles, and the rule.
#[derive(serde::Serialize)]
struct Pending<'a> {
    #[serde(flatten)]
    purchase: api::render::Pending<'a>,
    rule_id: Option<&'a str>,
}
