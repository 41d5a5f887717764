//! Orders as the loyalty side sees them: what was earned and redeemed for them, and how much
//! of them has been refunded, so reversals are proportional and never exceed the grant.

use chrono::{DateTime, Utc};

use crate::{Decimal, Money, Portion};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Order {
    pub member_id: Option<String>,
    pub currency: Option<String>,
    pub total: Option<Money>,
    pub placed_at: Option<DateTime<Utc>>,
    pub accrued: bool,
    pub points_earned: i64,
    pub earned_expires_at: Option<DateTime<Utc>>,
    pub points_clawed_back: i64,
    pub refunded: Money,
    /// Points redeemed at checkout, by the lot they came from, for restoring on refund.
    pub redeemed: Vec<Portion<i64>>,
    pub points_restored: i64,
    pub credit_redeemed: Money,
    /// The part of `points_earned` a return takes back (003: only the level multiplier is
    /// reversed, not the birthday, holiday, period or card extra).
    pub points_reversible: i64,
    /// Points accrued on hold (pending) for this order, released at their time.
    pub points_held: bool,
    /// Credit the order's rules granted, by the lot it went into, for proportional clawback.
    pub credit_granted: Vec<Portion<Decimal>>,
    pub credit_clawed_back: Money,
    /// Money the merchant refunded to credit for this order (never above its total).
    pub refunded_to_credit: Money,
    pub version: u64,
}

impl Order {
    pub fn credit_granted_total(&self) -> Decimal {
        self.credit_granted.iter().map(|p| p.amount).sum()
    }

    pub fn points_redeemed(&self) -> i64 {
        self.redeemed.iter().map(|p| p.amount).sum()
    }
}
