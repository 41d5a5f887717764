//! Notifications as outbox items, written in the same transaction as the change they tell
//! about; the notifier function reads them from the table's stream, so none is sent for a
//! change that did not commit and none is lost for one that did.

use domain::chrono::{DateTime, Duration, Utc};
use domain::{MemberId, ShopId};

use crate::item::{self, Item};
use crate::keys;
use crate::{Cond, Write};

/// Outbox items go away after a week; the stream has them long before.
const KEEP_DAYS: i64 = 7;

/// The event type is the domain's (`domain::notice`); re-exported for the writers here.
pub use domain::notice::Event;

/// A notification to write: `id` makes it unique (an entry id, or a date for the daily
/// expiring notice so the hourly job writes it once).
pub struct Notice<'a> {
    pub shop: &'a ShopId,
    pub member: &'a MemberId,
    pub id: &'a str,
    pub event: Event,
    pub payload: serde_json::Value,
    pub at: DateTime<Utc>,
}

pub fn item_of(n: &Notice<'_>) -> Item {
    let mut it = item::with_key(&keys::outbox(n.shop, n.member, n.id), "outbox");
    it.insert("shop".into(), item::s(n.shop.as_str()));
    it.insert("member_id".into(), item::s(n.member.as_str()));
    it.insert("event".into(), item::s(n.event.as_str()));
    it.insert("payload".into(), item::s(n.payload.to_string()));
    it.insert("at".into(), item::time(n.at));
    it.insert(
        "ttl".into(),
        item::n((n.at + Duration::days(KEEP_DAYS)).timestamp()),
    );
    it
}

/// The outbox write; `once` makes a second write of the same notice fail instead of
/// sending it twice.
/// A notice for the member, in the transaction of the change it tells about (001: credit
/// issued, used, refunded to credit); its id is drawn here.
pub fn notify(
    shop: &ShopId,
    member: &MemberId,
    event: Event,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Write {
    let id = crate::ids::entry_ids(at, 1).remove(0);
    put(
        &Notice {
            shop,
            member,
            id: id.as_str(),
            event,
            payload,
            at,
        },
        false,
    )
}

/// `notify`, only when the shop sends this notice (`credit_program::notify_enabled`) by
/// the credit program in `snapshot`: an operation that read the program writes no notice
/// the notifier would drop (2 WCU each, BENCHMARKS.md "Capacity"). Only for operations
/// that read the credit program; the notifier still checks the switch when it sends.
pub fn notify_if(
    snapshot: &crate::Snapshot,
    shop: &ShopId,
    member: &MemberId,
    event: Event,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Option<Write> {
    crate::credit_program::notify_enabled(snapshot, shop, event)
        .then(|| notify(shop, member, event, payload, at))
}

pub fn put(n: &Notice<'_>, once: bool) -> Write {
    Write::Put {
        item: item_of(n),
        cond: if once { Cond::NotExists } else { Cond::None },
    }
}
