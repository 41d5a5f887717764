//! The due index read once per sweep: every shard's due deliveries and their shops'
//! endpoints in one batch read.

use super::PER_SHARD;
use domain::chrono::{DateTime, Utc};
use domain::webhook::Endpoint;
use domain::ShopId;
use std::collections::BTreeMap;
use store::webhooks::{self as stored, Stored};
use store::{keys, Snapshot, StoreError};

/// Every due delivery of every shard, and the endpoints of their shops (one batch read).
pub(crate) async fn due(
    ctx: &api::Ctx,
    now: DateTime<Utc>,
) -> Result<(Vec<Stored>, Snapshot), StoreError> {
    let mut all = Vec::new();
    for shard in 0..keys::DUE_SHARDS {
        all.extend(ctx.store.due_deliveries(shard, now, PER_SHARD).await?);
    }
    let shops: BTreeMap<&str, &ShopId> = all.iter().map(|d| (d.shop.as_str(), &d.shop)).collect();
    let read: Vec<_> = shops.values().map(|s| keys::webhooks(s)).collect();
    let snapshot = if read.is_empty() {
        Snapshot::of([])
    } else {
        ctx.store.load(&read).await?
    };
    Ok((all, snapshot))
}

pub(crate) fn endpoint_of(snapshot: &Snapshot, d: &Stored) -> Result<Option<Endpoint>, StoreError> {
    Ok(stored::read(snapshot, &d.shop)?
        .get(&d.endpoint_id)
        .cloned())
}
