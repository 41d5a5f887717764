//! How endpoints and their deliveries are shown to an admin: never an endpoint's secrets.
//! Apart so the routes and the answers' shapes can be read each on their own.

use domain::webhook::Endpoint;
use serde::Serialize;
use store::webhooks as stored;

/// How an endpoint is shown: never its secrets (only its creation answers the new one).
#[derive(Serialize)]
pub(crate) struct Shown {
    endpoint_id: String,
    url: String,
    events: Vec<String>,
    description: String,
    status: &'static str,
    disabled_reason: Option<&'static str>,
    created_at: String,
    previous_secret_until: Option<String>,
    /// The signing secret, once: in the answer that creates the endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) secret: Option<String>,
}

pub(crate) fn view(e: &Endpoint) -> Shown {
    Shown {
        endpoint_id: e.endpoint_id.clone(),
        url: e.url.clone(),
        events: e.events.clone(),
        description: e.description.clone(),
        status: if e.disabled.is_some() {
            "disabled"
        } else {
            "enabled"
        },
        disabled_reason: e.disabled.map(|d| d.as_str()),
        created_at: api::render::instant(e.created_at),
        previous_secret_until: e
            .previous
            .as_ref()
            .map(|(_, until)| api::render::instant(*until)),
        secret: None,
    }
}

/// A message's delivery to the endpoint: where it stands.
#[derive(Serialize)]
pub(crate) struct DeliveryShown<'a> {
    message_id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    status: &'static str,
    attempts: u32,
    last_status_code: Option<u16>,
    next_attempt_at: Option<String>,
    created_at: String,
}

pub(crate) fn delivery_view(d: &stored::Stored) -> DeliveryShown<'_> {
    DeliveryShown {
        message_id: &d.message_id,
        kind: &d.kind,
        status: d.delivery.status.as_str(),
        attempts: d.delivery.attempts,
        last_status_code: d.delivery.last_status_code,
        next_attempt_at: d.delivery.next_attempt_at.map(api::render::instant),
        created_at: api::render::instant(d.created_at),
    }
}

/// A rotation as answered: the new secret, and until when the old one still signs.
#[derive(Serialize)]
pub(crate) struct Rotated {
    pub(crate) secret: String,
    pub(crate) previous_secret_until: Option<String>,
}
