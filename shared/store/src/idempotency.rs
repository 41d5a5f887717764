//! Idempotency records: written in the same transaction as the change they guard, with the
//! response to replay.

use domain::chrono::{DateTime, TimeDelta, Utc};
use domain::{IdempotencyKey, ShopId};

use crate::item::{self, Item};
use crate::keys;
use crate::{Cond, Snapshot, StoreError, Write};

/// How long a key is remembered. Clients retry within minutes; a day covers outages.
pub const RETENTION: TimeDelta = TimeDelta::hours(24);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The record for `key`, unless it is past its TTL at `now` (DynamoDB deletes expired items
/// lazily).
pub fn read(
    snapshot: &Snapshot,
    shop: &ShopId,
    key: &IdempotencyKey,
    now: DateTime<Utc>,
) -> Result<Option<Record>, StoreError> {
    let Some(found) = snapshot.get(&keys::idempotency(shop, key)) else {
        return Ok(None);
    };
    let expires = item::get_i64(found, "ttl")?;
    let created_at = item::get_time(found, "created_at")?;
    if expires < now.timestamp() {
        return Ok(None);
    }
    Ok(Some(Record {
        request_hash: item::get_s(found, "request_hash")?.to_owned(),
        status: u16::try_from(item::get_i64(found, "status")?)
            .map_err(|_| StoreError::Corrupt("status".into()))?,
        body: item::get_s(found, "body")?.to_owned(),
        created_at,
    }))
}

/// The record's write. `attribute_not_exists` makes concurrent duplicates lose: exactly one
/// transaction carrying this key commits.
pub fn put(shop: &ShopId, key: &IdempotencyKey, record: &Record) -> Write {
    let mut it: Item = item::with_key(&keys::idempotency(shop, key), "idempotency");
    it.insert("request_hash".into(), item::s(&record.request_hash));
    it.insert("status".into(), item::n(record.status));
    it.insert("body".into(), item::s(&record.body));
    it.insert("created_at".into(), item::time(record.created_at));
    it.insert(
        "ttl".into(),
        item::n((record.created_at + RETENTION).timestamp()),
    );
    Write::Put {
        item: it,
        // A record past its TTL that DynamoDB has not deleted yet may be taken over.
        cond: Cond::NotExistsOrExpired(record.created_at.timestamp()),
    }
}
