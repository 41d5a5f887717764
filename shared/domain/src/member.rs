//! The member: their profile (held cards, the cards ever claimed, running totals, level,
//! registration details, credit card number). Balances are the accounts (account.rs).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::cards::{MemberCard, MemberTotals};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    pub cards: BTreeMap<String, MemberCard>,
    /// Every card the member ever claimed, kept after returns and deletions so a free card's
    /// gift pack comes only once (000).
    pub claimed: BTreeSet<String>,
    /// Cumulative paid spend and order count, kept by accrual (and refunds) for rule cards
    /// and levels.
    pub totals: MemberTotals,
    /// The rule card that is the member's level, with its name for reads.
    pub level: Option<(String, String)>,
    pub birthday: Option<NaiveDate>,
    pub registered_at: Option<DateTime<Utc>>,
    /// The member's store-credit card number, generated at their first credit.
    pub credit_card_no: Option<String>,
    /// Where notifications go (given at registration).
    pub email: Option<String>,
    pub version: u64,
}
