//! What a shop page shows its members (API 1.2 "Storefront"): `GET /cards`, the cards a
//! member may claim or buy (000: enabled and listed, free and paid; rule cards are granted by
//! their rule, never offered), with whether any are left; `GET /levels`, the ladder's levels
//! to show progress against (003). Customers and staff read them; nothing a shop keeps to
//! itself (stock counts, holders, records, downgrade rules) leaves here.

use api::{ApiError, Ctx, Reply, EVERYONE};
use domain::card_document::public_view;
use domain::cards::CardKind;
use domain::{level_document, ShopId};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::{json, Value};
use store::{cards, keys, levels};

pub const OPERATION: &str = "storefront";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, EVERYONE)?;
    let shop = principal.shop.clone();
    match req.uri().path().trim_end_matches('/') {
        p if p.ends_with("/levels") => levels_view(ctx, &shop).await,
        p if p.ends_with("/cards") => cards_view(ctx, &shop).await,
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}

/// One query of the definitions, then one batch of the settings and every offered paid
/// card's stock shards.
async fn cards_view(ctx: &Ctx, shop: &ShopId) -> Result<Reply, ApiError> {
    let defs = ctx.store.list_cards(shop).await?;
    let offered: Vec<_> = defs
        .iter()
        .filter(|d| d.enabled && d.listed && d.kind != CardKind::Rule)
        .collect();
    let mut read = vec![keys::settings(shop)];
    read.extend(offered.iter().flat_map(|d| cards::stock_keys(shop, d)));
    let snapshot = ctx.store.load(&read).await?;
    let settings = api::require_settings(&snapshot, shop)?;
    let items: Vec<Value> = offered
        .iter()
        .map(|d| {
            let sold_out =
                d.kind == CardKind::Paid && cards::selling_stock(&snapshot, shop, d) <= 0;
            public_view(d, sold_out, &settings.currency)
        })
        .collect();
    // 000 引导购买: the card the shop guides members to buy, where it shows on product pages.
    let guide = settings
        .guide_card_id
        .as_ref()
        .filter(|_| settings.guide_on.iter().any(|p| p == "product"))
        .filter(|id| offered.iter().any(|d| &d.card_id == *id));
    Reply::ok(&Offered {
        items,
        guide_card_id: guide.map(String::as_str),
        currency: settings.currency.code(),
    })
}

/// The cards on sale, the one the shop guides members to, and the shop's currency (a page
/// shows the member's balances in it even when no card is for sale).
#[derive(Serialize)]
struct Offered<'a> {
    items: Vec<Value>,
    guide_card_id: Option<&'a str>,
    currency: &'a str,
}

async fn levels_view(ctx: &Ctx, shop: &ShopId) -> Result<Reply, ApiError> {
    let snapshot = ctx
        .store
        .load(&[keys::settings(shop), keys::levels(shop)])
        .await?;
    let settings = api::require_settings(&snapshot, shop)?;
    let (ladder, _) = levels::read(&snapshot, shop, &settings.currency)?;
    Reply::ok(&match ladder {
        Some(ladder) => level_document::public_view(&ladder, &settings.currency),
        None => json!({"levels": []}),
    })
}
