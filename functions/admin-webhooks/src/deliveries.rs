//! An endpoint's deliveries: the test message that goes the whole way, the listing and the
//! recovery of failed ones. Apart from the endpoint's own create/read/change/delete.

use super::view::delivery_view;
use super::{found, read};
use api::input;
use api::{ApiError, Ctx, Decision, Reply};
use domain::chrono::{DateTime, Utc};
use domain::ShopId;
use lambda_http::http::StatusCode;
use lambda_http::Request;
use serde_json::{json, Value};
use store::keys;
use store::webhooks::{self as stored, Message};

/// Deliveries requeued by one recovery, at most (a larger backlog: recover again later).
pub(crate) const MAX_REQUEUED: u64 = 10_000;

/// A `webhook.test` message to this endpoint only, through the same path as every other
/// message (the stream, a delivery, the sender), so it proves the whole way.
pub(crate) async fn test(
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
            let body = Queued {
                message_id: message.message_id.clone(),
            };
            let writes = stored::messages_item(shop, &[message], now)
                .into_iter()
                .collect();
            Decision::new(writes, StatusCode::ACCEPTED, &body)
        },
    )
    .await
}

pub(crate) async fn deliveries(
    ctx: &Ctx,
    req: &Request,
    shop: &ShopId,
    id: &str,
) -> Result<Reply, ApiError> {
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
    let items: Vec<_> = page.items.iter().map(delivery_view).collect();
    Reply::ok(&api::render::Page {
        items,
        next: page.next,
    })
}

/// Failed and exhausted messages created since `since` are due again now, from the start of
/// the schedule; each is moved only if nobody changed it meanwhile, so a recovery racing the
/// sender never sends one twice at once. Recovering again changes nothing twice: delivered
/// and pending messages are left as they are.
pub(crate) async fn recover(
    ctx: &Ctx,
    shop: &ShopId,
    id: &str,
    body: &Value,
) -> Result<Reply, ApiError> {
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
    let body = api::render::body(&Requeued { requeued })?;
    Ok(Reply::new(StatusCode::ACCEPTED, body.to_string()))
}

/// A test message queued for the endpoint.
#[derive(serde::Serialize)]
struct Queued {
    message_id: String,
}

/// How many failed deliveries went back in the queue.
#[derive(serde::Serialize)]
struct Requeued {
    requeued: u64,
}
