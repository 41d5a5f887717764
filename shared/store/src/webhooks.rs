//! Outbound webhooks (API 1.2, DESIGN "Version 1.2"): the shop's endpoints (one
//! configuration item, copied like the rest), the messages an operation writes in its own
//! transaction, and one delivery item per (message, endpoint) with its place in the sparse
//! due index.

use std::collections::HashMap;

use domain::chrono::{DateTime, Duration, Utc};
use domain::webhook::{Delivery, DeliveryStatus, Disabled, Endpoint, Endpoints, Secret};
use domain::ShopId;
use serde_json::{json, Value};

use crate::item::{self, Item};
use crate::keys::{self, Key, GSI1, GSI1PK, GSI1SK};
use crate::{sdk, Cond, Snapshot, Store, StoreError, Write};

/// Message items go after a week; the stream has had them long before.
const MESSAGES_KEEP_DAYS: i64 = 7;
/// Delivery items (and the frozen body they carry) expire 30 days after the message.
const DELIVERY_KEEP_DAYS: i64 = 30;
/// A claimed delivery is not due again for this long: longer than an attempt (15 s) and its
/// record, so two sweepers never send it at once, and a sweeper that died mid-attempt hands
/// it on.
pub const CLAIM_LEASE: Duration = Duration::seconds(60);

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("webhook endpoints: {what}"))
}

fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(domain::chrono::SecondsFormat::Millis, true)
}

fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn endpoint_json(e: &Endpoint) -> Value {
    json!({
        "endpoint_id": e.endpoint_id,
        "url": e.url,
        "events": e.events,
        "description": e.description,
        "disabled": e.disabled.map(|d| d.as_str()),
        "secret": e.secret.encode(),
        "previous": e.previous.as_ref().map(|(s, until)| json!({"secret": s.encode(), "until": time_text(*until)})),
        "failing_since": e.failing_since.map(time_text),
        "created_at": time_text(e.created_at),
    })
}

fn endpoint_of(v: &Value) -> Option<Endpoint> {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(Endpoint {
        endpoint_id: text("endpoint_id")?,
        url: text("url")?,
        events: v
            .get("events")?
            .as_array()?
            .iter()
            .filter_map(|e| e.as_str().map(str::to_owned))
            .collect(),
        description: text("description").unwrap_or_default(),
        disabled: v
            .get("disabled")
            .and_then(Value::as_str)
            .and_then(Disabled::parse),
        secret: Secret::parse(v.get("secret")?.as_str()?).ok()?,
        previous: match v.get("previous") {
            Some(p) if !p.is_null() => Some((
                Secret::parse(p.get("secret")?.as_str()?).ok()?,
                parse_time(p.get("until")?)?,
            )),
            _ => None,
        },
        failing_since: v.get("failing_since").and_then(parse_time),
        created_at: parse_time(v.get("created_at")?)?,
    })
}

/// The shop's endpoints as read (version 0 and none when it never had one).
pub fn read(snapshot: &Snapshot, shop: &ShopId) -> Result<Endpoints, StoreError> {
    let Some(found) = snapshot.get(&keys::webhooks(shop)) else {
        return Ok(Endpoints::default());
    };
    let list: Vec<Value> = serde_json::from_str(item::get_s(found, "endpoints")?)
        .map_err(|e| corrupt(&e.to_string()))?;
    Ok(Endpoints {
        items: list
            .iter()
            .map(|v| endpoint_of(v).ok_or_else(|| corrupt("an endpoint")))
            .collect::<Result<_, _>>()?,
        version: item::get_u64_or_zero(found, "version")?,
    })
}

/// `endpoints.version` is the new version; the write is conditioned on the one before.
pub fn put(shop: &ShopId, endpoints: &Endpoints) -> Write {
    let mut it = item::with_key(&keys::webhooks(shop), "webhooks");
    let list: Vec<Value> = endpoints.items.iter().map(endpoint_json).collect();
    it.insert("endpoints".into(), item::s(Value::Array(list).to_string()));
    it.insert("version".into(), item::n(endpoints.version));
    Write::Put {
        item: it,
        cond: Cond::Version(endpoints.version.saturating_sub(1)),
    }
}

