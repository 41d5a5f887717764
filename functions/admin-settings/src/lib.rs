//! PUT /admin/settings: the shop's currency, time zone, webhook secrets, the card it
//! guides members to buy (000) and the claim link template (000, 002). Fields not sent keep
//! their values (API 1.1); a new shop must give its currency and time zone.
//! GET /admin/settings (staff): the same document, secrets only as "set" flags; the console
//! reads it for the currency and zone every figure is shown in.

use api::input;
use api::{ApiError, Ctx, Decision, Reply, MANAGERS, STAFF};
use domain::cards::CardKind;
use domain::Settings;
use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use store::{cards, keys, settings, Snapshot};

mod command;
use command::{parse, Command};

pub const OPERATION: &str = "admin-settings";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    if req.method() == Method::GET {
        let principal = api::authorize(ctx, &req, STAFF)?;
        let snapshot = ctx.store.load(&[keys::settings(&principal.shop)]).await?;
        let current = settings::read(&snapshot, &principal.shop)?
            .ok_or_else(|| ApiError::NotFound("the shop has no settings yet".into()))?;
        return Reply::ok(&render(&current));
    }
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let cmd = parse(&input::json_object(&req)?, api::local_stack())?;
    let shop = principal.shop.clone();
    let mut read = vec![keys::settings(&shop)];
    if let Some(Some(card)) = &cmd.guide_card_id {
        read.push(keys::card(&shop, card));
    }
    // PUT is idempotent by nature; the version condition only keeps two admins from
    // silently undoing each other's changes.
    api::execute(ctx, &shop, None, read, |snapshot, _now| {
        decide(&shop, &cmd, snapshot)
    })
    .await
}

fn decide(shop: &domain::ShopId, cmd: &Command, snapshot: &Snapshot) -> Result<Decision, ApiError> {
    let current = settings::read(snapshot, shop)?;
    let (currency, timezone) =
        domain::settings::currency_and_zone(current.as_ref(), cmd.currency, cmd.timezone)?;
    // 000: the guide card is a paid card the shop lists.
    if let Some(Some(id)) = &cmd.guide_card_id {
        let def = cards::read(snapshot, shop, id)?;
        if !def.is_some_and(|d| d.kind == CardKind::Paid && d.listed) {
            return Err(ApiError::Invalid(format!(
                "guide_card_id {id:?} is not a listed paid card"
            )));
        }
    }
    let keep = |new: &Option<String>, old: fn(&Settings) -> Option<String>| {
        new.clone().or_else(|| current.as_ref().and_then(old))
    };
    let next = Settings {
        currency,
        timezone,
        webhook_secret: keep(&cmd.webhook_secret, |c| c.webhook_secret.clone()),
        stripe_webhook_secret: keep(&cmd.stripe_webhook_secret, |c| {
            c.stripe_webhook_secret.clone()
        }),
        guide_card_id: match &cmd.guide_card_id {
            Some(set) => set.clone(),
            None => current.as_ref().and_then(|c| c.guide_card_id.clone()),
        },
        guide_on: cmd
            .guide_on
            .clone()
            .or_else(|| current.as_ref().map(|c| c.guide_on.clone()))
            .unwrap_or_default(),
        claim_url: match &cmd.claim_url {
            Some(set) => set.clone(),
            None => current.as_ref().and_then(|c| c.claim_url.clone()),
        },
        point_value: match cmd.point_value {
            Some(set) => set,
            None => current.as_ref().and_then(|c| c.point_value),
        },
        // Kept by the webhook endpoints' own writes (admin-webhooks).
        webhook_types: current
            .as_ref()
            .map(|c| c.webhook_types.clone())
            .unwrap_or_default(),
        version: current.as_ref().map_or(0, |c| c.version) + 1,
    };
    Decision::ok(
        // Listed for the jobs that visit every shop (the report counters' monthly close).
        vec![settings::put(shop, &next), store::reports::list_shop(shop)],
        &render(&next),
    )
}

/// The settings as both verbs answer them: secrets never, only whether they are set.
#[derive(Serialize)]
struct Shown<'a> {
    currency: &'a str,
    timezone: &'a str,
    webhook_secret_set: bool,
    stripe_webhook_secret_set: bool,
    guide_card_id: Option<&'a str>,
    guide_on: &'a [String],
    claim_url: Option<&'a str>,
    point_value: Option<String>,
}

fn render(s: &Settings) -> Shown<'_> {
    Shown {
        currency: s.currency.code(),
        timezone: s.timezone.name(),
        webhook_secret_set: s.webhook_secret.is_some(),
        stripe_webhook_secret_set: s.stripe_webhook_secret.is_some(),
        guide_card_id: s.guide_card_id.as_deref(),
        guide_on: &s.guide_on,
        claim_url: s.claim_url.as_deref(),
        point_value: s.point_value.map(|v| v.to_string()),
    }
}
