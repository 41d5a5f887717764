//! /admin/webhooks (API 1.2 outbound webhooks): the shop's endpoints (create, list, read,
//! change, delete), their secrets (shown at creation and rotation only), a test message,
//! the deliveries and their recovery. Admins and owners only: an endpoint receives every
//! member's data.

use api::input;
use api::{ApiError, Ctx, Decision, Reply, MANAGERS};
use domain::chrono::{DateTime, Utc};
use domain::webhook::{Endpoint, Endpoints};
use domain::{Settings, ShopId};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use store::webhooks as stored;
use store::{keys, Snapshot};

mod request;
use request::{new_endpoint_id, new_secret, parse_new, parse_patch, New};

mod deliveries;
use deliveries::{deliveries, recover, test};

mod view;
use view::view;

pub const OPERATION: &str = "admin-webhooks";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let shop = principal.shop.clone();
    let id = input::path_param(&req, "endpoint_id").ok();
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let once = |target: &str, body: &Value| -> Result<Option<api::Once>, ApiError> {
        Ok(input::idempotency_key(&req)?.map(|key| api::Once {
            fingerprint: input::fingerprint(OPERATION, target, body),
            key,
        }))
    };
    match (req.method().clone(), id) {
        (Method::POST, None) => {
            let body = input::json_object(&req)?;
            let new = parse_new(&body).await?;
            create(ctx, &shop, once("create", &body)?.as_ref(), new).await
        }
        (Method::GET, None) => {
            let items = read(ctx, &shop).await?.items.iter().map(view).collect();
            Reply::ok(&api::render::Items::<view::Shown> { items })
        }
        (Method::POST, Some(id)) if path.ends_with("/rotate") => {
            let once = once(&format!("rotate {id}"), &Value::Null)?;
            rotate(ctx, &shop, once.as_ref(), &id).await
        }
        (Method::POST, Some(id)) if path.ends_with("/test") => {
            let once = once(&format!("test {id}"), &Value::Null)?;
            test(ctx, &shop, once.as_ref(), &id).await
        }
        (Method::POST, Some(id)) if path.ends_with("/recover") => {
            recover(ctx, &shop, &id, &input::json_object(&req)?).await
        }
        (Method::GET, Some(id)) if path.ends_with("/deliveries") => {
            deliveries(ctx, &req, &shop, &id).await
        }
        (Method::GET, Some(id)) => {
            let endpoints = read(ctx, &shop).await?;
            Reply::ok(&view(found(&endpoints, &id)?))
        }
        (Method::PATCH, Some(id)) => {
            let patch = parse_patch(&input::json_object(&req)?).await?;
            change_once(ctx, &shop, &id, None, move |e, _now| {
                patch.apply(e);
                Ok((StatusCode::OK, None))
            })
            .await
        }
        (Method::DELETE, Some(id)) => delete(ctx, &shop, &id).await,
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}

fn found<'a>(endpoints: &'a Endpoints, id: &str) -> Result<&'a Endpoint, ApiError> {
    endpoints
        .get(id)
        .ok_or_else(|| ApiError::NotFound(format!("no webhook endpoint {id:?}")))
}

async fn read(ctx: &Ctx, shop: &ShopId) -> Result<Endpoints, ApiError> {
    let snapshot = ctx.store.load(&[keys::webhooks(shop)]).await?;
    Ok(stored::read(&snapshot, shop)?)
}

fn loaded(snapshot: &Snapshot, shop: &ShopId) -> Result<(Endpoints, Settings), ApiError> {
    let current = api::require_settings(snapshot, shop)?;
    Ok((stored::read(snapshot, shop)?, current))
}

async fn create(
    ctx: &Ctx,
    shop: &ShopId,
    once: Option<&api::Once>,
    new: New,
) -> Result<Reply, ApiError> {
    // A retry after a lost race keeps the id and secret it drew.
    let (id, secret) = (new_endpoint_id(), new_secret());
    let read = vec![keys::webhooks(shop), keys::settings(shop)];
    api::execute(ctx, shop, once, read, |snapshot, now| {
        let (mut endpoints, current) = loaded(snapshot, shop)?;
        let endpoint = Endpoint {
            endpoint_id: id.clone(),
            url: new.url.clone(),
            events: new.events.clone(),
            description: new.description.clone(),
            disabled: None,
            secret: secret.clone(),
            previous: None,
            failing_since: None,
            created_at: now,
        };
        let mut body = view(&endpoint);
        body.secret = Some(secret.encode());
        endpoints.add(endpoint)?;
        Decision::new(
            stored::put_with_types(shop, endpoints, Some(&current)),
            StatusCode::CREATED,
            &body,
        )
    })
    .await
}

/// Changes one endpoint; `decide` says the answer's status and body (`None`: the endpoint
/// as changed).
async fn change_once<F>(
    ctx: &Ctx,
    shop: &ShopId,
    id: &str,
    once: Option<&api::Once>,
    mut decide: F,
) -> Result<Reply, ApiError>
where
    F: FnMut(&mut Endpoint, DateTime<Utc>) -> Result<(StatusCode, Option<Value>), ApiError>,
{
    let read = vec![keys::webhooks(shop), keys::settings(shop)];
    api::execute(ctx, shop, once, read, |snapshot, now| {
        let (mut endpoints, current) = loaded(snapshot, shop)?;
        found(&endpoints, id)?;
        let endpoint = endpoints.get_mut(id).expect("found above");
        let (status, body) = decide(endpoint, now)?;
        let body = match body {
            Some(body) => body,
            None => api::render::body(&view(endpoint))?,
        };
        Decision::new(
            stored::put_with_types(shop, endpoints, Some(&current)),
            status,
            &body,
        )
    })
    .await
}

async fn rotate(
    ctx: &Ctx,
    shop: &ShopId,
    once: Option<&api::Once>,
    id: &str,
) -> Result<Reply, ApiError> {
    let secret = new_secret();
    change_once(ctx, shop, id, once, |e, now| {
        e.rotate(secret.clone(), now);
        let until = e.previous.as_ref().map(|(_, u)| api::render::instant(*u));
        let rotated = view::Rotated {
            secret: secret.encode(),
            previous_secret_until: until,
        };
        Ok((StatusCode::OK, Some(api::render::body(&rotated)?)))
    })
    .await
}

async fn delete(ctx: &Ctx, shop: &ShopId, id: &str) -> Result<Reply, ApiError> {
    let read = vec![keys::webhooks(shop), keys::settings(shop)];
    api::execute(ctx, shop, None, read, |snapshot, _now| {
        let (mut endpoints, current) = loaded(snapshot, shop)?;
        if !endpoints.remove(id) {
            return Err(ApiError::NotFound(format!("no webhook endpoint {id:?}")));
        }
        // Its deliveries stay until their TTL; the sender drops any still due.
        Decision::new(
            stored::put_with_types(shop, endpoints, Some(&current)),
            StatusCode::NO_CONTENT,
            &Value::Null,
        )
    })
    .await
}