/// The writes that store `endpoints` as changed from the version read, with the settings
/// (read as `current`) when the set of types enabled endpoints take changed: operations
/// learn from the settings whether to write messages at all.
pub fn put_with_types(
    shop: &ShopId,
    mut endpoints: Endpoints,
    current: Option<&domain::Settings>,
) -> Vec<Write> {
    endpoints.version += 1;
    let mut writes = vec![put(shop, &endpoints)];
    if let Some(current) = current {
        let types = endpoints.subscribed_types();
        if types != current.webhook_types {
            let mut next = current.clone();
            next.webhook_types = types;
            next.version += 1;
            writes.push(crate::settings::put(shop, &next));
        }
    }
    writes
}

/// One message of an operation: its type and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub message_id: String,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub data: Value,
    /// Only to this endpoint (a test message); `None`: every endpoint that takes the type.
    pub only_to: Option<String>,
}

impl Message {
    /// The body every attempt sends, frozen when the delivery is created.
    pub fn body(&self) -> String {
        json!({"type": self.kind, "timestamp": time_text(self.at), "data": self.data}).to_string()
    }
}

/// The messages of one operation, as the item its transaction writes. The ids come from
/// the item's own id, so every reading of it (a stream record delivered twice) names the
/// same messages.
pub fn messages_item(shop: &ShopId, messages: &[Message], at: DateTime<Utc>) -> Option<Write> {
    let first = messages.first()?;
    let id = first
        .message_id
        .split('.')
        .next()
        .unwrap_or(&first.message_id);
    let mut it = item::with_key(&keys::webhook_messages(shop, id), "webhook_messages");
    it.insert("shop".into(), item::s(shop.as_str()));
    let list: Vec<Value> = messages
        .iter()
        .map(|m| {
            json!({"message_id": m.message_id, "type": m.kind, "at": time_text(m.at),
                   "data": m.data, "only_to": m.only_to})
        })
        .collect();
    it.insert("messages".into(), item::s(Value::Array(list).to_string()));
    it.insert("at".into(), item::time(at));
    it.insert(
        "ttl".into(),
        item::n((at + Duration::days(MESSAGES_KEEP_DAYS)).timestamp()),
    );
    Some(Write::Put {
        item: it,
        cond: Cond::NotExists,
    })
}

/// Message ids for `n` messages of one operation: `msg_<sortable id>.<i>`.
pub fn message_ids(at: DateTime<Utc>, n: usize) -> Vec<String> {
    let base = crate::ids::entry_ids(at, 1).remove(0);
    (0..n)
        .map(|i| format!("msg_{}.{i}", base.as_str()))
        .collect()
}

