//! Delivery: a message for a member, and the senders that carry it (Amazon SES in AWS, a
//! JSON-lines file or the log locally).

use std::future::Future;
use std::io::Write as _;
use std::path::PathBuf;

use serde_json::{json, Value};
use store::outbox::Event;

use crate::OPERATION;

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
    /// The stream record's sequence number: what a partial batch failure names.
    pub seq: Option<String>,
}

impl Message {
    pub fn to_json(&self) -> Value {
        json!({"shop": self.shop, "member_id": self.member_id, "event": self.event.as_str(),
               "payload": self.payload, "at": self.at, "to": self.to})
    }

    /// What the log sender writes: which member was told what and when, never the address
    /// or the payload (card numbers, amounts). Logs outlive an erasure, which cannot reach
    /// CloudWatch (security review, issue 31).
    pub fn log_fields(&self) -> Value {
        json!({"shop": self.shop, "member_id": self.member_id, "event": self.event.as_str(),
               "at": self.at, "has_address": self.to.is_some()})
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
        tracing::info!(operation = OPERATION, message = %message.log_fields(), "notify");
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
    /// Configured like the store (region and credentials from the variables Lambda sets,
    /// the AWS roots only); `endpoint` points it elsewhere (local tests).
    pub fn connect(
        from: String,
        endpoint: Option<String>,
        region: Option<String>,
    ) -> Result<Self, String> {
        let (region, credentials) = store::aws_identity(region).map_err(|e| e.to_string())?;
        let conf = aws_sdk_sesv2::config::Builder::new()
            .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
            .region(region)
            .credentials_provider(credentials)
            .http_client(store::https_client());
        let conf = match endpoint {
            Some(e) => conf.endpoint_url(e),
            None => conf,
        };
        Ok(Self {
            client: aws_sdk_sesv2::Client::from_conf(conf.build()),
            from,
        })
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
    let field = |k: &str| p[k].as_str().unwrap_or("-").to_owned();
    let amount = p["amount"].as_str().unwrap_or_default();
    let (subject, text) = match m.event {
        Event::Issued => (
            "You received store credit",
            format!(
                "{amount} store credit was added. Balance: {}.",
                field("balance")
            ),
        ),
        Event::Used => (
            "Store credit used",
            format!(
                "{amount} store credit paid for order {}. Balance: {}.",
                field("order_id"),
                field("balance")
            ),
        ),
        Event::Expiring => (
            "Store credit expiring soon",
            format!("{amount} store credit expires at {}.", field("expires_at")),
        ),
        Event::Refund => (
            "Refund to store credit",
            format!(
                "{amount} for order {} was refunded to your store credit. {}",
                field("order_id"),
                p["note"].as_str().unwrap_or_default()
            ),
        ),
        Event::Recharge => (
            "Stored value topped up",
            format!(
                "{} was added to your stored value. Balance: {}.",
                field("value_added"),
                field("value_balance")
            ),
        ),
        Event::CouponExpiring => (
            "Your coupon expires soon",
            format!(
                "Your coupon {} ({}) can be used until {}.",
                field("name"),
                field("coupon_no"),
                field("valid_until")
            ),
        ),
        Event::LevelUpgraded => return level_upgraded(p),
    };
    (subject.to_owned(), text)
}

/// 003: a paid or earned level's welcome, with its reward.
fn level_upgraded(p: &serde_json::Value) -> (String, String) {
    let name = p["name"].as_str();
    let coupons = p["reward"]["coupons"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "none".to_owned());
    (
        format!("Welcome to {}", name.unwrap_or("your new level")),
        format!(
            "Your member level is now {}. Reward: {} points, {} store credit, coupons: {}.",
            name.unwrap_or("-"),
            p["reward"]["points"].as_i64().unwrap_or(0),
            p["reward"]["credit"].as_str().unwrap_or("0"),
            coupons,
        ),
    )
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
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(from) = var("LOYALTY_SES_FROM") {
            let ses = SesSender::connect(from, var("AWS_ENDPOINT_URL"), None)?;
            return Ok(Configured::Ses(ses));
        }
        Ok(match var("LOYALTY_NOTIFY_FILE") {
            Some(path) => Configured::File(FileSender(path.into())),
            None => Configured::Log(LogSender),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Security review (issue 31): with `NotifyFrom` unset the log sender wrote the member's
    /// address and card number into CloudWatch, where no erasure reaches.
    #[test]
    fn the_log_sender_logs_nothing_personal() {
        let message = Message {
            shop: "s1".into(),
            member_id: "m1".into(),
            event: Event::Issued,
            payload: json!({"card_no": "SC-8842-1931", "amount": "10.00", "name": "Ana Lim"}),
            at: "2026-12-06T12:00:00Z".into(),
            to: Some("ana@example.com".into()),
            seq: None,
        };
        let logged = message.log_fields().to_string();
        for personal in ["ana@example.com", "SC-8842-1931", "Ana Lim"] {
            assert!(!logged.contains(personal), "{personal} in {logged}");
        }
        assert!(logged.contains("\"member_id\":\"m1\""), "{logged}");
    }
}
