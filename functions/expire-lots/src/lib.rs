//! Scheduled (hourly): writes the ledger entries for lots that expired and pending points
//! that became spendable, found through the due index. Balances never wait for this job
//! (every read and write already ignores expired lots and counts released holds); it makes
//! the ledger say so without anyone touching the account. The yearly points reset (003) is
//! an expiry at the end of 31 December, so on 1 January this job is the reset. It also
//! applies level changes that time alone makes (003: pending upgrades at local midnight,
//! lapsed validities), with the same pure function every read and write applies.

use std::collections::BTreeMap;

use api::postings::Posting;
use domain::chrono::{DateTime, Days, Duration, Timelike, Utc};
use domain::{AccountKind, Decimal};
use serde_json::{json, Value};
use store::accounts::{self, Due, StoredQuantity};
use store::{keys, outbox, settings, StoreError, Write};

mod levels;
pub use levels::settle_levels;

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
                AccountKind::Credit | AccountKind::Value => {
                    settle::<Decimal>(ctx, &due, now).await?
                }
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
    let (levels_settled, levels_skipped) = levels::settle_levels(ctx, now).await?;
    // The first run of each UTC day tells members about credit expiring 5 days later.
    let notices = if now.hour() == 0 {
        notify_expiring(ctx, now).await?
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
    posting.post(due.kind, &account, moves, &mut ids, &mut writes);
    // The report counters and points.expired for the shop's webhook endpoints, in the
    // same transaction.
    let effects = api::effects::of(settings.as_ref(), &due.shop, &writes, &[], now);
    writes.extend(effects);
    Ok(writes)
}

/// 001: members hear about credit expiring in 5 days, and the shop's webhook endpoints
/// about points and credit expiring then (`points.expiring`, `credit.expiring`). The due
/// index lists each account under its earliest due instant, so every account with a lot
/// expiring by then is in the partitions from today to the day 5 days ahead; each lot
/// expiring on that day gets one notice and one message, written together and once (their
/// keys come from the lot, so a rerun of the day sends nothing twice).
/// One lot's notice: the member told of expiring credit once (the outbox item's id is the
/// lot's expiry), and the shop's endpoints told when they take `kind`.
fn expiring_writes(
    due: &store::accounts::Due,
    kind: &str,
    told: bool,
    at: DateTime<Utc>,
    shown: serde_json::Value,
    now: DateTime<Utc>,
) -> Vec<store::Write> {
    let id = format!("expiring-{}", at.format("%Y%m%dT%H%M%S"));
    let mut writes = Vec::new();
    if due.kind == AccountKind::Credit {
        let notice = outbox::Notice {
            shop: &due.shop,
            member: &due.member,
            id: &id,
            event: outbox::Event::Expiring,
            payload: json!({"amount": shown, "expires_at": at.to_rfc3339()}),
            at: now,
        };
        writes.push(outbox::put(&notice, true));
    }
    if told {
        let message = store::webhooks::Message {
            message_id: format!("msg_{id}-{}-{}.0", due.kind.as_str(), due.member.as_str()),
            kind: kind.to_owned(),
            at: now,
            data: api::webhooks::with_shop(
                &due.shop,
                json!({"member_id": due.member.as_str(), "account": due.kind.as_str(),
                       "amount": shown, "expires_at": api::render::instant(at)}),
            ),
            only_to: None,
        };
        writes.extend(store::webhooks::messages_item(&due.shop, &[message], now));
    }
    writes
}

pub async fn notify_expiring(ctx: &api::Ctx, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let target = (now + Duration::days(NOTICE_DAYS)).date_naive();
    let until = target.and_hms_opt(23, 59, 59).map_or(now, |t| t.and_utc());
    let mut notices = 0u64;
    let today = now.date_naive();
    for day in (0..=NOTICE_DAYS.unsigned_abs()).filter_map(|d| today.checked_add_days(Days::new(d)))
    {
        for due in ctx.store.due_accounts(day, until).await? {
            let kind = match due.kind {
                AccountKind::Credit => "credit.expiring",
                AccountKind::Points => "points.expiring",
                AccountKind::Value => continue,
            };
            let key = keys::account(&due.shop, &due.member, due.kind);
            let snapshot = ctx
                .store
                .load(&[key.clone(), keys::settings(&due.shop)])
                .await?;
            let Some(found) = snapshot.get(&key) else {
                continue;
            };
            let settings = settings::read(&snapshot, &due.shop)?;
            let told = settings
                .as_ref()
                .is_some_and(|s| domain::webhook::shop_wants(&s.webhook_types, kind));
            if due.kind == AccountKind::Points && !told {
                continue;
            }
            let currency = settings.as_ref().map(|s| s.currency);
            let expiring: Vec<(DateTime<Utc>, Decimal)> = match due.kind {
                AccountKind::Points => accounts::decode::<i64>(found)?
                    .expiring_lots()
                    .map(|(at, n)| (at, Decimal::from(n)))
                    .collect(),
                _ => accounts::decode::<Decimal>(found)?
                    .expiring_lots()
                    .collect(),
            };
            for (at, amount) in expiring
                .into_iter()
                .filter(|(at, _)| at.date_naive() == target)
            {
                let shown = api::render::amount(due.kind, amount, currency.as_ref());
                let writes = expiring_writes(&due, kind, told, at, shown, now);
                match ctx.store.commit(writes).await {
                    Ok(()) => notices += 1,
                    Err(e) if e.is_race() => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(notices)
}