/// The messages of a message item, from its `shop` and `messages` attributes (the stream's
/// new image carries them as strings).
pub fn decode_messages(shop: &str, messages: &str) -> Result<(ShopId, Vec<Message>), StoreError> {
    let shop = ShopId::parse(shop).map_err(|e| corrupt(&e.to_string()))?;
    let list: Vec<Value> = serde_json::from_str(messages).map_err(|e| corrupt(&e.to_string()))?;
    let messages = list
        .iter()
        .map(|v| {
            Some(Message {
                message_id: v.get("message_id")?.as_str()?.to_owned(),
                kind: v.get("type")?.as_str()?.to_owned(),
                at: parse_time(v.get("at")?)?,
                data: v.get("data")?.clone(),
                only_to: v.get("only_to").and_then(Value::as_str).map(str::to_owned),
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| corrupt("a message"))?;
    Ok((shop, messages))
}

/// A message's delivery to one endpoint, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub key: Key,
    pub shop: ShopId,
    pub endpoint_id: String,
    pub message_id: String,
    pub kind: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub delivery: Delivery,
    pub version: u64,
}

fn due_shard(message_id: &str) -> u32 {
    keys::due_shard(message_id)
}

/// The attributes that place a delivery in the due index, or remove it from there.
fn due_attrs(d: &Delivery, message_id: &str) -> Option<(String, String)> {
    d.next_attempt_at.map(|at| {
        (
            keys::webhook_due_pk(due_shard(message_id)),
            keys::webhook_due_sk(at.timestamp_millis(), message_id),
        )
    })
}

/// A new delivery of `message` to `endpoint_id`, written only if there is none yet.
pub fn new_delivery(shop: &ShopId, endpoint_id: &str, message: &Message) -> Item {
    let created = message.at;
    let key = keys::delivery(
        shop,
        endpoint_id,
        created.timestamp_millis(),
        &message.message_id,
    );
    let delivery = Delivery::new(created);
    let mut it = item::with_key(&key, "webhook_delivery");
    it.insert("shop".into(), item::s(shop.as_str()));
    it.insert("endpoint_id".into(), item::s(endpoint_id));
    it.insert("message_id".into(), item::s(&message.message_id));
    it.insert("type".into(), item::s(&message.kind));
    it.insert("body".into(), item::s(message.body()));
    it.insert("created_at".into(), item::time(created));
    it.insert(
        "ttl".into(),
        item::n((created + Duration::days(DELIVERY_KEEP_DAYS)).timestamp()),
    );
    it.insert("status".into(), item::s(delivery.status.as_str()));
    it.insert("attempts".into(), item::n(0));
    it.insert("version".into(), item::n(1));
    if let Some(at) = delivery.next_attempt_at {
        it.insert("next_attempt_at".into(), item::time(at));
    }
    if let Some((pk, sk)) = due_attrs(&delivery, &message.message_id) {
        it.insert(GSI1PK.into(), item::s(pk));
        it.insert(GSI1SK.into(), item::s(sk));
    }
    it
}

pub fn decode_delivery(found: &Item) -> Result<Stored, StoreError> {
    let key = item::key_of(found).ok_or_else(|| corrupt("a delivery key"))?;
    let status = DeliveryStatus::parse(item::get_s(found, "status")?)
        .ok_or_else(|| corrupt("a delivery status"))?;
    Ok(Stored {
        key,
        shop: ShopId::parse(item::get_s(found, "shop")?).map_err(|e| corrupt(&e.to_string()))?,
        endpoint_id: item::get_s(found, "endpoint_id")?.to_owned(),
        message_id: item::get_s(found, "message_id")?.to_owned(),
        kind: item::get_s(found, "type")?.to_owned(),
        body: item::get_s(found, "body")?.to_owned(),
        created_at: item::get_time(found, "created_at")?,
        delivery: Delivery {
            status,
            attempts: u32::try_from(item::get_u64_or_zero(found, "attempts")?).unwrap_or(u32::MAX),
            last_status_code: item::get_u64_or_zero(found, "last_status_code")
                .ok()
                .filter(|c| *c > 0)
                .and_then(|c| u16::try_from(c).ok()),
            next_attempt_at: found
                .get("next_attempt_at")
                .map(|_| item::get_time(found, "next_attempt_at"))
                .transpose()?,
        },
        version: item::get_u64_or_zero(found, "version")?,
    })
}

/// One page of an endpoint's deliveries, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Stored>,
    /// The sort key to continue after, when more may follow.
    pub next: Option<String>,
}

impl Store {
    /// Writes a delivery unless the message already has one at that endpoint: `false` when
    /// it had (a stream record read again).
    pub async fn create_delivery(&self, delivery: Item) -> Result<bool, StoreError> {
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(delivery))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        written(out)
    }

    /// Deliveries due by `now` in one shard of the due index, oldest due first.
    pub async fn due_deliveries(
        &self,
        shard: u32,
        now: DateTime<Utc>,
        limit: i32,
    ) -> Result<Vec<Stored>, StoreError> {
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("#pk = :pk AND #sk <= :until")
            .expression_attribute_names("#pk", GSI1PK)
            .expression_attribute_names("#sk", GSI1SK)
            .expression_attribute_values(":pk", item::s(keys::webhook_due_pk(shard)))
            .expression_attribute_values(
                ":until",
                item::s(keys::webhook_due_until(now.timestamp_millis())),
            )
            .limit(limit)
            .send()
            .await
            .map_err(sdk)?;
        page.items
            .unwrap_or_default()
            .iter()
            .map(decode_delivery)
            .collect()
    }

    /// Moves a delivery to `next` if it is still at `version` (nobody else claimed or
    /// recorded it meanwhile): `false` when it was not.
    pub async fn set_delivery(&self, stored: &Stored, next: &Delivery) -> Result<bool, StoreError> {
        let mut values: Item = HashMap::from([
            (":v".to_owned(), item::n(stored.version)),
            (":next_v".to_owned(), item::n(stored.version + 1)),
            (":status".to_owned(), item::s(next.status.as_str())),
            (":attempts".to_owned(), item::n(next.attempts)),
        ]);
        let mut set = vec![
            "version = :next_v",
            "#status = :status",
            "attempts = :attempts",
        ];
        let mut remove = Vec::new();
        match next.last_status_code {
            Some(code) => {
                values.insert(":code".into(), item::n(code));
                set.push("last_status_code = :code");
            }
            None => remove.push("last_status_code"),
        }
        match (next.next_attempt_at, due_attrs(next, &stored.message_id)) {
            (Some(at), Some((pk, sk))) => {
                values.insert(":at".into(), item::time(at));
                values.insert(":gpk".into(), item::s(pk));
                values.insert(":gsk".into(), item::s(sk));
                set.extend(["next_attempt_at = :at", "GSI1PK = :gpk", "GSI1SK = :gsk"]);
            }
            _ => remove.extend(["next_attempt_at", "GSI1PK", "GSI1SK"]),
        }
        let mut update = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            update.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(item::key_attrs(&stored.key)))
            .update_expression(update)
            .condition_expression("version = :v")
            .expression_attribute_names("#status", "status")
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        written(out)
    }

    /// One page of an endpoint's deliveries, newest first (`since`: only those created from
    /// then on). The partition always comes from the caller's shop.
    pub async fn deliveries_page(
        &self,
        shop: &ShopId,
        endpoint_id: &str,
        limit: i32,
        after: Option<&str>,
        since: Option<DateTime<Utc>>,
    ) -> Result<Page, StoreError> {
        let pk = keys::deliveries_pk(shop, endpoint_id);
        let from = since.map_or_else(
            || "DLV#".to_owned(),
            |s| keys::deliveries_since(s.timestamp_millis()),
        );
        let mut query = self
            .newest_first(limit)
            .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
            .expression_attribute_values(":pk", item::s(&pk))
            .expression_attribute_values(":from", item::s(from))
            .expression_attribute_values(":to", item::s("DLV#~"));
        if let Some(sk) = after {
            if !sk.starts_with("DLV#") {
                return Err(StoreError::Corrupt("a deliveries cursor".into()));
            }
            query = query
                .exclusive_start_key("PK", item::s(&pk))
                .exclusive_start_key("SK", item::s(sk));
        }
        let out = query.send().await.map_err(sdk)?;
        let items = out
            .items
            .unwrap_or_default()
            .iter()
            .map(decode_delivery)
            .collect::<Result<Vec<_>, _>>()?;
        let next = out
            .last_evaluated_key
            .and_then(|k| k.get("SK").and_then(|v| v.as_s().ok()).cloned());
        Ok(Page { items, next })
    }
}

/// A conditional single-item write's outcome: `false` when its condition failed (someone
/// was there first), an error for anything else.
fn written<O, E, R>(
    out: Result<O, aws_sdk_dynamodb::error::SdkError<E, R>>,
) -> Result<bool, StoreError>
where
    E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match out {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .and_then(|s| s.code())
                .is_some_and(|c| c == "ConditionalCheckFailedException") =>
        {
            Ok(false)
        }
        Err(e) => Err(sdk(e)),
    }
}
