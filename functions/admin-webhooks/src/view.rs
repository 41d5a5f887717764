//! How endpoints and their deliveries are shown to an admin: never an endpoint's secrets.
//! Apart so the routes and the answers' shapes can be read each on their own.

use domain::webhook::Endpoint;
use serde_json::{json, Value};
use store::webhooks as stored;

/// How an endpoint is shown: never its secrets.
pub(crate) fn view(e: &Endpoint) -> Value {
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

pub(crate) fn delivery_view(d: &stored::Stored) -> Value {
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
