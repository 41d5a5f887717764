//! PUT /admin/settings: the shop's currency, time zone and webhook secret.

use api::input;
use api::{ApiError, Ctx, Decision, Reply, MANAGERS};
use domain::settings::MIN_WEBHOOK_SECRET_CHARS;
use domain::Refusal;
use domain::{Currency, Settings, ShopTz};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use store::{keys, settings};

pub const OPERATION: &str = "admin-settings";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize)]
struct RawSettings {
    currency: String,
    timezone: String,
    #[serde(default)]
    webhook_secret: Option<String>,
    #[serde(default)]
    stripe_webhook_secret: Option<String>,
}

struct Command {
    currency: Currency,
    timezone: ShopTz,
    webhook_secret: Option<String>,
    stripe_webhook_secret: Option<String>,
}

fn parse(raw: RawSettings) -> Result<Command, ApiError> {
    let currency = Currency::parse(&raw.currency).map_err(|e| ApiError::Invalid(e.to_string()))?;
    let timezone = ShopTz::parse(&raw.timezone).map_err(|e| ApiError::Invalid(e.to_string()))?;
    if let Some(secret) = &raw.webhook_secret {
        if secret.chars().count() < MIN_WEBHOOK_SECRET_CHARS || secret.len() > 256 {
            return Err(ApiError::Invalid(format!(
                "webhook_secret must be {MIN_WEBHOOK_SECRET_CHARS}-256 characters"
            )));
        }
    }
    if let Some(secret) = &raw.stripe_webhook_secret {
        // Stripe's endpoint secrets are "whsec_" and base64-ish characters.
        let ok = secret.starts_with("whsec_")
            && (MIN_WEBHOOK_SECRET_CHARS..=256).contains(&secret.len())
            && secret.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(ApiError::Invalid(format!(
                "stripe_webhook_secret is Stripe's endpoint secret: whsec_..., \
                 {MIN_WEBHOOK_SECRET_CHARS}-256 characters"
            )));
        }
    }
    Ok(Command {
        currency,
        timezone,
        webhook_secret: raw.webhook_secret,
        stripe_webhook_secret: raw.stripe_webhook_secret,
    })
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let cmd = parse(input::from_value(&input::json_object(&req)?)?)?;
    let shop = principal.shop.clone();
    // PUT is idempotent by nature; the version condition only keeps two admins from
    // silently undoing each other's secret.
    api::execute(
        ctx,
        &shop,
        None,
        vec![keys::settings(&shop)],
        |snapshot, _now| {
            let current = settings::read(snapshot, &shop)?;
            if let Some(current) = &current {
                // Balances are stored in the shop's currency; switching it would silently
                // re-denominate every credit balance.
                if current.currency != cmd.currency {
                    return Err(Refusal::CurrencyLocked {
                        current: current.currency.to_string(),
                    }
                    .into());
                }
            }
            let next = Settings {
                currency: cmd.currency,
                timezone: cmd.timezone,
                webhook_secret: cmd
                    .webhook_secret
                    .clone()
                    .or_else(|| current.as_ref().and_then(|c| c.webhook_secret.clone())),
                stripe_webhook_secret: cmd.stripe_webhook_secret.clone().or_else(|| {
                    current
                        .as_ref()
                        .and_then(|c| c.stripe_webhook_secret.clone())
                }),
                version: current.as_ref().map_or(0, |c| c.version) + 1,
            };
            Ok(Decision::ok(
                vec![settings::put(&shop, &next)],
                json!({
                    "currency": next.currency.code(),
                    "timezone": next.timezone.name(),
                    "webhook_secret_set": next.webhook_secret.is_some(),
                    "stripe_webhook_secret_set": next.stripe_webhook_secret.is_some(),
                }),
            ))
        },
    )
    .await
}
