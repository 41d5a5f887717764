//! POST /cards/{card_id}/claim: a member claims a free card (for themselves, or staff on a
//! member's behalf), with the gift pack on their first-ever claim of it.

use api::input::{self, fingerprint};
use api::issuing::{self, Issuance};
use api::{ApiError, Ctx, Decision, Once, Principal, Reply, Role};
use domain::{AccountKind, MemberId};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use store::{cards, keys, settings};

pub const OPERATION: &str = "claim-card";

pub use api::STAFF;

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize, Default)]
struct RawClaim {
    #[serde(default)]
    member_id: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

/// The member a card operation is for: a customer acts for themselves; staff name the
/// member in the body.
pub fn member_for(principal: &Principal, named: Option<&str>) -> Result<MemberId, ApiError> {
    if principal.role == Role::Customer {
        let me = MemberId::parse(principal.sub.as_str())?;
        if named.is_some_and(|m| m != me.as_str()) {
            return Err(ApiError::Forbidden(
                "a customer may only act on their own member id".into(),
            ));
        }
        return Ok(me);
    }
    principal.require(STAFF)?;
    let named = named.ok_or_else(|| ApiError::Invalid("member_id is required".into()))?;
    Ok(MemberId::parse(named)?)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = ctx.auth.authenticate(&req)?;
    api::record_shop(&principal);
    let card_id = input::path_param(&req, "card_id")?;
    MemberId::parse(&card_id).map_err(|_| ApiError::NotFound(format!("no card {card_id:?}")))?;
    let body = match req.body() {
        Body::Empty => serde_json::json!({}),
        _ => input::json_object(&req)?,
    };
    let raw: RawClaim = input::from_value(&body)?;
    let member = member_for(&principal, raw.member_id.as_deref())?;
    let phone = raw.phone.filter(|p| !p.trim().is_empty());
    if phone.as_ref().is_some_and(|p| p.len() > 32) {
        return Err(ApiError::Invalid("phone is at most 32 characters".into()));
    }
    let once = input::idempotency_key(&req)?.map(|key| Once {
        fingerprint: fingerprint(OPERATION, &format!("{card_id}/{member}"), &body),
        key,
    });
    let shop = principal.shop.clone();
    let actor = principal.actor();
    let read = vec![
        keys::settings(&shop),
        keys::card(&shop, &card_id),
        keys::profile(&shop, &member),
        keys::account(&shop, &member, AccountKind::Points),
        keys::account(&shop, &member, AccountKind::Credit),
    ];
    api::execute(ctx, &shop, once.as_ref(), read, |snapshot, now| {
        let def = cards::read(snapshot, &shop, &card_id)?
            .ok_or_else(|| ApiError::NotFound(format!("no card {card_id:?}")))?;
        def.check_claim(phone.as_deref())
            .map_err(issuing::refusal)?;
        let profile = store::profile::read(snapshot, &shop, &member)?;
        issuing::check_not_held(&profile, &card_id, now)?;
        let settings = settings::read(snapshot, &shop)?;
        let mut writes = Vec::new();
        let card = issuing::issue_card(
            snapshot,
            &def,
            &Issuance {
                shop: &shop,
                member: &member,
                actor: &actor,
                settings: settings.as_ref(),
                now,
                paid: None,
                purchase_id: None,
                require_enabled: true,
            },
            &mut writes,
        )?;
        // The holder count's condition (index 1) fails only if the card was disabled or
        // deleted since the read.
        Ok(Decision::new(
            writes,
            StatusCode::CREATED,
            issuing::card_view(&card, &member, now),
        )
        .guard(1, issuing::refusal(domain::cards::ClaimRefusal::Disabled)))
    })
    .await
}
