//! The expiring notice: members whose lots expire within `NOTICE_DAYS` are told once.
//! Apart from the sweep that expires lots, which runs on its own schedule.

use super::NOTICE_DAYS;
use domain::chrono::{DateTime, Days, Duration, Utc};
use domain::{AccountKind, Decimal};
use serde_json::json;
use store::accounts::{self};
use store::{outbox, StoreError};

/// 001: members hear about credit expiring in 5 days, and the shop's webhook endpoints
/// about points and credit expiring then (`points.expiring`, `credit.expiring`). The due
/// index lists each account under its earliest due instant, so every account with a lot
/// expiring by then is in the partitions from today to the day 5 days ahead; each lot
/// expiring on that day gets one notice and one message, written together and once (their
/// keys come from the lot, so a rerun of the day sends nothing twice).
/// One lot's notice: the member told of expiring credit once (the outbox item's id is the
/// lot's expiry), and the shop's endpoints told when they take `kind`.
pub(crate) fn expiring_writes(
    due: &store::accounts::Due,
    kind: &str,
    told: bool,
    at: DateTime<Utc>,
    shown: api::render::Amount,
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
            let Some(super::Reread {
                found, settings, ..
            }) = super::reread(ctx, &due).await?
            else {
                continue;
            };
            let told = settings
                .as_ref()
                .is_some_and(|s| domain::webhook::shop_wants(&s.webhook_types, kind));
            if due.kind == AccountKind::Points && !told {
                continue;
            }
            let currency = settings.as_ref().map(|s| s.currency);
            let expiring: Vec<(DateTime<Utc>, Decimal)> = match due.kind {
                AccountKind::Points => accounts::decode::<i64>(&found)?
                    .expiring_lots()
                    .map(|(at, n)| (at, Decimal::from(n)))
                    .collect(),
                _ => accounts::decode::<Decimal>(&found)?
                    .expiring_lots()
                    .collect(),
            };
            for (at, amount) in expiring
                .into_iter()
                .filter(|(at, _)| at.date_naive() == target)
            {
                let shown = api::render::Amount::new(due.kind, amount, currency.as_ref());
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
