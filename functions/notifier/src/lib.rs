//! Consumes the table's stream: every new outbox item becomes a message for the member,
//! unless the shop switched that kind of notification off in its credit program (001).
//! Delivery is behind `Sender`: Amazon SES in AWS, a JSON-lines file or the log locally.
//!
//! A message that cannot be sent ends the batch there and is reported as the batch's item
//! failure (the mapping's `ReportBatchItemFailures`): the stream delivers again from that
//! record on, so the members before it are not told twice.

use std::collections::BTreeMap;

use domain::{MemberId, ShopId};
use serde_json::{json, Value};
use store::keys::{self, Program};
use store::outbox::Event;
use store::{credit_program, StoreError};

pub const OPERATION: &str = "notifier";

mod senders;

pub use senders::{
    subject_and_text, Configured, FileSender, LogSender, Message, SendError, Sender, SesSender,
};

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
                seq: r["dynamodb"]["SequenceNumber"].as_str().map(str::to_owned),
            })
        })
        .collect()
}

/// Delivers a stream batch: one read of the shops' credit programs, then each message the
/// shop has switched on. A failed delivery fails the batch so the stream retries it.
/// One read for the batch: the shops' switches and the members' addresses, which go onto
/// the messages. Returns the shops by name and what was read (`None`: nothing to read).
async fn read_for(
    ctx: &api::Ctx,
    messages: &mut [Message],
) -> Result<(BTreeMap<String, ShopId>, Option<store::Snapshot>), StoreError> {
    let mut shops = BTreeMap::new();
    let mut members = BTreeMap::new();
    for m in messages.iter() {
        let shop = ShopId::parse(&m.shop).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let member =
            MemberId::parse(&m.member_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        members.insert(
            (m.shop.clone(), m.member_id.clone()),
            keys::profile(&shop, &member),
        );
        shops.insert(m.shop.clone(), shop);
    }
    let keys: Vec<_> = shops
        .values()
        .map(|s| keys::program(s, Program::Credit))
        .chain(members.values().cloned())
        .collect();
    if keys.is_empty() {
        return Ok((shops, None));
    }
    let snapshot = ctx.store.load(&keys).await?;
    for m in messages.iter_mut() {
        let key = &members[&(m.shop.clone(), m.member_id.clone())];
        m.to = snapshot
            .get(key)
            .and_then(|it| store::item::opt_s(it, "email"))
            .map(str::to_owned);
    }
    Ok((shops, Some(snapshot)))
}

pub async fn handle(
    ctx: &api::Ctx,
    event: &Value,
    sender: &impl Sender,
) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let mut messages = messages(event);
    let (shops, snapshot) = read_for(ctx, &mut messages).await?;
    let (mut sent, mut off) = (0u64, 0u64);
    let mut failures = Vec::new();
    for m in &messages {
        let on = snapshot
            .as_ref()
            .is_some_and(|s| credit_program::notify_enabled(s, &shops[&m.shop], m.event));
        if !on {
            off += 1;
            continue;
        }
        if let Err(e) = sender.send(m).await {
            // Without a sequence number (not a stream record) the batch as a whole fails.
            let Some(seq) = m.seq.clone() else {
                return Err(e.into());
            };
            tracing::warn!(operation = OPERATION, error = %e, "not sent; the stream retries from here");
            failures.push(json!({"itemIdentifier": seq}));
            break;
        }
        sent += 1;
    }
    tracing::info!(
        operation = OPERATION,
        sent,
        off,
        failed = failures.len(),
        "delivered"
    );
    Ok(json!({"batchItemFailures": failures, "sent": sent, "switched_off": off}))
}
