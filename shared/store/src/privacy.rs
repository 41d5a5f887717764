//! What erasure and the data access request read (API 1.2 "Erasure and access"): every
//! item of a member's own partition, and items as plain JSON.

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};
use domain::{MemberId, ShopId};
use serde_json::{Map, Value};

use crate::item::Item;
use crate::keys;
use crate::{backoff, Key, Store, StoreError};

/// Attributes that are the table's plumbing, not data about anyone.
const PLUMBING: [&str; 8] = [
    keys::PK,
    keys::SK,
    keys::GSI1PK,
    keys::GSI1SK,
    keys::GSI2PK,
    keys::GSI2SK,
    keys::LSI1SK,
    "ttl",
];

/// An item as plain JSON: strings, numbers (exact, as their text), sets and maps.
pub fn plain(found: &Item) -> Value {
    let mut out = Map::new();
    let mut names: Vec<&String> = found
        .keys()
        .filter(|k| !PLUMBING.contains(&k.as_str()))
        .collect();
    names.sort();
    for name in names {
        out.insert(name.clone(), value(&found[name]));
    }
    Value::Object(out)
}

fn value(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => n
            .parse::<serde_json::Number>()
            .map_or_else(|_| Value::String(n.clone()), Value::Number),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::Ss(list) => list.iter().cloned().map(Value::String).collect(),
        AttributeValue::Ns(list) => list.iter().cloned().map(Value::String).collect(),
        AttributeValue::L(list) => list.iter().map(value).collect(),
        AttributeValue::M(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), value(v))).collect())
        }
        _ => Value::Null,
    }
}

/// The erasure's record: its answer (a repeat answers the same), why, who and when. Written
/// once (`attribute_not_exists`), with the erasure.
pub fn erasure_record(
    shop: &ShopId,
    member: &MemberId,
    answer: &Value,
    reason: &str,
    actor: &str,
    at: domain::chrono::DateTime<domain::chrono::Utc>,
) -> crate::Write {
    let mut record = crate::item::with_key(&keys::erasure(shop, member), "erasure");
    record.insert("answer".into(), crate::item::s(answer.to_string()));
    record.insert("reason".into(), crate::item::s(reason));
    record.insert("actor".into(), crate::item::s(actor));
    record.insert("erased_at".into(), crate::item::time(at));
    crate::Write::Put {
        item: record,
        cond: crate::Cond::NotExists,
    }
}

/// The first erasure's answer, when the member was erased before.
pub fn erased_answer(
    snapshot: &crate::Snapshot,
    shop: &ShopId,
    member: &MemberId,
) -> Result<Option<Value>, StoreError> {
    let Some(done) = snapshot.get(&keys::erasure(shop, member)) else {
        return Ok(None);
    };
    let text = crate::item::get_s(done, "answer")?;
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| StoreError::Corrupt(format!("erasure answer: {e}")))
}

/// Marks every account write in `writes` erased at `at`: later writes to them answer 409
/// `member_erased` (`accounts::read`).
pub fn mark_accounts_erased(
    writes: &mut [crate::Write],
    at: domain::chrono::DateTime<domain::chrono::Utc>,
) {
    for w in writes {
        if let crate::Write::Put { item, .. } = w {
            if crate::item::opt_s(item, "entity_type") == Some("account") {
                item.insert(crate::accounts::ERASED.into(), crate::item::time(at));
            }
        }
    }
}

/// What an item of a member's partition holds, as the access export sorts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    Profile,
    Ledger,
    /// An account.
    Account(domain::AccountKind),
    /// A pending notice (an outbox item).
    Notice,
    /// Anything else, by its sort key.
    Other(String),
}

/// What `it` is: the one place an item's entity type is read by name for a member's data.
pub fn held(it: &Item) -> Held {
    let (pk, sk) = (
        crate::item::opt_s(it, keys::PK).unwrap_or_default(),
        crate::item::opt_s(it, keys::SK).unwrap_or_default(),
    );
    match crate::item::opt_s(it, "entity_type").unwrap_or_default() {
        "profile" => Held::Profile,
        "ledger" => Held::Ledger,
        "account" => match keys::parse_account(pk, sk) {
            Some((_, _, kind)) => Held::Account(kind),
            None => Held::Other(sk.to_owned()),
        },
        "outbox" => Held::Notice,
        _ => Held::Other(sk.to_owned()),
    }
}

/// Deletes an item (a pending notice) with the erasure, whatever it holds.
pub fn delete(key: &Key) -> crate::Write {
    crate::Write::Delete {
        key: key.clone(),
        condition: None,
        values: Default::default(),
    }
}

impl Store {
    /// The keys of the member's pending notices (outbox items waiting in their partition),
    /// which an erasure deletes.
    pub async fn pending_notices(
        &self,
        shop: &ShopId,
        member: &MemberId,
    ) -> Result<Vec<Key>, StoreError> {
        let items = self.member_items(shop, member).await?;
        Ok(items
            .iter()
            .filter(|it| held(it) == Held::Notice)
            .filter_map(crate::item::key_of)
            .collect())
    }

    /// Every item of the member's partition (profile, accounts, ledger, markers, pending
    /// notices, the erasure record), strongly consistent, all pages.
    pub async fn member_items(
        &self,
        shop: &ShopId,
        member: &MemberId,
    ) -> Result<Vec<Item>, StoreError> {
        // Sort keys are upper-case words, `#` and digits: between a space and `~` lies
        // every one of them (a key condition cannot hold an empty string).
        self.partition(&keys::member_pk(shop, member), " ", "~")
            .await
    }

    /// Deletes every item of `keys` (an erased member's pending notices beyond those its
    /// erasure's transaction carried), 25 to a BatchWriteItem, unprocessed ones again.
    /// Deleting an item already gone changes nothing, so a repeated erasure may call it again.
    pub async fn delete_all(&self, keys: &[Key]) -> Result<(), StoreError> {
        for chunk in keys.chunks(25) {
            let mut requests: Vec<WriteRequest> = chunk
                .iter()
                .map(|k| {
                    let delete = DeleteRequest::builder()
                        .set_key(Some(crate::item::key_attrs(k)))
                        .build()
                        .map_err(|e| StoreError::Failed(e.to_string()))?;
                    Ok(WriteRequest::builder().delete_request(delete).build())
                })
                .collect::<Result<_, StoreError>>()?;
            for attempt in 0..8 {
                if requests.is_empty() {
                    break;
                }
                if attempt > 0 {
                    backoff(attempt).await;
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, std::mem::take(&mut requests))
                    .send()
                    .await
                    .map_err(crate::sdk)?;
                requests = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
            }
            if !requests.is_empty() {
                return Err(StoreError::Unavailable(
                    "BatchWriteItem left items unprocessed after retries".into(),
                ));
            }
        }
        Ok(())
    }
}
