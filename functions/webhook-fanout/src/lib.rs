//! Consumes the table's stream (API 1.2 outbound webhooks): every new message item an
//! operation wrote becomes one delivery per (message, endpoint that takes its type), each
//! written only if it is not there yet, so a stream record read twice (Lambda reads streams
//! at least once; a retried batch) makes no second delivery. It sends nothing itself: the
//! sender picks new deliveries up from the due index within a second, so a slow endpoint
//! never holds up the stream, and with it every other shop's messages.

use std::collections::BTreeMap;

use domain::ShopId;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::{json, Value};
use store::webhooks::{self as stored, Message};
use store::{keys, StoreError};

pub const OPERATION: &str = "webhook-fanout";

/// Deliveries written at once (each one PutItem).
const CONCURRENT_WRITES: usize = 16;

/// The message items among a stream batch's records (inserts only).
pub fn message_items(event: &Value) -> Result<Vec<(ShopId, Vec<Message>)>, StoreError> {
    event["Records"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["eventName"] == "INSERT")
        .filter(|r| r["dynamodb"]["NewImage"]["entity_type"]["S"] == "webhook_messages")
        .map(|r| {
            let image = &r["dynamodb"]["NewImage"];
            let text = |attr: &str| image[attr]["S"].as_str().unwrap_or_default();
            stored::decode_messages(text("shop"), text("messages"))
        })
        .collect()
}

/// Fans a stream batch out: one read of the shops' endpoints, then the deliveries. Any
/// failure fails the batch (the writes are idempotent, so the retry only adds what is
/// missing).
pub async fn handle(
    ctx: &api::Ctx,
    event: &Value,
) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let items = message_items(event)?;
    let shops: BTreeMap<String, ShopId> = items
        .iter()
        .map(|(shop, _)| (shop.as_str().to_owned(), shop.clone()))
        .collect();
    if shops.is_empty() {
        return Ok(json!({"batchItemFailures": [], "deliveries": 0}));
    }
    let read: Vec<_> = shops.values().map(keys::webhooks).collect();
    let snapshot = ctx.store.load(&read).await?;
    let mut deliveries = Vec::new();
    for (shop, messages) in &items {
        let endpoints = stored::read(&snapshot, shop)?;
        for m in messages {
            for e in &endpoints.items {
                let to_it = match &m.only_to {
                    // A test goes to the endpoint it names, whatever its filter.
                    Some(only) => *only == e.endpoint_id,
                    None => e.wants(&m.kind),
                };
                if to_it {
                    deliveries.push(stored::new_delivery(shop, &e.endpoint_id, m));
                }
            }
        }
    }
    let total = deliveries.len();
    let created: Vec<bool> = stream::iter(deliveries)
        .map(|d| ctx.store.create_delivery(d))
        .buffer_unordered(CONCURRENT_WRITES)
        .try_collect()
        .await?;
    let new = created.iter().filter(|c| **c).count();
    tracing::info!(
        operation = OPERATION,
        messages = items.iter().map(|(_, m)| m.len()).sum::<usize>(),
        deliveries = total,
        new,
        "fanned out"
    );
    Ok(json!({"batchItemFailures": [], "deliveries": total, "new": new}))
}

#[cfg(test)]
mod tests {
    /// The sample event (`cargo lambda invoke --data-file events/stream.json`) is read as
    /// the fan-out reads the stream: one shop, one message, with its id and data.
    #[test]
    fn the_sample_stream_event_holds_one_message() {
        let text = include_str!("../events/stream.json");
        let event: serde_json::Value = serde_json::from_str(text).unwrap();
        let items = super::message_items(&event).unwrap();
        assert_eq!(items.len(), 1);
        let (shop, messages) = &items[0];
        assert_eq!(shop.as_str(), "s1");
        assert_eq!(messages[0].kind, "points.earned");
        assert_eq!(messages[0].data["order_id"], "o1");
        assert_eq!(messages[0].only_to, None);
    }
}
