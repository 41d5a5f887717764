//! The monthly close of the report counters (issue 34): for every listed shop, each shard's
//! months that ended at least a whole shop-local day ago are sealed and their balances
//! carried, so a balances report reads its period and at most a month more, whatever the
//! shop's age. Runs once a day; a shop it has not reached yet is reported exactly all the
//! same, reading further back.

use domain::chrono::{DateTime, Utc};
use domain::report;
use serde_json::{json, Value};
use store::{keys, settings, StoreError};

/// Months one run closes per shard and shop at most: a shop that predates the close (the
/// backfill script carries those at once) is caught up over a few days, no run long.
pub const MONTHS_PER_RUN: u32 = 12;

/// Closes every listed shop's closable months. A shop that fails is logged and left for the
/// next run; the others go on.
pub async fn close_months(ctx: &api::Ctx, now: DateTime<Utc>) -> Result<Value, StoreError> {
    let (mut months, mut failed) = (0u64, 0u64);
    let shops = ctx.store.shops().await?;
    for shop in &shops {
        match close_shop(ctx, shop, now).await {
            Ok(n) => months += n,
            Err(e) => {
                failed += 1;
                tracing::error!(shop = %shop, error = %e, "closing the report months failed");
            }
        }
    }
    Ok(json!({"shops": shops.len(), "months_closed": months, "shops_failed": failed}))
}

async fn close_shop(
    ctx: &api::Ctx,
    shop: &domain::ShopId,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let snapshot = ctx.store.load(&[keys::settings(shop)]).await?;
    let Some(settings) = settings::read(&snapshot, shop)? else {
        return Ok(0);
    };
    let through = report::last_closable(settings.timezone.local_date(now));
    let shards = (0..keys::REPORT_SHARDS)
        .map(|shard| ctx.store.close_months(shop, shard, through, MONTHS_PER_RUN));
    Ok(futures::future::try_join_all(shards)
        .await?
        .into_iter()
        .map(u64::from)
        .sum())
}
