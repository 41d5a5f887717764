//! What an operation costs in DynamoDB capacity units, by DynamoDB's item-size rules: every
//! item a BatchGetItem or Query returned is sized, and every item a TransactWriteItems
//! names is sized after the call (the larger of before and after, as DynamoDB charges).
//!
//! - Item size: per attribute, the name's UTF-8 length plus the value's size: strings their
//!   UTF-8 length, numbers 1 byte plus 1 per two significant digits, binary its length,
//!   booleans and null 1 byte, lists and maps 3 bytes plus 1 per element plus the
//!   elements (a map's element also its key).
//! - Reads, strongly consistent: 1 RCU per 4 KB per item (BatchGetItem, an item not found
//!   still 1), a Query 1 RCU per 4 KB of everything it returned.
//! - Transactional writes: 2 WCU per KB per item, condition checks included.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::operation::batch_get_item::{BatchGetItemInput, BatchGetItemOutput};
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use store::item::key_of;
use store::{Item, Key, Store};

/// The size DynamoDB gives an attribute value, in bytes.
pub fn value_size(v: &AttributeValue) -> u64 {
    match v {
        AttributeValue::S(s) => s.len() as u64,
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len() as u64,
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(l) => l.iter().map(|s| s.len() as u64).sum(),
        AttributeValue::Ns(l) => l.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(l) => l.iter().map(|b| b.as_ref().len() as u64).sum(),
        AttributeValue::L(l) => 3 + l.iter().map(|e| 1 + value_size(e)).sum::<u64>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, e)| 1 + k.len() as u64 + value_size(e))
                .sum::<u64>()
        }
        _ => 0,
    }
}

fn number_size(n: &str) -> u64 {
    let digits: String = n.chars().filter(char::is_ascii_digit).collect();
    let significant = digits
        .trim_start_matches('0')
        .trim_end_matches('0')
        .len()
        .max(1);
    significant.div_ceil(2) as u64 + 1 + u64::from(n.starts_with('-'))
}

/// An item's size: its attribute names and values.
pub fn item_size(item: &Item) -> u64 {
    item.iter()
        .map(|(name, v)| name.len() as u64 + value_size(v))
        .sum()
}

/// One item a transaction wrote, and how.
#[derive(Debug, Clone)]
pub struct Written {
    pub key: Key,
    pub how: &'static str,
    /// The size the request itself shows (a put's item), else 0 until measured.
    pub put_size: u64,
    /// WCU per KB: 2 in a transaction, 1 for a single PutItem or UpdateItem.
    pub per_kb: u64,
}

#[derive(Debug, Default)]
struct Seen {
    read_items: Vec<(Key, u64)>,
    keys_asked: u64,
    query_bytes: Vec<u64>,
    written: Vec<Written>,
}

/// An interceptor that records what each call read and wrote.
#[derive(Debug, Clone, Default)]
pub struct Meter {
    seen: Arc<Mutex<Seen>>,
}

/// One operation's capacity: reads (RCU), the items written with their sizes and WCU.
#[derive(Debug, Clone, Default)]
pub struct Cost {
    pub rcu: u64,
    pub items_read: u64,
    pub writes: Vec<(Key, &'static str, u64, u64)>,
}

impl Cost {
    pub fn wcu(&self) -> u64 {
        self.writes.iter().map(|w| w.3).sum()
    }

    /// WCU of the written items whose key matches none of `overhead` (sort-key prefixes).
    pub fn wcu_without(&self, overhead: &[&str]) -> u64 {
        self.writes
            .iter()
            .filter(|(k, how, _, _)| {
                *how != "check" && !overhead.iter().any(|o| k.sk.starts_with(o))
            })
            .map(|w| w.3)
            .sum()
    }

    /// What each written item is, by its sort key's first word, with its WCU.
    pub fn by_kind(&self) -> BTreeMap<String, (u64, u64)> {
        let mut kinds = BTreeMap::new();
        for (key, how, _, wcu) in &self.writes {
            let kind = match key.sk.split('#').next().unwrap_or("") {
                // A card's claim and return records are keyed by time.
                k if k.starts_with(|c: char| c.is_ascii_digit()) => "RECORD".to_owned(),
                k => k.to_owned(),
            };
            let kind = if *how == "check" {
                format!("{kind}(check)")
            } else {
                kind
            };
            let e = kinds.entry(kind).or_insert((0, 0));
            e.0 += 1;
            e.1 += wcu;
        }
        kinds
    }
}

impl Meter {
    /// A store on `store`'s client and table that reports to this meter.
    pub fn store(&self, store: &Store) -> Store {
        let conf = store
            .client()
            .config()
            .to_builder()
            .interceptor(self.clone());
        Store::from_conf(conf, store.table().to_owned())
    }

    pub fn reset(&self) {
        if let Ok(mut s) = self.seen.lock() {
            *s = Seen::default();
        }
    }

