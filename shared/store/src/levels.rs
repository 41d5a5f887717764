//! The shop's level ladder (003): one item, the ladder as the API's own JSON (parsed by the
//! same codec as the request), versioned for conditional writes. And the index of profiles
//! whose level changes by time alone, for the hourly job.

use domain::chrono::{DateTime, NaiveDate, Utc};
use domain::level::Ladder;
use domain::{Currency, MemberId, ShopId};
use serde_json::Value;

use crate::item;
use crate::keys::{self, GSI2PK, GSI2SK};
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
            let mut start = None;
            loop {
                let page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(keys::GSI2)
                    .key_condition_expression("#pk = :pk AND #sk <= :until")
                    .expression_attribute_names("#pk", GSI2PK)
                    .expression_attribute_names("#sk", GSI2SK)
                    .expression_attribute_values(":pk", item::s(keys::level_due_pk(day, shard)))
                    .expression_attribute_values(
                        ":until",
                        item::s(format!("{}#~", item::sortable_time(until))),
                    )
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(crate::sdk)?;
                for it in page.items.unwrap_or_default() {
                    let pk = item::get_s(&it, keys::PK)?;
                    out.push(
                        keys::parse_member_pk(pk)
                            .ok_or_else(|| StoreError::Corrupt(format!("profile key {pk}")))?,
                    );
                }
                match page.last_evaluated_key {
                    Some(k) => start = Some(k),
                    None => break,
                }
            }
        }
        Ok(out)
    }
}
