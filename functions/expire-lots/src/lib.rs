//! Scheduled (hourly): writes the ledger entries for lots that expired and pending points
//! that became spendable, found through the due index. Balances never wait for this job
//! (every read and write already ignores expired lots and counts released holds); it makes
//! the ledger say so without anyone touching the account. The yearly points reset (003) is
//! an expiry at the end of 31 December, so on 1 January this job is the reset.

use std::collections::BTreeMap;

use api::postings::Posting;
use domain::chrono::{DateTime, Days, Duration, Utc};
use domain::{AccountKind, Decimal};
use serde_json::{json, Value};
use store::accounts::{self, Due, StoredQuantity};
use store::{keys, outbox, settings, StoreError, Write};

pub const OPERATION: &str = "expire-lots";
pub const ACTOR: &str = "system:expire-lots";
/// How far ahead members are told their credit expires (001: 5 days).
pub const NOTICE_DAYS: i64 = 5;

/// Settles every account due today or yesterday (UTC), each in its own transaction
/// conditioned on the account's version: a member operation that settles it first wins,
/// and the sweep skips it.
pub async fn sweep(ctx: &api::Ctx, now: DateTime<Utc>) -> Result<Value, StoreError> {
    let today = now.date_naive();
    let (mut settled, mut skipped) = (0u64, 0u64);
    for day in [today.checked_sub_days(Days::new(1)).unwrap_or(today), today] {
        for due in ctx.store.due_accounts(day, now).await? {
            let writes = match due.kind {
                AccountKind::Points => settle::<i64>(ctx, &due, now).await?,
                AccountKind::Credit => settle::<Decimal>(ctx, &due, now).await?,
            };
            if writes.is_empty() {
                skipped += 1;
                continue;
            }
            match ctx.store.commit(writes).await {
                Ok(()) => settled += 1,
                Err(e) if e.is_race() => skipped += 1,
                Err(e) => return Err(e),
            }
        }
    }
    // 001: members hear about credit expiring in 5 days. The due index lists accounts by
    // their next expiry; one notice per account and expiry date, written once.
    let mut notices = 0u64;
    let soon = now + Duration::days(NOTICE_DAYS);
    for due in ctx.store.due_accounts(soon.date_naive(), soon).await? {
        if due.kind != AccountKind::Credit || due.at <= now {
            continue;
        }
        let id = format!("expiring-{}", due.at.format("%Y%m%dT%H%M%S"));
        let notice = outbox::Notice {
            shop: &due.shop,
            member: &due.member,
            id: &id,
            event: outbox::Event::Expiring,
            payload: json!({"expires_at": due.at.to_rfc3339()}),
            at: now,
        };
        match ctx.store.commit(vec![outbox::put(&notice, true)]).await {
            Ok(()) => notices += 1,
            Err(e) if e.is_race() => {}
            Err(e) => return Err(e),
        }
    }
    tracing::info!(operation = OPERATION, settled, skipped, notices, "swept");
    Ok(json!({"settled": settled, "skipped": skipped, "expiring_notices": notices}))
}

/// One read (the account and the shop's settings), and the writes that settle it.
async fn settle<Q: StoredQuantity>(
    ctx: &api::Ctx,
    due: &Due,
    now: DateTime<Utc>,
) -> Result<Vec<Write>, StoreError> {
    let key = keys::account(&due.shop, &due.member, due.kind);
    let snapshot = ctx
        .store
        .load(&[key.clone(), keys::settings(&due.shop)])
        .await?;
    let Some(found) = snapshot.get(&key) else {
        return Ok(Vec::new());
    };
    let mut account = accounts::decode::<Q>(found)?;
    let read_version = account.version();
    let links = BTreeMap::from([("job".to_owned(), OPERATION.to_owned())]);
    let moves = account.write_off_expired(due.kind, &links, now);
    if moves.is_empty() {
        return Ok(Vec::new());
    }
    let settings = settings::read(&snapshot, &due.shop)?;
    let posting = Posting {
        shop: &due.shop,
        member: &due.member,
        actor: ACTOR,
        currency: settings.as_ref().map(|s| &s.currency),
        now,
    };
    let mut writes = Vec::new();
    let mut ids = api::entry_ids(now, moves.len()).into_iter();
    let account = account.bumped_once(read_version);
    posting.post(
        due.kind,
        &account,
        read_version,
        moves,
        &mut ids,
        &mut writes,
    );
    Ok(writes)
}
