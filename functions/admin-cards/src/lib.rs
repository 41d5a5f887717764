//! /admin/cards: card definitions (create, list, get, patch, delete), their claim and
//! return records, and the claim link's QR code. 002: every staff role reads them; only the owner and admins change them.

use api::input;
use api::{ApiError, Ctx, Decision, Reply};
use domain::card_document::{self, view, CardPatch};
use domain::cards::{CardDef, CardKind};
use domain::ShopId;
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use store::keys::{self, RecordKind};
use store::{cards, settings, Snapshot};

mod view;
use view::{qr, read_view};

mod records;

pub const OPERATION: &str = "admin-cards";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let (principal, _reading) = api::authorize_setup(ctx, &req)?;
    let shop = principal.shop.clone();
    // An id this API could not have made is no card: 404.
    let card_id = match input::path_param(&req, "card_id") {
        Ok(_) => Some(input::card_id(&req)?.to_string()),
        Err(_) => None,
    };
    let path = req.uri().path().trim_end_matches('/').to_owned();
    match (req.method().clone(), card_id) {
        (Method::POST, None) => {
            let body = input::json_object(&req)?;
            // No natural key in a new definition: a client that may retry sends one.
            let once = input::idempotency_key(&req)?.map(|key| api::Once {
                fingerprint: input::fingerprint(OPERATION, "create", &body),
                key,
            });
            create(ctx, &shop, once.as_ref(), &body).await
        }
        (Method::GET, None) => list(ctx, &shop).await,
        (Method::GET, Some(id)) if path.ends_with("/claims") => {
            records::records(ctx, &req, &shop, &id, RecordKind::Claims).await
        }
        (Method::GET, Some(id)) if path.ends_with("/returns") => {
            records::records(ctx, &req, &shop, &id, RecordKind::Returns).await
        }
        (Method::GET, Some(id)) if path.ends_with("/qr") => qr(ctx, &shop, &id).await,
        (Method::GET, Some(id)) => get(ctx, &shop, &id).await,
        (Method::PATCH, Some(id)) => patch(ctx, &shop, &id, &input::json_object(&req)?).await,
        (Method::DELETE, Some(id)) => delete(ctx, &shop, &id).await,
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}

async fn create(
    ctx: &Ctx,
    shop: &ShopId,
    once: Option<&api::Once>,
    body: &Value,
) -> Result<Reply, ApiError> {
    let mut decided: Option<(CardDef, Option<u64>)> = None;
    api::execute(
        ctx,
        shop,
        once,
        vec![keys::settings(shop)],
        |snapshot, _now| {
            let settings = settings::read(snapshot, shop)?;
            let (def, stock) = match decided.take() {
                // A retry after a lost race keeps the id it drew; a fresh id each time could
                // create two cards for one request.
                Some((def, stock)) => (def, stock),
                None => card_document::parse_new(
                    body,
                    store::ids::card_id(),
                    settings.as_ref().map(|s| &s.currency),
                )?,
            };
            api::coupons::check_named(snapshot, shop, &def.gift_pack.coupons)?;
            let mut writes = vec![
                cards::count_in(shop),
                cards::create(shop, &def),
                cards::summary_write(shop, &def),
            ];
            if let Some(stock) = stock {
                writes.extend(cards::set_stock(None, shop, &def, stock));
            }
            let body = view(
                &def,
                stock.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
                settings.as_ref().map(|s| &s.currency),
            );
            decided = Some((def, stock));
            Ok(Decision::new(writes, StatusCode::CREATED, &body)?.guard(
                keys::card_counter(shop),
                domain::Refusal::CardLimitReached {
                    max: domain::cards::MAX_CARDS_PER_SHOP,
                }
                .into(),
            ))
        },
    )
    .await
}

/// One query of the definitions, then one batch of the settings and each paid card's stock
/// shards (its current count of them: what is on sale).
async fn list(ctx: &Ctx, shop: &ShopId) -> Result<Reply, ApiError> {
    let defs = ctx.store.list_cards(shop).await?;
    let mut read = vec![keys::settings(shop)];
    read.extend(defs.iter().flat_map(|d| cards::stock_keys(shop, d)));
    let snapshot = ctx.store.load(&read).await?;
    let settings = settings::read(&snapshot, shop)?;
    let items: Vec<Value> = defs
        .iter()
        .map(|d| {
            let stock =
                (d.kind == CardKind::Paid).then(|| cards::selling_stock(&snapshot, shop, d));
            read_view(d, stock, settings.as_ref())
        })
        .collect();
    Reply::ok(&api::render::Page { items, next: None })
}

fn read_card(snapshot: &Snapshot, shop: &ShopId, id: &str) -> Result<CardDef, ApiError> {
    cards::read(snapshot, shop, id)?.ok_or_else(|| ApiError::NotFound(format!("no card {id:?}")))
}

/// A definition with what its view needs: the shop's currency and the card's stock.
/// Every shard the card may have: its count is on the definition this same batch reads.
fn card_keys(shop: &ShopId, id: &str) -> Vec<store::Key> {
    let mut read = vec![keys::settings(shop), keys::card(shop, id)];
    read.extend(cards::all_shard_keys(shop, id));
    read
}

async fn get(ctx: &Ctx, shop: &ShopId, id: &str) -> Result<Reply, ApiError> {
    let snapshot = ctx.store.load(&card_keys(shop, id)).await?;
    let def = read_card(&snapshot, shop, id)?;
    let settings = settings::read(&snapshot, shop)?;
    let stock = cards::read_stock(&snapshot, shop, id)?;
    Reply::ok(&read_view(&def, stock, settings.as_ref()))
}

async fn patch(ctx: &Ctx, shop: &ShopId, id: &str, body: &Value) -> Result<Reply, ApiError> {
    let patch = CardPatch::parse(body)?;
    api::execute(ctx, shop, None, card_keys(shop, id), |snapshot, _now| {
        let settings = settings::read(snapshot, shop)?;
        let currency = settings.as_ref().map(|s| &s.currency);
        let current = read_card(snapshot, shop, id)?;
        let (def, new_stock) = patch.apply(&current, currency)?;
        api::coupons::check_named(snapshot, shop, &def.gift_pack.coupons)?;
        let mut stock = cards::read_stock(snapshot, shop, id)?;
        let mut writes = Vec::new();
        if let Some(s) = new_stock {
            // The stock an admin sets is what is left to sell, as before sharding.
            writes.extend(cards::set_stock(Some((snapshot, false)), shop, &def, s));
            stock = Some(i64::try_from(s).unwrap_or(i64::MAX));
        } else if def.stock_shards != current.stock_shards {
            // The same units over a new count of shards.
            let total = u64::try_from(stock.unwrap_or(0)).unwrap_or(0);
            writes.extend(cards::set_stock(Some((snapshot, true)), shop, &def, total));
        }
        writes.push(cards::update(shop, &def, current.version));
        writes.push(cards::summary_write(shop, &def));
        Decision::ok(writes, &view(&def, stock, currency))
    })
    .await
}

async fn delete(ctx: &Ctx, shop: &ShopId, id: &str) -> Result<Reply, ApiError> {
    api::execute(
        ctx,
        shop,
        None,
        vec![keys::card(shop, id)],
        |snapshot, _now| {
            let def = read_card(snapshot, shop, id)?;
            def.check_deletable()?;
            Decision::new(
                vec![
                    cards::delete(shop, id, def.version),
                    cards::count_out(shop),
                    cards::summary_remove(shop, id),
                ],
                StatusCode::NO_CONTENT,
                &Value::Null,
            )
        },
    )
    .await
}
