//! The shop settings item.

use domain::{Currency, Settings, ShopId, ShopTz};

use crate::item;
use crate::keys;
use crate::{Cond, Snapshot, StoreError, Write};

pub fn read(snapshot: &Snapshot, shop: &ShopId) -> Result<Option<Settings>, StoreError> {
    let Some(found) = snapshot.get(&keys::settings(shop)) else {
        return Ok(None);
    };
    let currency = Currency::parse(item::get_s(found, "currency")?)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let timezone = ShopTz::parse(item::get_s(found, "timezone")?)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Some(Settings {
        currency,
        timezone,
        webhook_secret: item::opt_s(found, "webhook_secret").map(str::to_owned),
        stripe_webhook_secret: item::opt_s(found, "stripe_webhook_secret").map(str::to_owned),
        guide_card_id: item::opt_s(found, "guide_card_id").map(str::to_owned),
        guide_on: match found.get("guide_on") {
            Some(aws_sdk_dynamodb::types::AttributeValue::Ss(places)) => places.clone(),
            _ => Vec::new(),
        },
        claim_url: item::opt_s(found, "claim_url").map(str::to_owned),
        point_value: item::opt_s(found, "point_value")
            .map(|v| {
                v.parse::<domain::Decimal>()
                    .map_err(|e| StoreError::Corrupt(format!("point_value: {e}")))
            })
            .transpose()?,
        webhook_types: match found.get("webhook_types") {
            Some(aws_sdk_dynamodb::types::AttributeValue::Ss(types)) => types.clone(),
            _ => Vec::new(),
        },
        version: item::get_u64_or_zero(found, "version")?,
    }))
}

/// `settings.version` is the new version; the write is conditioned on the one before it.
pub fn put(shop: &ShopId, settings: &Settings) -> Write {
    let mut it = item::with_key(&keys::settings(shop), "settings");
    it.insert("currency".into(), item::s(settings.currency.code()));
    it.insert("timezone".into(), item::s(settings.timezone.name()));
    if let Some(secret) = &settings.webhook_secret {
        it.insert("webhook_secret".into(), item::s(secret));
    }
    if let Some(secret) = &settings.stripe_webhook_secret {
        it.insert("stripe_webhook_secret".into(), item::s(secret));
    }
    if let Some(card) = &settings.guide_card_id {
        it.insert("guide_card_id".into(), item::s(card));
    }
    if !settings.guide_on.is_empty() {
        it.insert(
            "guide_on".into(),
            aws_sdk_dynamodb::types::AttributeValue::Ss(settings.guide_on.clone()),
        );
    }
    if let Some(url) = &settings.claim_url {
        it.insert("claim_url".into(), item::s(url));
    }
    if !settings.webhook_types.is_empty() {
        it.insert(
            "webhook_types".into(),
            aws_sdk_dynamodb::types::AttributeValue::Ss(settings.webhook_types.clone()),
        );
    }
    if let Some(v) = settings.point_value {
        it.insert("point_value".into(), item::s(v.to_string()));
    }
    it.insert("version".into(), item::n(settings.version));
    Write::Put {
        item: it,
        cond: Cond::Version(settings.version.saturating_sub(1)),
    }
}
