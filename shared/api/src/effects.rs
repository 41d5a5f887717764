//! What an operation's ledger entries bring with them into its transaction: the movement
//! counters the reports read (API 1.2 "Reports") and the messages the shop's webhook
//! endpoints take (`crate::webhooks`). Every path that commits ledger entries adds these:
//! `exec::execute`, the expiry job, the members import.

use domain::chrono::{DateTime, Utc};
use domain::{Settings, ShopId, ShopTz};
use serde_json::Value;
use store::{Snapshot, Write};

/// The writes that go with `writes` (and the operation's named `events`).
/// `before` is what the operation read, where it may change wallets (the coupons report
/// counts each change against the wallet as read).
pub fn of(
    settings: Option<&Settings>,
    shop: &ShopId,
    (writes, before): (&[Write], Option<&Snapshot>),
    events: &[(&'static str, Value)],
    now: DateTime<Utc>,
) -> Vec<Write> {
    // A shop without settings has no zone yet: its days are UTC days.
    let tz = settings.map_or_else(ShopTz::utc, |s| s.timezone);
    let mut out = store::reports::counter_writes(shop, tz, writes, before, now);
    out.extend(crate::webhooks::messages(
        settings, shop, writes, events, now,
    ));
    out
}
