//! What an admin sends for an endpoint, checked: its URL (rules and addresses), events and
//! description, a new endpoint or a patch, and the identifiers and secrets made for it. Apart
//! from the routes, which only decide what happens with it.

use api::input;
use api::ApiError;
use domain::webhook::{self, Endpoint, Secret};
use domain::Refusal;
use serde::Deserialize;
use serde_json::Value;

/// A description is a label, not a document.
pub(crate) const MAX_DESCRIPTION_CHARS: usize = 500;

/// A URL the sender may call: the rules of API 1.2, then its addresses now. A name that
/// does not resolve yet is accepted (a merchant may set up DNS after the endpoint); every
/// send resolves and checks again.
pub(crate) async fn checked_url(text: &str) -> Result<String, ApiError> {
    let target = webhook::check_url(text, api::local_stack()).map_err(Refusal::from)?;
    api::webhooks::resolve(&target)
        .await
        .map_err(Refusal::from)?;
    Ok(text.to_owned())
}

pub(crate) fn checked_events(events: Option<Vec<String>>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(mut events) = events else {
        return Ok(None);
    };
    webhook::check_events(&events).map_err(ApiError::Invalid)?;
    events.sort();
    events.dedup();
    Ok(Some(events))
}

pub(crate) fn checked_description(d: Option<String>) -> Result<Option<String>, ApiError> {
    match d {
        Some(d) if d.chars().count() > MAX_DESCRIPTION_CHARS => Err(ApiError::Invalid(format!(
            "a description has at most {MAX_DESCRIPTION_CHARS} characters"
        ))),
        d => Ok(d),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEndpoint {
    pub(crate) url: Option<String>,
    #[serde(default)]
    pub(crate) events: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<String>,
}

pub(crate) struct New {
    pub(crate) url: String,
    pub(crate) events: Vec<String>,
    pub(crate) description: String,
}

pub(crate) async fn parse_new(body: &Value) -> Result<New, ApiError> {
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

pub(crate) struct Patch {
    pub(crate) url: Option<String>,
    pub(crate) events: Option<Vec<String>>,
    pub(crate) description: Option<String>,
    pub(crate) enabled: Option<bool>,
}

impl Patch {
    pub(crate) fn apply(&self, e: &mut Endpoint) {
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

pub(crate) async fn parse_patch(body: &Value) -> Result<Patch, ApiError> {
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

pub(crate) fn new_secret() -> Secret {
    Secret::from_bytes(
        (0..webhook::SECRET_BYTES)
            .map(|_| rand::random::<u8>())
            .collect(),
    )
}

pub(crate) fn new_endpoint_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let tail: String = (0..20)
        .map(|_| ALPHABET[usize::from(rand::random::<u8>()) % ALPHABET.len()] as char)
        .collect();
    format!("ep_{tail}")
}
