//! POST /cards/{card_id}/claim: a member claims a free card (for themselves, or staff on a
//! member's behalf), with the gift pack on their first-ever claim of it.

use api::input::{self, fingerprint};
use api::issuing::Terms;
use api::render::HeldCard;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::AccountKind;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use store::{cards, keys};

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

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::EVERYONE)?;
    let card_id = input::card_id(&req)?.to_string();
    let body = match req.body() {
        Body::Empty => serde_json::json!({}),
        _ => input::json_object(&req)?,
    };
    let raw: RawClaim = input::from_value(&body)?;
    let member = principal.member_for(raw.member_id.as_deref())?;
    let phone = raw.phone.filter(|p| !p.trim().is_empty());
    if phone.as_ref().is_some_and(|p| p.len() > 32) {
        return Err(ApiError::Invalid("phone is at most 32 characters".into()));
    }
    let once = input::idempotency_key(&req)?.map(|key| Once {
        fingerprint: fingerprint(OPERATION, &format!("{card_id}/{member}"), &body),
        key,
    });
    let who = principal.acting(member);
    let (shop, member) = (&who.shop, &who.member);
    let read = vec![
        keys::settings(shop),
        keys::card(shop, &card_id),
        keys::profile(shop, member),
        keys::account(shop, member, AccountKind::Points),
        keys::account(shop, member, AccountKind::Credit),
    ];
    api::execute(ctx, &who.shop, once.as_ref(), read, |snapshot, now| {
        // A free card without money in its gift pack is claimed before the shop is set up.
        decide(Work::open(&who, snapshot, now)?, &card_id, phone.as_deref())
    })
    .await
}

/// 000: a free card claimed once (a phone when the card asks for one), with its gift pack,
/// while the card is enabled at commit.
fn decide(mut work: Work<'_>, card_id: &str, phone: Option<&str>) -> Result<Decision, ApiError> {
    let (who, now) = (work.who, work.now);
    let (shop, member) = (&who.shop, &who.member);
    let def = cards::read(work.snapshot, shop, card_id)?
        .ok_or_else(|| ApiError::NotFound(format!("no card {card_id:?}")))?;
    def.check_claim(phone).map_err(ApiError::from)?;
    let profile = store::profile::read(work.snapshot, shop, member)?;
    profile.check_not_holding(card_id, now)?;
    let terms = Terms {
        require_enabled: true,
        ..Terms::default()
    };
    let (card, granted) = work.issue_card(&def, terms)?;
    let card = HeldCard::new(&card, member, now);
    work.tell([("card.claimed", api::render::body(&card)?)]);
    work.tell(granted.told);
    // API 1.3: a gift pack's coupon disabled or sold out by now is not issued; the rest is.
    let shown = Claimed {
        card,
        coupons_not_issued: granted.not_issued,
    };
    // The holder count's condition on the card fails only if the card was disabled or
    // deleted since the read.
    let refused = domain::Refusal::CardDisabled.into();
    work.guard(keys::card(shop, card_id), refused);
    work.created(&shown)
}

/// The card claimed, as answered.
#[derive(Serialize)]
struct Claimed {
    #[serde(flatten)]
    card: HeldCard,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    coupons_not_issued: Vec<serde_json::Value>,
}
