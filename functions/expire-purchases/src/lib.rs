//! Scheduled (every minute): purchases whose reservation lapsed unpaid become expired and
//! give their unit of stock back (000). A payment that still arrives later takes stock
//! again if there is any, or is marked for refund.

use domain::chrono::{DateTime, Days, Utc};
use serde_json::{json, Value};
use store::purchases::{self, PurchaseStatus};
use store::{cards, Store, StoreError};

pub const OPERATION: &str = "expire-purchases";

/// Releases every lapsed reservation of today and yesterday (UTC days of the expiry), each in
/// its own transaction conditioned on the purchase still being as read: a payment that
/// settles it meanwhile wins, and the sweep skips it.
pub async fn sweep(store: &Store, now: DateTime<Utc>) -> Result<Value, StoreError> {
    let today = now.date_naive();
    let mut expired = 0u64;
    let mut skipped = 0u64;
    for day in [today.checked_sub_days(Days::new(1)).unwrap_or(today), today] {
        for (shop, purchase) in store.lapsed_purchases(day, now).await? {
            if purchase.status != PurchaseStatus::Pending {
                continue;
            }
            let card_id = purchase.card_id.clone();
            let mut lapsed = purchase;
            lapsed.status = PurchaseStatus::Expired;
            let mut writes = vec![purchases::put(&shop, &lapsed)];
            // A level bought or a recharge (003) has no stock to give back.
            if store::ids::target_level(&card_id).is_none()
                && store::ids::target_recharge(&card_id).is_none()
            {
                // To the shard it came from (the sweep reads no definition; a unit that
                // lands on a shard a shrunk card no longer has is folded back by the next
                // stock edit, and still counted in the card's stock).
                writes.push(cards::return_stock(&shop, &card_id, lapsed.stock_shard));
            }
            match store.commit(writes).await {
                Ok(()) => expired += 1,
                Err(e) if e.is_race() => skipped += 1,
                Err(e) => return Err(e),
            }
        }
    }
    tracing::info!(operation = OPERATION, expired, skipped, "swept");
    Ok(json!({"expired": expired, "skipped": skipped}))
}