    /// The cost of what was recorded since the last reset; written items are sized as the
    /// table holds them now (and as they were when read, whichever is larger).
    pub async fn cost(&self, store: &Store) -> Cost {
        let seen = std::mem::take(&mut *self.seen.lock().unwrap());
        let mut cost = Cost {
            items_read: seen.read_items.len() as u64,
            ..Cost::default()
        };
        let found = seen.read_items.len() as u64;
        cost.rcu += seen
            .read_items
            .iter()
            .map(|(_, size)| size.div_ceil(4096).max(1))
            .sum::<u64>();
        // Keys asked for and not found still cost 1 RCU each.
        cost.rcu += seen.keys_asked.saturating_sub(found);
        cost.rcu += seen
            .query_bytes
            .iter()
            .map(|b| b.div_ceil(4096).max(1))
            .sum::<u64>();
        let before: HashMap<&Key, u64> = seen.read_items.iter().map(|(k, s)| (k, *s)).collect();
        for w in &seen.written {
            let out = store
                .client()
                .get_item()
                .table_name(store.table())
                .set_key(Some(HashMap::from([
                    ("PK".to_owned(), AttributeValue::S(w.key.pk.clone())),
                    ("SK".to_owned(), AttributeValue::S(w.key.sk.clone())),
                ])))
                .consistent_read(true)
                .send()
                .await
                .expect("read a written item back");
            let after = out.item.as_ref().map_or(0, item_size);
            let size = after
                .max(w.put_size)
                .max(before.get(&w.key).copied().unwrap_or(0));
            cost.writes.push((
                w.key.clone(),
                w.how,
                size,
                w.per_kb * size.div_ceil(1024).max(1),
            ));
        }
        cost
    }
}

impl Intercept for Meter {
    fn name(&self) -> &'static str {
        "Meter"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut seen = self.seen.lock().map_err(|e| e.to_string())?;
        if let Some(get) = context.input().downcast_ref::<BatchGetItemInput>() {
            seen.keys_asked += get
                .request_items()
                .map_or(0, |r| r.values().map(|k| k.keys().len() as u64).sum());
        }
        if let Some(tx) = context.input().downcast_ref::<TransactWriteItemsInput>() {
            for t in tx.transact_items() {
                let (key, how, put_size) = if let Some(p) = t.put() {
                    (key_of(p.item()), "put", item_size(p.item()))
                } else if let Some(u) = t.update() {
                    (key_of(u.key()), "update", 0)
                } else if let Some(d) = t.delete() {
                    (key_of(d.key()), "delete", 0)
                } else if let Some(c) = t.condition_check() {
                    (key_of(c.key()), "check", 0)
                } else {
                    continue;
                };
                if let Some(key) = key {
                    seen.written.push(Written {
                        key,
                        how,
                        put_size,
                        per_kb: 2,
                    });
                }
            }
        }
        // Single-item writes (webhook deliveries): 1 WCU per KB.
        if let Some(p) = context.input().downcast_ref::<PutItemInput>() {
            if let Some(key) = p.item().and_then(key_of) {
                let put_size = p.item().map_or(0, item_size);
                seen.written.push(Written {
                    key,
                    how: "put",
                    put_size,
                    per_kb: 1,
                });
            }
        }
        if let Some(u) = context.input().downcast_ref::<UpdateItemInput>() {
            if let Some(key) = u.key().and_then(key_of) {
                seen.written.push(Written {
                    key,
                    how: "update",
                    put_size: 0,
                    per_kb: 1,
                });
            }
        }
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };
        let mut seen = self.seen.lock().map_err(|e| e.to_string())?;
        if let Some(got) = output.downcast_ref::<BatchGetItemOutput>() {
            for items in got.responses().map(|r| r.values()).into_iter().flatten() {
                for it in items {
                    if let Some(key) = key_of(it) {
                        seen.read_items.push((key, item_size(it)));
                    }
                }
            }
        }
        if let Some(q) = output.downcast_ref::<QueryOutput>() {
            seen.query_bytes.push(q.items().iter().map(item_size).sum());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Seed: DynamoDB's documented item sizes ("Item sizes and formats").
    #[test]
    fn sizes_follow_dynamodbs_rules() {
        assert_eq!(value_size(&AttributeValue::S("héllo".into())), 6);
        assert_eq!(value_size(&AttributeValue::N("12345".into())), 4);
        assert_eq!(value_size(&AttributeValue::N("-0.0012300".into())), 4);
        assert_eq!(value_size(&AttributeValue::N("0".into())), 2);
        assert_eq!(value_size(&AttributeValue::Bool(true)), 1);
        let m = AttributeValue::M(HashMap::from([(
            "ab".to_owned(),
            AttributeValue::S("xyz".into()),
        )]));
        assert_eq!(value_size(&m), 3 + 1 + 2 + 3);
        let l = AttributeValue::L(vec![
            AttributeValue::S("a".into()),
            AttributeValue::Bool(false),
        ]);
        assert_eq!(value_size(&l), 3 + 2 + 1 + 1);
        let item: Item = HashMap::from([
            ("PK".to_owned(), AttributeValue::S("SHOP#s".into())),
            ("n".to_owned(), AttributeValue::N("10".into())),
        ]);
        assert_eq!(item_size(&item), 2 + 6 + 1 + 2);
    }
}
