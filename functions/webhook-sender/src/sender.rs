//! The HTTP side of a send: the client, the resolver that lets only global addresses through,
//! and the POST itself. Apart from the sweep, which decides what is sent and when.

use super::OPERATION;
use domain::chrono::{DateTime, Utc};
use domain::webhook::{self, Endpoint};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use store::webhooks::Stored;

/// What sends: the HTTP client and whether this is the local stack (the only place
/// loopback http endpoints are called).
pub struct Sender {
    pub http: reqwest::Client,
    pub local: bool,
}

impl Sender {
    /// 15 s for the whole exchange, no redirects followed, names resolved only to addresses
    /// the sender may call.
    pub fn new(local: bool) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(webhook::SEND_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(Checked { local }))
            .user_agent("loyalty-webhooks/1")
            .build()?;
        Ok(Sender { http, local })
    }
}

/// Resolves a host and keeps it only when every address is global (API 1.2, at every
/// send): the connection then goes to an address that was checked, never to one a second
/// lookup might give. On the local stack `localhost` may be loopback.
pub(crate) struct Checked {
    pub(crate) local: bool,
}

impl reqwest::dns::Resolve for Checked {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let local = self.local;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let local_name = local && host == "localhost";
            if let Some(refused) = api::webhooks::refused_address(&host, &found, local_name) {
                return Err(refused.0.into());
            }
            if found.is_empty() {
                return Err(format!("{host} has no address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// The POST of one attempt: the answer's status (`None`: refused before sending, no answer,
/// or not in 15 s) and the receiver's `Retry-After` in seconds.
pub(crate) async fn send(
    http: &Sender,
    endpoint: &Endpoint,
    d: &Stored,
    now: DateTime<Utc>,
) -> (Option<u16>, Option<Duration>) {
    // The URL's rules again at every send: a literal address is never resolved, so it is
    // checked here; names are checked by the client's resolver.
    if let Err(refusal) = webhook::check_url(&endpoint.url, http.local) {
        tracing::warn!(operation = OPERATION, endpoint_id = %endpoint.endpoint_id, why = %refusal.0, "not sent");
        return (None, None);
    }
    if d.body.len() > webhook::MAX_BODY_BYTES {
        tracing::warn!(operation = OPERATION, message_id = %d.message_id, "body over 256 KB; not sent");
        return (None, None);
    }
    let timestamp = now.timestamp();
    let secrets = endpoint.signing_secrets(now);
    let signature = webhook::signature_header(&secrets, &d.message_id, timestamp, &d.body);
    let answer = http
        .http
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.body.clone())
        .send()
        .await;
    match answer {
        Ok(res) => {
            let retry_after = res
                .headers()
                .get("retry-after")
                .map(|v| webhook::retry_after(v.as_bytes(), now));
            (Some(res.status().as_u16()), retry_after)
        }
        Err(e) => {
            tracing::info!(operation = OPERATION, message_id = %d.message_id, error = %e, "no answer");
            (None, None)
        }
    }
}
