//! Points-for-gifts rules (003) in one item, and each gift's stock as a conditional counter
//! in its own partition.

use std::collections::HashMap;

use domain::exchange::{self, ExchangeRule};
use domain::ShopId;
use serde_json::Value;

use crate::item;
use crate::keys;
use crate::{Cond, Snapshot, StoreError, Write};

pub fn read_rules(
    snapshot: &Snapshot,
    shop: &ShopId,
) -> Result<(Vec<ExchangeRule>, u64), StoreError> {
    let Some(found) = snapshot.get(&keys::exchange_rules(shop)) else {
        return Ok((Vec::new(), 0));
    };
    let v: Value = serde_json::from_str(item::get_s(found, "rules")?)
        .map_err(|_| StoreError::Corrupt("exchange rules".into()))?;
    let rules =
        exchange::parse(&v).map_err(|e| StoreError::Corrupt(format!("exchange rules: {e}")))?;
    Ok((rules, item::get_u64_or_zero(found, "version")?))
}

pub fn put_rules(shop: &ShopId, rules: &[ExchangeRule], read_version: u64) -> Write {
    let mut it = item::with_key(&keys::exchange_rules(shop), "exchange_rules");
    it.insert("rules".into(), item::s(exchange::view(rules).to_string()));
    it.insert("version".into(), item::n(read_version + 1));
    Write::Put {
        item: it,
        cond: Cond::Version(read_version),
    }
}

/// Sets what is left of a gift (setting the rules sets the stock).
pub fn set_stock(shop: &ShopId, rule_id: &str, stock: u64) -> Write {
    Write::Update {
        key: keys::gift_stock(shop, rule_id),
        update: "SET stock = :s".into(),
        condition: None,
        names: HashMap::new(),
        values: HashMap::from([(":s".to_owned(), item::n(stock))]),
    }
}

/// One gift out, only while there is one: concurrent exchanges never give more than stock.
pub fn take_stock(shop: &ShopId, rule_id: &str) -> Write {
    Write::Update {
        key: keys::gift_stock(shop, rule_id),
        update: "SET stock = stock - :one".into(),
        condition: Some("stock >= :one".into()),
        names: HashMap::new(),
        values: HashMap::from([(":one".to_owned(), item::n(1))]),
    }
}

pub fn read_stock(
    snapshot: &Snapshot,
    shop: &ShopId,
    rule_id: &str,
) -> Result<Option<i64>, StoreError> {
    snapshot
        .get(&keys::gift_stock(shop, rule_id))
        .map(|it| item::get_i64(it, "stock"))
        .transpose()
}
