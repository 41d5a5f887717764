//! What an owner sends to change the settings, parsed and checked (secrets, the point value)
//! into a command. Apart from the decision, which applies a command to the stored settings.

use api::input;
use api::ApiError;
use domain::settings::{check_claim_url, GUIDE_PLACES, MIN_WEBHOOK_SECRET_CHARS};
use domain::{CardId, Currency, ShopTz};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub(crate) struct RawSettings {
    #[serde(default)]
    pub(crate) currency: Option<String>,
    #[serde(default)]
    pub(crate) timezone: Option<String>,
    #[serde(default)]
    pub(crate) webhook_secret: Option<String>,
    #[serde(default)]
    pub(crate) stripe_webhook_secret: Option<String>,
    #[serde(default)]
    pub(crate) guide_on: Option<Vec<String>>,
}

pub(crate) struct Command {
    pub(crate) currency: Option<Currency>,
    pub(crate) timezone: Option<ShopTz>,
    pub(crate) webhook_secret: Option<String>,
    pub(crate) stripe_webhook_secret: Option<String>,
    /// Absent: keep; `Some(None)`: no guide card; `Some(Some(id))`: this one.
    pub(crate) guide_card_id: Option<Option<String>>,
    pub(crate) guide_on: Option<Vec<String>>,
    /// Absent: keep; `Some(None)`: no claim links; `Some(Some(url))`: this template.
    pub(crate) claim_url: Option<Option<String>>,
    /// Absent: keep; `Some(None)`: not valued.
    pub(crate) point_value: Option<Option<domain::Decimal>>,
}

/// The payment webhooks' secrets: ours `MIN_WEBHOOK_SECRET_CHARS`-256 characters, Stripe's its endpoint
/// secret's shape.
pub(crate) fn check_secrets(raw: &RawSettings) -> Result<(), ApiError> {
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
    Ok(())
}

/// API 1.2 "Reports": what a point is worth, a decimal string of money (at most 6
/// decimals, like "0.01"), to value the points liability; null: not valued. `None`: not
/// sent, kept.
pub(crate) fn point_value(body: &Value) -> Result<Option<Option<domain::Decimal>>, ApiError> {
    Ok(match body.get("point_value") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(v)) => match v.parse::<domain::Decimal>() {
            Ok(d) if d >= domain::Decimal::ZERO && d.scale() <= 6 && v.len() <= 20 => {
                Some(Some(d.normalize()))
            }
            _ => {
                return Err(ApiError::Invalid(
                    "point_value is money per point as a decimal string, like \"0.01\"".into(),
                ))
            }
        },
        Some(_) => {
            return Err(ApiError::Invalid(
                "point_value is a decimal string or null".into(),
            ))
        }
    })
}

pub(crate) fn parse(body: &Value, local: bool) -> Result<Command, ApiError> {
    let raw: RawSettings = input::from_value(body)?;
    check_secrets(&raw)?;
    let currency = raw
        .currency
        .map(|c| Currency::parse(&c).map_err(|e| ApiError::Invalid(e.to_string())))
        .transpose()?;
    let timezone = raw
        .timezone
        .map(|t| ShopTz::parse(&t).map_err(|e| ApiError::Invalid(e.to_string())))
        .transpose()?;
    let guide_card_id = match body.get("guide_card_id") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(id)) => Some(Some(CardId::parse(id)?.to_string())),
        Some(_) => {
            return Err(ApiError::Invalid(
                "guide_card_id is a card id or null".into(),
            ))
        }
    };
    let claim_url = match body.get("claim_url") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(url)) => {
            check_claim_url(url, local).map_err(ApiError::Invalid)?;
            Some(Some(url.clone()))
        }
        Some(_) => return Err(ApiError::Invalid("claim_url is a URL or null".into())),
    };
    let point_value = point_value(body)?;
    if let Some(places) = &raw.guide_on {
        if places.iter().any(|p| !GUIDE_PLACES.contains(&p.as_str())) {
            return Err(ApiError::Invalid(
                "guide_on lists places among \"product\" and \"checkout\"".into(),
            ));
        }
    }
    Ok(Command {
        currency,
        timezone,
        webhook_secret: raw.webhook_secret,
        stripe_webhook_secret: raw.stripe_webhook_secret,
        guide_card_id,
        guide_on: raw.guide_on.map(|mut p| {
            p.sort();
            p.dedup();
            p
        }),
        claim_url,
        point_value,
    })
}
