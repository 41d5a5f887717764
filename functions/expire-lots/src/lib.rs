//! Scheduled (hourly): writes the ledger entries for lots that expired and pending points
//! that became spendable, found through the due index. Balances never wait for this job
//! (every read and write already ignores expired lots and counts released holds); it makes
//! the ledger say so without anyone touching the account. The yearly points reset (003) is
//! an expiry at the end of 31 December, so on 1 January this job is the reset. It also
//! applies level changes that time alone makes (003: pending upgrades at local midnight,
//! lapsed validities), with the same pure function every read and write applies. Once a
//! day it closes the report counters' past months (`close`).

use std::collections::BTreeMap;

use api::work::Work;
use domain::chrono::{DateTime, Days, Timelike, Utc};
use domain::{AccountKind, Decimal};
use serde_json::{json, Value};
use store::accounts::{self, Due, StoredQuantity};
use store::{keys, settings, StoreError, Write};

mod levels;
pub use levels::settle_levels;

mod notice;
pub use notice::notify_expiring;

mod close;
pub use close::close_months;

mod coupon_notice;
pub use coupon_notice::notify_coupons_expiring;

pub const OPERATION: &str = "expire-lots";
pub const ACTOR: &str = "system:expire-lots";
/// How far ahead members are told their credit expires (001: 5 days).
pub const NOTICE_DAYS: i64 = 5;

/// Settles every account due today or yesterday (UTC), each in its own transaction
/// conditioned on the account's version: a member operation that settles it first wins,
/// and the sweep skips it.
pub async fn sweep(ctx: &api::Ctx, now: DateTime<Utc>) -> Result<Value, StoreError> {
    let today = now.date_naive();
    let mut count = Count::default();
    for day in [today.checked_sub_days(Days::new(1)).unwrap_or(today), today] {
        for due in ctx.store.due_accounts(day, now).await? {
            let writes = match due.kind {
                AccountKind::Points => settle::<i64>(ctx, &due, now).await?,
                AccountKind::Credit | AccountKind::Value => {
                    settle::<Decimal>(ctx, &due, now).await?
                }
            };
            count.commit(ctx, writes).await?;
        }
    }
    let Count { settled, skipped } = count;
    let (levels_settled, levels_skipped) = levels::settle_levels(ctx, now).await?;
    // The first run of each UTC day tells members about credit expiring 5 days later.
    let notices = if now.hour() == 0 {
        notify_expiring(ctx, now).await? + notify_coupons_expiring(ctx, now).await?
    } else {
        0
    };
    tracing::info!(
        operation = OPERATION,
        settled,
        skipped,
        levels_settled,
        levels_skipped,
        notices,
        "swept"
    );
    Ok(
        json!({"settled": settled, "skipped": skipped, "expiring_notices": notices,
              "levels_settled": levels_settled, "levels_skipped": levels_skipped}),
    )
}

/// What a sweep did: members settled, and members skipped (nothing was due any more, or a
/// member operation settled them first).
#[derive(Default)]
pub(crate) struct Count {
    pub(crate) settled: u64,
    pub(crate) skipped: u64,
}

impl Count {
    /// Commits one member's settling; a lost race is a skip (the operation that won it
    /// settled the member), and so is nothing to write.
    pub(crate) async fn commit(
        &mut self,
        ctx: &api::Ctx,
        writes: Vec<Write>,
    ) -> Result<(), StoreError> {
        if writes.is_empty() {
            self.skipped += 1;
            return Ok(());
        }
        match ctx.store.commit(writes).await {
            Ok(()) => self.settled += 1,
            Err(e) if e.is_race() => self.skipped += 1,
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

/// A due account as it is now, with its shop's settings (one read); `None` once it is gone.
pub(crate) async fn reread(ctx: &api::Ctx, due: &Due) -> Result<Option<Reread>, StoreError> {
    let key = keys::account(&due.shop, &due.member, due.kind);
    let snapshot = ctx
        .store
        .load(&[key.clone(), keys::settings(&due.shop)])
        .await?;
    let settings = settings::read(&snapshot, &due.shop)?;
    let Some(found) = snapshot.get(&key).cloned() else {
        return Ok(None);
    };
    Ok(Some(Reread {
        snapshot,
        found,
        settings,
    }))
}

/// What `reread` found: the account's item as stored (erased or not: an erased member's
/// lots were forfeited, so nothing is left to expire), the read, and the shop's settings.
pub(crate) struct Reread {
    pub(crate) snapshot: store::Snapshot,
    pub(crate) found: store::Item,
    pub(crate) settings: Option<domain::Settings>,
}

/// One read (the account and the shop's settings), and the writes that settle it.
async fn settle<Q: StoredQuantity>(
    ctx: &api::Ctx,
    due: &Due,
    now: DateTime<Utc>,
) -> Result<Vec<Write>, StoreError> {
    let Some(read) = reread(ctx, due).await? else {
        return Ok(Vec::new());
    };
    let mut account = accounts::decode::<Q>(&read.found)?;
    let links = BTreeMap::from([("job".to_owned(), OPERATION.to_owned())]);
    let moves = account.write_off_expired(due.kind, &links, now);
    if moves.is_empty() {
        return Ok(Vec::new());
    }
    let who = api::Acting {
        shop: due.shop.clone(),
        member: due.member.clone(),
        actor: ACTOR.to_owned(),
    };
    let mut work = Work::with(&who, &read.snapshot, now, read.settings);
    work.post(due.kind, &account, moves);
    // With the report counters and points.expired for the shop's endpoints, in the same
    // transaction.
    Ok(work.into_commit())
}
