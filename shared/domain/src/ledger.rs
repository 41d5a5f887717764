//! Ledger entries: every change to a balance, with why, who and what it belongs to. The
//! entries of an account sum to its balance.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// Which balance an account holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountKind {
    Points,
    Credit,
    /// 003 会员储值: stored value, money the member paid in (plus recharge gifts); never
    /// expires.
    Value,
}

impl AccountKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            AccountKind::Points => "points",
            AccountKind::Credit => "credit",
            AccountKind::Value => "value",
        }
    }

    /// Credit and stored value are money in the shop's currency; points are whole numbers.
    pub fn is_money(&self) -> bool {
        *self != AccountKind::Points
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "points" => Some(AccountKind::Points),
            "credit" => Some(AccountKind::Credit),
            "value" => Some(AccountKind::Value),
            _ => None,
        }
    }
}

/// What kind of movement an entry records. `reason` carries the human text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Adjustment,
    Expiry,
    GiftPack,
    Accrual,
    Redemption,
    Refund,
    /// 003: the reward of a paid level upgrade.
    LevelReward,
    /// 003: a stored-value recharge and its gifts.
    Recharge,
    /// 003: an opening balance brought from another system by a member import.
    Import,
    /// What was still open when the member's data was erased (API 1.2 "Erasure").
    Forfeit,
}

impl EntryKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            EntryKind::Adjustment => "adjustment",
            EntryKind::Expiry => "expiry",
            EntryKind::GiftPack => "gift_pack",
            EntryKind::Accrual => "accrual",
            EntryKind::Redemption => "redemption",
            EntryKind::Refund => "refund",
            EntryKind::LevelReward => "level_reward",
            EntryKind::Recharge => "recharge",
            EntryKind::Import => "import",
            EntryKind::Forfeit => "forfeit",
        }
    }

    /// Every kind, in the order they were added.
    pub const ALL: [EntryKind; 10] = [
        EntryKind::Adjustment,
        EntryKind::Expiry,
        EntryKind::GiftPack,
        EntryKind::Accrual,
        EntryKind::Redemption,
        EntryKind::Refund,
        EntryKind::LevelReward,
        EntryKind::Recharge,
        EntryKind::Import,
        EntryKind::Forfeit,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Sortable by time: 13 digits of Unix milliseconds, then a sequence within the operation,
/// then random characters so two instances writing in the same millisecond never collide.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId(String);

impl EntryId {
    pub fn new(at: DateTime<Utc>, seq: u8, random: &str) -> Self {
        EntryId(format!(
            "{:013}{:02}{random}",
            at.timestamp_millis().max(0),
            seq
        ))
    }

    pub fn from_stored(s: String) -> Self {
        EntryId(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A decided movement, before the store gives it an id and a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub account: AccountKind,
    pub kind: EntryKind,
    /// Signed: positive adds to the balance. Points are whole numbers.
    pub amount: Decimal,
    pub balance_after: Decimal,
    pub reason: String,
    pub links: BTreeMap<String, String>,
}

/// A ledger entry as stored and listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub entry_id: EntryId,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub movement: Movement,
}
