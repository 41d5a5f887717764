//! The shop's level ladder (003): one item, the ladder as the API's own JSON (parsed by the
//! same codec as the request), versioned for conditional writes. And the index of profiles
//! whose level changes by time alone, for the hourly job.

use domain::chrono::{DateTime, NaiveDate, Utc};
use domain::level::Ladder;
use domain::{Currency, MemberId, ShopId};
use serde_json::Value;

use crate::item;
use crate::keys;
use crate::{Cond, Snapshot, Store, StoreError, Write};

/// The ladder and the version it was read at (0: none yet).
pub fn read(
    snapshot: &Snapshot,
    shop: &ShopId,
    currency: &Currency,
) -> Result<(Option<Ladder>, u64), StoreError> {
    let Some(found) = snapshot.get(&keys::levels(shop)) else {
        return Ok((None, 0));
    };
    let version = item::get_u64_or_zero(found, "version")?;
    let v: Value = serde_json::from_str(item::get_s(found, "ladder")?)
        .map_err(|_| StoreError::Corrupt("level ladder".into()))?;
    let ladder = domain::level_document::parse(&v, currency)
        .map_err(|e| StoreError::Corrupt(format!("level ladder: {e}")))?;
    Ok((Some(ladder), version))
}

pub fn put(shop: &ShopId, ladder: &Ladder, currency: &Currency, read_version: u64) -> Write {
    let mut it = item::with_key(&keys::levels(shop), "levels");
    it.insert(
        "ladder".into(),
        item::s(domain::level_document::view(ladder, currency).to_string()),
    );
    it.insert("version".into(), item::n(read_version + 1));
    Write::Put {
        item: it,
        cond: Cond::Version(read_version),
    }
}

impl Store {
    /// Members whose level changes by time alone on UTC `day`, by `until`: one Query per
    /// shard of the sparse index, no scan.
    pub async fn due_levels(
        &self,
        day: NaiveDate,
        until: DateTime<Utc>,
    ) -> Result<Vec<(ShopId, MemberId)>, StoreError> {
        let mut out = Vec::new();
        for shard in 0..keys::DUE_SHARDS {
            let pk = keys::level_due_pk(day, shard);
            for it in self.due_index(&pk, &item::sortable_time(until)).await? {
                let pk = item::get_s(&it, keys::PK)?;
                out.push(
                    keys::parse_member_pk(pk)
                        .ok_or_else(|| StoreError::Corrupt(format!("profile key {pk}")))?,
                );
            }
        }
        Ok(out)
    }
}
