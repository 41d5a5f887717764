//! Consumes the table's stream: every new outbox item becomes a message for the member,
//! unless the shop switched that kind of notification off in its credit program (001).
//! Delivery is behind `Sender`: Amazon SES in AWS, a JSON-lines file or the log locally.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write as _;
use std::path::PathBuf;

use domain::{MemberId, ShopId};
use serde_json::{json, Value};
use store::keys::{self, Program};
use store::outbox::Event;
use store::{credit_program, StoreError};

pub const OPERATION: &str = "notifier";

/// A message ready for delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub shop: String,
    pub member_id: String,
    pub event: Event,
    pub payload: Value,
    pub at: String,
    /// The member's address, when they gave one at registration.
    pub to: Option<String>,
}

impl Message {
    pub fn to_json(&self) -> Value {
        json!({"shop": self.shop, "member_id": self.member_id, "event": self.event.as_str(),
               "payload": self.payload, "at": self.at, "to": self.to})
    }
}

#[derive(Debug, thiserror::Error)]
#[error("could not deliver: {0}")]
pub struct SendError(pub String);

pub trait Sender: Sync {
    fn send(&self, message: &Message) -> impl Future<Output = Result<(), SendError>> + Send;
}

/// Appends each message as one JSON line (local runs and tests read the file).
pub struct FileSender(pub PathBuf);

impl Sender for FileSender {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.0)
            .map_err(|e| SendError(e.to_string()))?;
        writeln!(file, "{}", message.to_json()).map_err(|e| SendError(e.to_string()))
    }
}

/// Logs each message (the default when no file is configured).
pub struct LogSender;

impl Sender for LogSender {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        tracing::info!(operation = OPERATION, message = %message.to_json(), "notify");
        Ok(())
    }
}

/// Sends each message as an email through Amazon SES (v2), from a verified address. A
/// member without an address gets nothing (logged); SES refusing the message fails the
/// batch so the stream delivers it again.
pub struct SesSender {
    client: aws_sdk_sesv2::Client,
    from: String,
}

impl SesSender {
    /// The SDK's usual configuration chain; `endpoint` points it elsewhere (local tests).
    pub async fn connect(from: String, endpoint: Option<String>, region: Option<String>) -> Self {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader =
            aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http);
        if let Some(e) = endpoint {
            loader = loader.endpoint_url(e);
        }
        if let Some(r) = region {
            loader = loader.region(aws_config::Region::new(r));
        }
        let config = loader.load().await;
        Self {
            client: aws_sdk_sesv2::Client::new(&config),
            from,
        }
    }
}

impl SesSender {
    /// The raw client, for set-up (verifying a sender locally) only.
    pub fn client(&self) -> &aws_sdk_sesv2::Client {
        &self.client
    }
}

/// The words a member reads for each event.
pub fn subject_and_text(m: &Message) -> (String, String) {
    let p = &m.payload;
    let amount = p["amount"].as_str().unwrap_or_default();
    match m.event {
        Event::Issued => (
            "You received store credit".to_owned(),
            format!(
                "{amount} store credit was added. Balance: {}.",
                p["balance"].as_str().unwrap_or("-")
            ),
        ),
        Event::Used => (
            "Store credit used".to_owned(),
            format!(
                "{amount} store credit paid for order {}. Balance: {}.",
                p["order_id"].as_str().unwrap_or("-"),
                p["balance"].as_str().unwrap_or("-")
            ),
        ),
        Event::Expiring => (
            "Store credit expiring soon".to_owned(),
            format!(
                "{amount} store credit expires at {}.",
                p["expires_at"].as_str().unwrap_or("-")
            ),
        ),
        Event::Refund => (
            "Refund to store credit".to_owned(),
            format!(
                "{amount} for order {} was refunded to your store credit. {}",
                p["order_id"].as_str().unwrap_or("-"),
                p["note"].as_str().unwrap_or_default()
            ),
        ),
    }
}

