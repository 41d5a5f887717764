//! /admin/coupons (API 1.3): coupon definitions. Create, list, get, patch (name, text,
//! stock, per-member limit, claimable, status), delete one never issued. Every staff role
//! reads them (the till shows them); only the owner and admins change them.

use api::input;
use api::{ApiError, Ctx, Decision, Reply};
use domain::coupon::{self, Definition};
use domain::{Refusal, ShopId};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use store::{coupons, keys, settings, Snapshot};

pub const OPERATION: &str = "admin-coupons";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let (principal, _reading) = api::authorize_setup(ctx, &req)?;
    let shop = principal.shop.clone();
    // An id this API could not have made is no coupon: 404.
    let coupon_id = match input::path_param(&req, "coupon_id") {
        Ok(id) => Some(input::coupon_id(&id)?),
        Err(_) => None,
    };
    match (req.method().clone(), coupon_id) {
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
        (Method::GET, Some(id)) => get(ctx, &shop, &id).await,
        (Method::PATCH, Some(id)) => patch(ctx, &shop, &id, &input::json_object(&req)?).await,
        (Method::DELETE, Some(id)) => delete(ctx, &shop, &id).await,
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}

/// A new definition: counted in (the 301st is refused by the counter's condition, so two
/// concurrent 300th definitions cannot both land), its stock split over its counters.
async fn create(
    ctx: &Ctx,
    shop: &ShopId,
    once: Option<&api::Once>,
    body: &Value,
) -> Result<Reply, ApiError> {
    let mut drawn: Option<String> = None;
    let read = vec![keys::settings(shop), keys::coupon_counter(shop)];
    api::execute(ctx, shop, once, read, |snapshot, now| {
        let settings = api::require_settings(snapshot, shop)?;
        if coupons::count(snapshot, shop)? >= coupon::MAX_DEFINITIONS {
            return Err(limit_reached());
        }
        // A retry after a lost race keeps the id it drew: a fresh one each time could make
        // two definitions of one request.
        let id = drawn.get_or_insert_with(store::ids::coupon_id).clone();
        let today = settings.timezone.local_date(now);
        let def = coupon::parse_definition(body, id, &settings.currency, today, now)?;
        let mut writes = vec![coupons::count_by(shop, 1), coupons::put(shop, &def)];
        // Every counter exists from the start: an issue takes only from a counter that
        // does, so nothing is issued from a definition deleted meanwhile.
        writes.extend(coupons::set_left(snapshot, shop, &def, def.stock));
        let counts = coupons::Counts {
            left: def.stock,
            ..Default::default()
        };
        let view = api::coupons::definition_view(&def, counts, Some(&settings.currency));
        Ok(Decision::new(writes, StatusCode::CREATED, &view)?
            .guard(keys::coupon_counter(shop), limit_reached()))
    })
    .await
}

fn limit_reached() -> ApiError {
    Refusal::CouponLimitReached(format!(
        "a shop has at most {} coupon definitions",
        coupon::MAX_DEFINITIONS
    ))
    .into()
}

/// Every definition with its counts.
async fn list(ctx: &Ctx, shop: &ShopId) -> Result<Reply, ApiError> {
    let (defs, currency) = api::coupons::listed(ctx, shop, |_| true).await?;
    let items = defs
        .iter()
        .map(|(d, counts)| api::coupons::definition_view(d, *counts, currency.as_ref()))
        .collect();
    // Every definition on one page: `next` is always null.
    Reply::ok(&api::render::Page { items, next: None })
}

/// The definition, its counters (every shard it may have) and the settings, in one read.
fn coupon_keys(shop: &ShopId, id: &str) -> Vec<store::Key> {
    let mut read = vec![keys::settings(shop)];
    read.extend(api::coupons::issue_keys(
        shop,
        id,
        domain::stock::MAX_SHARDS,
    ));
    read
}

fn read_def(snapshot: &Snapshot, shop: &ShopId, id: &str) -> Result<Definition, ApiError> {
    coupons::read(snapshot, shop, id)?
        .ok_or_else(|| ApiError::NotFound(format!("no coupon {id:?}")))
}

async fn get(ctx: &Ctx, shop: &ShopId, id: &str) -> Result<Reply, ApiError> {
    let snapshot = ctx.store.load(&coupon_keys(shop, id)).await?;
    let def = read_def(&snapshot, shop, id)?;
    let currency = settings::read(&snapshot, shop)?.map(|s| s.currency);
    let counts = coupons::counts(&snapshot, shop, &def)?;
    Reply::ok(&api::coupons::definition_view(
        &def,
        counts,
        currency.as_ref(),
    ))
}

/// A change to what later issues get; the stock a merchant sets is the coupon's total, so
/// what is left is that minus what was issued (never below: 422), reset on every counter
/// under the value read there.
async fn patch(ctx: &Ctx, shop: &ShopId, id: &str, body: &Value) -> Result<Reply, ApiError> {
    api::execute(ctx, shop, None, coupon_keys(shop, id), |snapshot, _now| {
        let currency = settings::read(snapshot, shop)?.map(|s| s.currency);
        let mut def = read_def(snapshot, shop, id)?;
        let mut counts = coupons::counts(snapshot, shop, &def)?;
        let before = def.stock;
        coupon::apply_patch(&mut def, body, counts.issued)?;
        let mut writes = Vec::new();
        if def.stock != before {
            let left = def.stock.map(|s| s - counts.issued);
            writes.extend(coupons::set_left(snapshot, shop, &def, left));
            counts.left = left;
        }
        writes.push(coupons::put(shop, &def));
        def.version += 1;
        Decision::ok(
            writes,
            &api::coupons::definition_view(&def, counts, currency.as_ref()),
        )
    })
    .await
}

/// Only a definition never issued goes: a member's coupon names it, and the report counts
/// it (409 `coupon_in_use`: disable it instead).
async fn delete(ctx: &Ctx, shop: &ShopId, id: &str) -> Result<Reply, ApiError> {
    api::execute(ctx, shop, None, coupon_keys(shop, id), |snapshot, _now| {
        let def = read_def(snapshot, shop, id)?;
        if coupons::counts(snapshot, shop, &def)?.issued > 0 {
            return Err(Refusal::CouponInUse.into());
        }
        let mut writes = vec![coupons::delete(shop, &def), coupons::count_by(shop, -1)];
        // The counters go with it (each only if nothing was issued there since the read).
        writes.extend(coupons::shard_keys(shop, &def).into_iter().map(|key| {
            store::Write::Delete {
                key,
                condition: Some("attribute_not_exists(issued) OR issued = :zero".into()),
                values: std::collections::HashMap::from([(":zero".to_owned(), store::item::n(0))]),
            }
        }));
        Decision::new(writes, StatusCode::NO_CONTENT, &Value::Null)
    })
    .await
}
