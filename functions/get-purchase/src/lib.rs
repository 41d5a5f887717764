//! GET /purchases/{purchase_id}: where a purchase of a paid card or of a level (003 paid
//! upgrade) stands (the buyer, or staff).

use api::input;
use api::{ApiError, Ctx, Reply};
use domain::chrono::SecondsFormat;
use domain::Currency;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use store::purchases::PurchaseStatus;
use store::{keys, purchases};

pub const OPERATION: &str = "get-purchase";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::EVERYONE)?;
    let id = input::path_param(&req, "purchase_id")?;
    let not_found = || ApiError::NotFound("no such purchase".into());
    let (_, member) = api::payments::parse_purchase_id(&id).ok_or_else(not_found)?;
    principal.may_access(&member)?;
    let shop = &principal.shop;
    let snapshot = ctx.store.load(&[keys::purchase(shop, &id)]).await?;
    let p = purchases::read(&snapshot, shop, &id)?.ok_or_else(not_found)?;
    let now = ctx.now();
    // A reservation past its time reads as expired; its stock is released by the payment
    // webhook's failure, or when a late payment finds none left.
    let status = match p.status {
        PurchaseStatus::Pending if now > p.expires_at => "expired",
        other => other.as_str(),
    };
    let amount = api::render::Money::new(
        p.amount.amount(),
        Currency::parse(&p.currency).ok().as_ref(),
    );
    let t = |at: domain::chrono::DateTime<domain::chrono::Utc>| {
        at.to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    let level_id = store::ids::target_level(&p.card_id);
    Reply::ok(&Shown {
        purchase_id: &p.purchase_id,
        card_id: if level_id.is_some() {
            None
        } else {
            Some(&p.card_id)
        },
        level_id,
        member_id: &p.member_id,
        amount,
        currency: &p.currency,
        status,
        created_at: t(p.created_at),
        expires_at: t(p.expires_at),
        paid_at: p.paid_at.map(t),
        card_no: p.card_no.as_deref(),
    })
}

/// A purchase as its buyer and staff see it: what it buys (a card or a level) and where
/// its payment stands.
#[derive(Serialize)]
struct Shown<'a> {
    purchase_id: &'a str,
    card_id: Option<&'a str>,
    level_id: Option<&'a str>,
    member_id: &'a str,
    amount: api::render::Money,
    currency: &'a str,
    status: &'a str,
    created_at: String,
    expires_at: String,
    paid_at: Option<String>,
    card_no: Option<&'a str>,
}