impl Sender for SesSender {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        use aws_sdk_sesv2::types::{
            Body as SesBody, Content, Destination, EmailContent, Message as SesMessage,
        };
        let Some(to) = &message.to else {
            tracing::info!(operation = OPERATION, member = %message.member_id, "no address; not emailed");
            return Ok(());
        };
        let (subject, text) = subject_and_text(message);
        let content = |t: String| Content::builder().data(t).charset("UTF-8").build();
        let email = SesMessage::builder()
            .subject(content(subject).map_err(|e| SendError(e.to_string()))?)
            .body(
                SesBody::builder()
                    .text(content(text).map_err(|e| SendError(e.to_string()))?)
                    .build(),
            )
            .build();
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(to).build())
            .content(EmailContent::builder().simple(email).build())
            .send()
            .await
            .map_err(|e| SendError(aws_sdk_sesv2::error::DisplayErrorContext(e).to_string()))?;
        Ok(())
    }
}

/// The sender the environment asks for: `LOYALTY_SES_FROM` means SES from that address,
/// `LOYALTY_NOTIFY_FILE` a JSON-lines file, neither the log.
pub enum Configured {
    Ses(SesSender),
    File(FileSender),
    Log(LogSender),
}

impl Configured {
    pub async fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(from) = var("LOYALTY_SES_FROM") {
            return Configured::Ses(SesSender::connect(from, var("AWS_ENDPOINT_URL"), None).await);
        }
        match var("LOYALTY_NOTIFY_FILE") {
            Some(path) => Configured::File(FileSender(path.into())),
            None => Configured::Log(LogSender),
        }
    }
}

impl Sender for Configured {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        match self {
            Configured::Ses(s) => s.send(message).await,
            Configured::File(f) => f.send(message).await,
            Configured::Log(l) => l.send(message).await,
        }
    }
}

/// The outbox messages among a stream batch's records (inserts of outbox items only).
pub fn messages(event: &Value) -> Vec<Message> {
    let s = |image: &Value, attr: &str| image[attr]["S"].as_str().map(str::to_owned);
    event["Records"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["eventName"] == "INSERT")
        .filter_map(|r| {
            let image = &r["dynamodb"]["NewImage"];
            if s(image, "entity_type").as_deref() != Some("outbox") {
                return None;
            }
            Some(Message {
                shop: s(image, "shop")?,
                member_id: s(image, "member_id")?,
                event: Event::parse(&s(image, "event")?)?,
                payload: serde_json::from_str(&s(image, "payload")?).ok()?,
                at: s(image, "at")?,
                to: None,
            })
        })
        .collect()
}

/// Delivers a stream batch: one read of the shops' credit programs, then each message the
/// shop has switched on. A failed delivery fails the batch so the stream retries it.
pub async fn handle(
    ctx: &api::Ctx,
    event: &Value,
    sender: &impl Sender,
) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let mut messages = messages(event);
    let mut shops = BTreeMap::new();
    let mut members = BTreeMap::new();
    for m in &messages {
        let shop = ShopId::parse(&m.shop).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let member =
            MemberId::parse(&m.member_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        members.insert(
            (m.shop.clone(), m.member_id.clone()),
            keys::profile(&shop, &member),
        );
        shops.insert(m.shop.clone(), shop);
    }
    // One read for the batch: the shops' switches and the members' addresses.
    let keys: Vec<_> = shops
        .values()
        .map(|s| keys::program(s, Program::Credit))
        .chain(members.values().cloned())
        .collect();
    let snapshot = if keys.is_empty() {
        None
    } else {
        Some(ctx.store.load(&keys).await?)
    };
    if let Some(snapshot) = &snapshot {
        for m in &mut messages {
            let key = &members[&(m.shop.clone(), m.member_id.clone())];
            m.to = snapshot
                .get(key)
                .and_then(|it| store::item::opt_s(it, "email"))
                .map(str::to_owned);
        }
    }
    let (mut sent, mut off) = (0u64, 0u64);
    for m in &messages {
        let on = snapshot
            .as_ref()
            .is_some_and(|s| credit_program::notify_enabled(s, &shops[&m.shop], m.event));
        if !on {
            off += 1;
            continue;
        }
        sender.send(m).await?;
        sent += 1;
    }
    tracing::info!(operation = OPERATION, sent, off, "delivered");
    Ok(json!({"sent": sent, "switched_off": off}))
}
