//! Consumes the table's stream: every new outbox item becomes a message for the member,
//! unless the shop switched that kind of notification off in its credit program (001).
//! Delivery is behind `Sender`: a JSON-lines file or the log locally; in AWS an SES sender
//! plugs in here.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write as _;
use std::path::PathBuf;

use domain::ShopId;
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
}

impl Message {
    pub fn to_json(&self) -> Value {
        json!({"shop": self.shop, "member_id": self.member_id, "event": self.event.as_str(),
               "payload": self.payload, "at": self.at})
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

/// The sender the environment asks for: `LOYALTY_NOTIFY_FILE` set means a file.
pub enum Configured {
    File(FileSender),
    Log(LogSender),
}

impl Configured {
    pub fn from_env() -> Self {
        match std::env::var("LOYALTY_NOTIFY_FILE") {
            Ok(path) if !path.is_empty() => Configured::File(FileSender(path.into())),
            _ => Configured::Log(LogSender),
        }
    }
}

impl Sender for Configured {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        match self {
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
    let messages = messages(event);
    let mut shops = BTreeMap::new();
    for m in &messages {
        let shop = ShopId::parse(&m.shop).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        shops.insert(m.shop.clone(), shop);
    }
    let keys: Vec<_> = shops
        .values()
        .map(|s| keys::program(s, Program::Credit))
        .collect();
    let snapshot = if keys.is_empty() {
        None
    } else {
        Some(ctx.store.load(&keys).await?)
    };
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
