//! Purchases at the edge: opening one (a paid card's or a level's), and settling one
//! without stock.
//!
//! Opening a purchase (a paid card's or a level's): a member has at most one open purchase
//! of a target at a time (API 1.3 "Safety"). Buying again while one is pending answers that
//! purchase (200, the same `purchase_id`), so one customer cannot hold a paid card's stock
//! by buying it again and again (security review, issue 31).

use domain::chrono::{DateTime, Utc};
use domain::purchase::{PaymentOutcome, Purchase, PurchaseStatus, Unpaid};
use domain::{MemberId, ShopId};
use store::{keys, purchases, Key, Snapshot};

use crate::error::ApiError;
use crate::exec::Decision;

/// The keys a purchase request reads besides its own (the member's open-purchase record
/// and, once known, the purchase it names), and what it found there.
pub struct Lookup {
    pub target: String,
    /// The purchase the record names, once a round has read it.
    known: Option<String>,
    /// A purchase the record names that this round did not read: read it next round (a
    /// second round trip only for a repeated purchase).
    unread: Option<String>,
}

impl Lookup {
    pub fn new(target: String) -> Self {
        Lookup {
            target,
            known: None,
            unread: None,
        }
    }

    pub fn keys(&self, shop: &ShopId, member: &MemberId) -> Vec<Key> {
        let mut read = vec![keys::open_purchase(shop, member, &self.target)];
        if let Some(id) = &self.known {
            read.push(keys::purchase(shop, id));
        }
        read
    }

    /// `Ok(version)`: nothing pending, a new purchase may open, replacing the record read
    /// at `version` (`purchases::put_open`). `Err(pending)`: the member's purchase still
    /// pending, the answer. A record naming a purchase this round did not read is
    /// `read_more()`'s error: the caller reads again (`again`).
    pub fn find(
        &mut self,
        snapshot: &Snapshot,
        shop: &ShopId,
        member: &MemberId,
        now: DateTime<Utc>,
    ) -> Result<Result<u64, Purchase>, ApiError> {
        self.unread = None;
        let Some(open) = purchases::read_open(snapshot, shop, member, &self.target)? else {
            return Ok(Ok(0));
        };
        if open.expires_at <= now {
            return Ok(Ok(open.version));
        }
        if self.known.as_deref() != Some(open.purchase_id.as_str()) {
            self.unread = Some(open.purchase_id);
            return Err(read_more());
        }
        Ok(match purchases::read(snapshot, shop, &open.purchase_id)? {
            Some(p) if p.status == PurchaseStatus::Pending && p.expires_at > now => Err(p),
            // Paid, failed or lapsed: a new purchase may open.
            _ => Ok(open.version),
        })
    }

    /// Whether the last round must be read again with the purchase the record names.
    pub fn again(&mut self) -> bool {
        match self.unread.take() {
            Some(id) => {
                self.known = Some(id);
                true
            }
            None => false,
        }
    }
}

/// The error `find` returns while the open purchase is unread, caught by `again`.
fn read_more() -> ApiError {
    ApiError::Internal("the open purchase must be read".into())
}

/// A payment event for a purchase without stock (a level, a recharge): the answer when it
/// settles nothing more (`Purchase::settle_stockless`), or `None` when it pays and the
/// caller lands its effects.
pub fn stockless(
    shop: &ShopId,
    purchase: &mut Purchase,
    outcome: PaymentOutcome,
) -> Option<Result<Decision, ApiError>> {
    use crate::render::{DUPLICATE, PROCESSED};
    purchase
        .settle_stockless(outcome)
        .map(|unpaid| match unpaid {
            Unpaid::Ignored => Decision::ok(Vec::new(), &PROCESSED),
            Unpaid::Duplicate => Decision::ok(Vec::new(), &DUPLICATE),
            Unpaid::Released => Decision::ok(vec![purchases::put(shop, purchase)], &PROCESSED),
        })
}
