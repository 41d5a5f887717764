//! How a card definition is shown: its view, its claim link and that link as a QR code.
//! Apart from the routes, which read and change definitions.

use super::read_card;
use api::{ApiError, Ctx, Reply};
use domain::card_document::view;
use domain::cards::{CardDef, CardKind};
use domain::{Refusal, Settings, ShopId};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde_json::{json, Value};
use store::keys::{self};
use store::settings;

/// A card as reads show it: the definition plus, for the kinds handed out by link or QR
/// code (free and paid, 000), the shop's claim link filled in (null without a template).
pub(crate) fn read_view(def: &CardDef, stock: Option<i64>, settings: Option<&Settings>) -> Value {
    let mut v = view(def, stock, settings.map(|s| &s.currency));
    if def.kind != CardKind::Rule {
        v["claim_url"] = json!(claim_link(def, settings).ok());
    }
    v
}

pub(crate) fn claim_link(def: &CardDef, settings: Option<&Settings>) -> Result<String, Refusal> {
    def.claim_link(settings.and_then(|s| s.claim_url.as_deref()))
}

/// GET /admin/cards/{card_id}/qr: the claim link as a QR code staff show at the till or
/// print (000, 002 发权益卡 by QR code).
pub(crate) async fn qr(ctx: &Ctx, shop: &ShopId, id: &str) -> Result<Reply, ApiError> {
    let snapshot = ctx
        .store
        .load(&[keys::settings(shop), keys::card(shop, id)])
        .await?;
    let def = read_card(&snapshot, shop, id)?;
    let url = claim_link(&def, settings::read(&snapshot, shop)?.as_ref())?;
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| ApiError::Invalid(format!("the claim link does not fit a QR code: {e}")))?;
    // Dark on white with the standard quiet zone: phone cameras read it off a screen or paper.
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(256, 256)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build();
    Ok(Reply::svg(svg))
}
