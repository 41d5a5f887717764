//! POST /members/{member_id}/register: the member joins (online or at the till). Registering
//! records their birthday (for birthday points) and grants the credit program's
//! registration credit, once per member (001). A second registration answers 409
//! `already_registered` and changes nothing.

use domain::chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use store::Snapshot;

use api::input;
use api::issuing::{MemberState, MemberWrites};
use api::work::Work;
use api::{ApiError, Ctx, Decision, Reply};
use domain::chrono::NaiveDate;
use domain::level::Channel;
use domain::Refusal;
use domain::{Decimal, MemberId};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::keys::{self, Program};
use store::{credit_program, outbox};

pub const OPERATION: &str = "register-member";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize, Default)]
struct Raw {
    #[serde(default, deserialize_with = "domain::time::serde_date::option")]
    birthday: Option<NaiveDate>,
    /// Where the member's notifications go.
    #[serde(default)]
    email: Option<String>,
    /// Where they registered (003: each channel may have a default level); online if
    /// not said.
    #[serde(default)]
    channel: Option<String>,
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::EVERYONE)?;
    let member = MemberId::parse(&input::path_param(&req, "member_id")?)?;
    principal.may_access(&member)?;
    let raw: Raw = match req.body() {
        Body::Empty => Raw::default(),
        _ => input::from_value(&input::json_object(&req)?)?,
    };
    if raw.email.as_ref().is_some_and(|e| {
        e.len() > 254 || e.chars().any(char::is_whitespace) || e.split('@').count() != 2
    }) {
        return Err(ApiError::Invalid("email is not an address".into()));
    }
    let channel = match raw.channel.as_deref() {
        None => Channel::Online,
        Some(c) => Channel::parse(c)
            .ok_or_else(|| ApiError::Invalid("channel is till or online".into()))?,
    };
    let who = principal.acting(member);
    let read = who.reads([
        keys::program(&who.shop, Program::Credit),
        keys::profile(&who.shop, &who.member),
        keys::levels(&who.shop),
    ]);
    api::execute(ctx, &who.shop, None, read, |snapshot, now| {
        decide(&who, &raw, channel, snapshot, now)
    })
    .await
}

/// 001: registration once, with the registration credit rule's grant.
fn decide(
    who: &api::Acting,
    raw: &Raw,
    channel: Channel,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> Result<Decision, ApiError> {
    let mut work = Work::new(who, snapshot, now)?;
    let tz = work.tz();
    if raw.birthday.is_some_and(|b| b > tz.local_date(now)) {
        return Err(ApiError::Invalid("birthday is in the future".into()));
    }
    let mut state = work.member()?;
    let registered_at = state
        .profile
        .register(now)
        .map_err(|at| Refusal::AlreadyRegistered { at: tz.format(at) })?;
    // 003: the member starts at the channel's default level, if the ladder names one.
    let (ladder, _) = store::levels::read(snapshot, &who.shop, work.currency()?)?;
    let mut level_changes = state.settle_level(ladder.as_ref(), tz, now);
    if let Some(ladder) = &ladder {
        level_changes.extend(state.profile.standing.register(ladder, channel, tz, now));
    }
    // A member staff put in the directory first keeps the address and birthday given there
    // when registration names none (003: created at the till, registered online later).
    if raw.birthday.is_some() {
        state.profile.birthday = raw.birthday;
    }
    if raw.email.is_some() {
        state.profile.email = raw.email.clone();
    }
    let mut middle = Vec::new();
    let credit_issued = registration_credit(&work, &mut state, &mut middle)?;
    let level_id = state.profile.standing.level_id().map(str::to_owned);
    let registered = Registered {
        member_id: &who.member,
        registered_at: tz.format(registered_at),
        channel: channel.as_str(),
        level_id,
    };
    let body = Answer {
        birthday: raw.birthday.map(|b| b.to_string()),
        credit_issued: work.money(credit_issued),
        credit_balance: work.money(state.credit.balance_at(now)),
        card_no: state.profile.credit_card_no.to_owned(),
        level_changes: api::render::level_changes(&level_changes, tz),
        registered: &registered,
    };
    let told = api::render::body(&registered)?;
    let changed = api::webhooks::level_changes(&who.member, &level_changes, tz);
    work.flush(state, middle)?;
    Ok(work
        .created(&body)?
        .tell([("member.registered", told)])
        .tell(changed))
}

/// The `member.registered` message, and the start of the answer.
#[derive(Serialize)]
struct Registered<'a> {
    member_id: &'a MemberId,
    registered_at: String,
    channel: &'static str,
    level_id: Option<String>,
}

/// The registration as answered: who registered, and what the programs gave them.
#[derive(Serialize)]
struct Answer<'a> {
    #[serde(flatten)]
    registered: &'a Registered<'a>,
    birthday: Option<String>,
    credit_issued: api::render::Money,
    credit_balance: api::render::Money,
    card_no: Option<String>,
    level_changes: Vec<api::render::LevelChange>,
}

/// 001: the credit program's registration grant, with the card number it comes on and the
/// member told. Returns the credit issued.
fn registration_credit(
    work: &Work<'_>,
    state: &mut MemberState,
    middle: &mut Vec<store::Write>,
) -> Result<Decimal, ApiError> {
    let (shop, member, now) = (&work.who.shop, &work.who.member, work.now);
    let (program, _) = credit_program::read(work.snapshot, shop, work.currency()?)?;
    let Some(g) = program.and_then(|p| p.for_registration(now, work.tz())) else {
        return Ok(Decimal::ZERO);
    };
    let links = BTreeMap::from([("member_id".to_owned(), member.to_string())]);
    state.grant_credit(g.amount, g.expires_at, g.source.as_str(), &links, now);
    let card_no = state.credit_card_no(shop, member, middle);
    let told = json!({"amount": work.money(g.amount), "reasons": ["registration"],
                      "card_no": card_no});
    middle.extend(work.notice(outbox::Event::Issued, told));
    Ok(g.amount)
}
