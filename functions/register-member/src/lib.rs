//! POST /members/{member_id}/register: the member joins (online or at the till). Registering
//! records their birthday (for birthday points) and grants the credit program's
//! registration credit, once per member (001). A second registration answers 409
//! `already_registered` and changes nothing.

use domain::chrono::{DateTime, Utc};
use domain::ShopId;
use std::collections::BTreeMap;
use store::Snapshot;

use api::input;
use api::issuing::{MemberState, MemberWrites};
use api::postings::Posting;
use api::{ApiError, Ctx, Decision, Reply};
use domain::chrono::NaiveDate;
use domain::Refusal;
use domain::{AccountKind, MemberId, Money};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
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
    let shop = principal.shop.clone();
    let actor = principal.actor();
    let read = vec![
        keys::settings(&shop),
        keys::program(&shop, Program::Credit),
        keys::profile(&shop, &member),
        keys::account(&shop, &member, AccountKind::Points),
        keys::account(&shop, &member, AccountKind::Credit),
    ];
    let cmd = Command {
        shop,
        member,
        actor,
        raw,
    };
    api::execute(ctx, &cmd.shop, None, read, |snapshot, now| {
        decide(&cmd, snapshot, now)
    })
    .await
}

/// What the decision needs from the request.
struct Command {
    shop: ShopId,
    member: MemberId,
    actor: String,
    raw: Raw,
}

/// 001: registration once, with the registration credit rule's grant.
fn decide(cmd: &Command, snapshot: &Snapshot, now: DateTime<Utc>) -> Result<Decision, ApiError> {
    let Command {
        shop,
        member,
        actor,
        raw,
    } = cmd;
    let settings = api::require_settings(snapshot, shop)?;
    let currency = settings.currency;
    if raw
        .birthday
        .is_some_and(|b| b > settings.timezone.local_date(now))
    {
        return Err(ApiError::Invalid("birthday is in the future".into()));
    }
    let mut state = MemberState::read(snapshot, shop, member)?;
    if let Some(at) = state.profile.registered_at {
        return Err(Refusal::AlreadyRegistered {
            at: settings.timezone.format(at),
        }
        .into());
    }
    state.profile.registered_at = Some(now);
    state.profile.birthday = raw.birthday;
    state.profile.email = raw.email.clone();
    let (program, _) = credit_program::read(snapshot, shop, &currency)?;
    let grant = program.and_then(|p| p.for_registration(now, settings.timezone));
    let mut middle = Vec::new();
    let mut card_no = state.profile.credit_card_no.clone();
    if let Some(g) = grant {
        let links = BTreeMap::from([("member_id".to_owned(), member.to_string())]);
        state.grant_credit(g.amount, g.expires_at, g.source.as_str(), &links, now);
        card_no = Some(state.credit_card_no(shop, member, &mut middle));
        middle.push(outbox::notify(
            shop,
            member,
            outbox::Event::Issued,
            json!({"amount": Money::from_stored(g.amount).to_string_in(&currency),
                                "reasons": ["registration"], "card_no": card_no}),
            now,
        ));
    }
    let credit_issued = Money::from_stored(grant.map(|g| g.amount).unwrap_or_default());
    let balance = Money::from_stored(state.credit.balance_at(now));
    let posting = Posting {
        shop,
        member,
        actor,
        currency: Some(&currency),
        now,
    };
    let mut writes = Vec::new();
    state.flush(&posting, middle, &mut writes);
    Ok(Decision::new(
        writes,
        StatusCode::CREATED,
        json!({
            "member_id": member.as_str(),
            "registered_at": settings.timezone.format(now),
            "birthday": raw.birthday.map(|b| b.to_string()),
            "credit_issued": credit_issued.to_string_in(&currency),
            "credit_balance": balance.to_string_in(&currency),
            "card_no": card_no,
        }),
    ))
}
