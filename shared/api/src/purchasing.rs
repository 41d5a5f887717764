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
use serde_json::json;
use store::{keys, purchases, Key, Snapshot};

use crate::error::ApiError;
use crate::exec::Decision;

/// What a purchase request finds for the member's target.
#[derive(Debug)]
pub enum Open {
    /// Nothing pending: a new purchase may open, replacing the record read at this version.
    Free(u64),
    /// This purchase is pending still: the answer.
    Pending(Purchase),
    /// A purchase is recorded open that this read did not include: read it too
    /// (`Lookup::retry_with`), a second round trip only for a repeated purchase.
    Unread(String),
}

/// The keys a purchase request reads besides its own: the member's open-purchase record
/// and, once known, the purchase it names.
pub struct Lookup {
    pub target: String,
    known: Option<String>,
}

impl Lookup {
    pub fn new(target: String) -> Self {
        Lookup {
            target,
            known: None,
        }
    }

    pub fn keys(&self, shop: &ShopId, member: &MemberId) -> Vec<Key> {
        let mut read = vec![keys::open_purchase(shop, member, &self.target)];
        if let Some(id) = &self.known {
            read.push(keys::purchase(shop, id));
        }
        read
    }

    /// What the snapshot says about the member's open purchase of the target.
    pub fn find(
        &self,
        snapshot: &Snapshot,
        shop: &ShopId,
        member: &MemberId,
        now: DateTime<Utc>,
    ) -> Result<Open, ApiError> {
        let Some(open) = purchases::read_open(snapshot, shop, member, &self.target)? else {
            return Ok(Open::Free(0));
        };
        if open.expires_at <= now {
            return Ok(Open::Free(open.version));
        }
        if self.known.as_deref() != Some(open.purchase_id.as_str()) {
            return Ok(Open::Unread(open.purchase_id));
        }
        Ok(match purchases::read(snapshot, shop, &open.purchase_id)? {
            Some(p) if p.status == PurchaseStatus::Pending && p.expires_at > now => {
                Open::Pending(p)
            }
            // Paid, failed or lapsed: a new purchase may open.
            _ => Open::Free(open.version),
        })
    }

    /// After `Open::Unread`: the next read includes that purchase.
    pub fn retry_with(&mut self, purchase_id: String) {
        self.known = Some(purchase_id);
    }
}

/// The error `decide` returns with `Open::Unread`, caught by the handler's loop.
pub fn read_more() -> ApiError {
    ApiError::Internal("the open purchase must be read".into())
}

/// A payment event for a purchase without stock (a level, a recharge): the answer when it
/// settles nothing more (`Purchase::settle_stockless`), or `None` when it pays and the
/// caller lands its effects.
pub fn stockless(
    shop: &ShopId,
    purchase: &mut Purchase,
    outcome: PaymentOutcome,
) -> Option<Decision> {
    let processed = json!({"status": "processed"});
    purchase
        .settle_stockless(outcome)
        .map(|unpaid| match unpaid {
            Unpaid::Ignored => Decision::ok(Vec::new(), processed),
            Unpaid::Duplicate => Decision::ok(Vec::new(), json!({"status": "duplicate"})),
            Unpaid::Released => Decision::ok(vec![purchases::put(shop, purchase)], processed),
        })
}
