//! /admin/webhooks (API 1.2 outbound webhooks): the shop's endpoints (create, list, read,
//! change, delete), their secrets (shown at creation and rotation only), a test message,
//! the deliveries and their recovery. Admins and owners only: an endpoint receives every
//! member's data.

use api::input;
use api::{ApiError, Ctx, Decision, Reply, MANAGERS};
use domain::chrono::{DateTime, Utc};
use domain::webhook::{self, Endpoint, Endpoints, Secret};
use domain::{Refusal, Settings, ShopId};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use store::webhooks::{self as stored, Message};
use store::{keys, Snapshot};

pub const OPERATION: &str = "admin-webhooks";

/// A description is a label, not a document.
const MAX_DESCRIPTION_CHARS: usize = 500;
/// Deliveries requeued by one recovery, at most (a larger backlog: recover again later).
const MAX_REQUEUED: u64 = 10_000;

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
            let items: Vec<Value> = read(ctx, &shop).await?.items.iter().map(view).collect();
            Ok(Reply::ok(&json!({"items": items})))
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
            Ok(Reply::ok(&view(found(&endpoints, &id)?)))
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

/// How an endpoint is shown: never its secrets.
fn view(e: &Endpoint) -> Value {
    json!({
        "endpoint_id": e.endpoint_id,
        "url": e.url,
        "events": e.events,
        "description": e.description,
        "status": if e.disabled.is_some() { "disabled" } else { "enabled" },
        "disabled_reason": e.disabled.map(|d| d.as_str()),
        "created_at": api::render::instant(e.created_at),
        "previous_secret_until": e.previous.as_ref().map(|(_, until)| api::render::instant(*until)),
    })
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

/// A URL the sender may call: the rules of API 1.2, then its addresses now. A name that
/// does not resolve yet is accepted (a merchant may set up DNS after the endpoint); every
/// send resolves and checks again.
async fn checked_url(text: &str) -> Result<String, ApiError> {
    let target = webhook::check_url(text, api::local_stack()).map_err(Refusal::from)?;
    api::webhooks::resolve(&target)
        .await
        .map_err(Refusal::from)?;
    Ok(text.to_owned())
}

fn checked_events(events: Option<Vec<String>>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(mut events) = events else {
        return Ok(None);
    };
    webhook::check_events(&events).map_err(ApiError::Invalid)?;
    events.sort();
    events.dedup();
    Ok(Some(events))
}

fn checked_description(d: Option<String>) -> Result<Option<String>, ApiError> {
    match d {
        Some(d) if d.chars().count() > MAX_DESCRIPTION_CHARS => Err(ApiError::Invalid(format!(
            "a description has at most {MAX_DESCRIPTION_CHARS} characters"
        ))),
        d => Ok(d),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndpoint {
    url: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

struct New {
    url: String,
    events: Vec<String>,
    description: String,
}

async fn parse_new(body: &Value) -> Result<New, ApiError> {
    let raw: RawEndpoint = input::from_value(body)?;
    if raw.status.is_some() {
        return Err(ApiError::Invalid("a new endpoint is enabled".into()));
    }
    let url = raw
        .url
        .ok_or_else(|| ApiError::Invalid("url is required".into()))?;
    Ok(New {
        url: checked_url(&url).await?,
        events: checked_events(raw.events)?.unwrap_or_default(),
        description: checked_description(raw.description)?.unwrap_or_default(),
    })
}

struct Patch {
    url: Option<String>,
    events: Option<Vec<String>>,
    description: Option<String>,
    enabled: Option<bool>,
}

impl Patch {
    fn apply(&self, e: &mut Endpoint) {
        if let Some(url) = &self.url {
            e.url = url.clone();
        }
        if let Some(events) = &self.events {
            e.events = events.clone();
        }
        if let Some(d) = &self.description {
            e.description = d.clone();
        }
        if let Some(on) = self.enabled {
            e.set_enabled(on);
        }
    }
}

async fn parse_patch(body: &Value) -> Result<Patch, ApiError> {
    let raw: RawEndpoint = input::from_value(body)?;
    let url = match raw.url {
        Some(u) => Some(checked_url(&u).await?),
        None => None,
    };
    let enabled = match raw.status.as_deref() {
        None => None,
        Some("enabled") => Some(true),
        Some("disabled") => Some(false),
        Some(other) => {
            return Err(ApiError::Invalid(format!(
                "status is \"enabled\" or \"disabled\", not {other:?}"
            )))
        }
    };
    Ok(Patch {
        url,
        events: checked_events(raw.events)?,
        description: checked_description(raw.description)?,
        enabled,
    })
}

fn new_secret() -> Secret {
    Secret::from_bytes(
        (0..webhook::SECRET_BYTES)
            .map(|_| rand::random::<u8>())
            .collect(),
    )
}

fn new_endpoint_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let tail: String = (0..20)
        .map(|_| ALPHABET[usize::from(rand::random::<u8>()) % ALPHABET.len()] as char)
        .collect();
    format!("ep_{tail}")
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
        body["secret"] = json!(secret.encode());
        endpoints.add(endpoint)?;
        Ok(Decision::new(
            stored::put_with_types(shop, endpoints, Some(&current)),
            StatusCode::CREATED,
            body,
        ))
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
        let body = body.unwrap_or_else(|| view(endpoint));
        Ok(Decision::new(
            stored::put_with_types(shop, endpoints, Some(&current)),
            status,
            body,
        ))
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
        Ok((
            StatusCode::OK,
            Some(json!({"secret": secret.encode(), "previous_secret_until": until})),
        ))
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
        Ok(Decision::new(
            stored::put_with_types(shop, endpoints, Some(&current)),
            StatusCode::NO_CONTENT,
            Value::Null,
        ))
    })
    .await
}

/// A `webhook.test` message to this endpoint only, through the same path as every other
/// message (the stream, a delivery, the sender), so it proves the whole way.
async fn test(
    ctx: &Ctx,
    shop: &ShopId,
    once: Option<&api::Once>,
    id: &str,
) -> Result<Reply, ApiError> {
    api::execute(
        ctx,
        shop,
        once,
        vec![keys::webhooks(shop)],
        |snapshot, now| {
            let endpoints = stored::read(snapshot, shop)?;
            found(&endpoints, id)?;
            let message = Message {
                message_id: stored::message_ids(now, 1).remove(0),
                kind: "webhook.test".into(),
                at: now,
                data: api::webhooks::with_shop(shop, json!({"endpoint_id": id})),
                only_to: Some(id.to_owned()),
            };
            let body = json!({"message_id": message.message_id});
            let writes = stored::messages_item(shop, &[message], now)
                .into_iter()
                .collect();
            Ok(Decision::new(writes, StatusCode::ACCEPTED, body))
        },
    )
    .await
}

fn delivery_view(d: &stored::Stored) -> Value {
    json!({
        "message_id": d.message_id,
        "type": d.kind,
        "status": d.delivery.status.as_str(),
        "attempts": d.delivery.attempts,
        "last_status_code": d.delivery.last_status_code,
        "next_attempt_at": d.delivery.next_attempt_at.map(api::render::instant),
        "created_at": api::render::instant(d.created_at),
    })
}

async fn deliveries(ctx: &Ctx, req: &Request, shop: &ShopId, id: &str) -> Result<Reply, ApiError> {
    let limit = input::limit(req)?;
    let cursor = input::query_param(req, "cursor");
    if cursor.as_deref().is_some_and(|c| !c.starts_with("DLV#")) {
        return Err(ApiError::Invalid(
            "cursor is one a previous page gave".into(),
        ));
    }
    found(&read(ctx, shop).await?, id)?;
    let page = ctx
        .store
        .deliveries_page(shop, id, limit, cursor.as_deref(), None)
        .await?;
    let items: Vec<Value> = page.items.iter().map(delivery_view).collect();
    Ok(Reply::ok(&json!({"items": items, "next": page.next})))
}

/// Failed and exhausted messages created since `since` are due again now, from the start of
/// the schedule; each is moved only if nobody changed it meanwhile, so a recovery racing the
/// sender never sends one twice at once. Recovering again changes nothing twice: delivered
/// and pending messages are left as they are.
async fn recover(ctx: &Ctx, shop: &ShopId, id: &str, body: &Value) -> Result<Reply, ApiError> {
    let since = body
        .get("since")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| ApiError::Invalid("since is an RFC 3339 instant".into()))?;
    if body.as_object().is_some_and(|o| o.len() > 1) {
        return Err(ApiError::Invalid("recover takes only since".into()));
    }
    found(&read(ctx, shop).await?, id)?;
    let now = ctx.now();
    let mut requeued = 0u64;
    let mut after: Option<String> = None;
    loop {
        let page = ctx
            .store
            .deliveries_page(shop, id, 100, after.as_deref(), Some(since))
            .await?;
        for d in &page.items {
            if requeued >= MAX_REQUEUED {
                break;
            }
            if let Some(next) = d.delivery.requeued(now) {
                if ctx.store.set_delivery(d, &next).await? {
                    requeued += 1;
                }
            }
        }
        match page.next {
            Some(n) if requeued < MAX_REQUEUED => after = Some(n),
            _ => break,
        }
    }
    Ok(Reply::new(
        StatusCode::ACCEPTED,
        json!({"requeued": requeued}).to_string(),
    ))
}
