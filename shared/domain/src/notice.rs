//! What a member is told about (001 store credit, 003 levels and stored value): the
//! notices an operation writes to the outbox and the notifier sends.

/// What a member is told about their store credit (001).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Issued,
    Used,
    Expiring,
    Refund,
    /// 003: the member's level changed by a paid upgrade (with its reward).
    LevelUpgraded,
    /// 003: a stored-value recharge landed (the notifier may have no mail for it).
    Recharge,
    /// API 1.3: a held coupon ends within 3 days.
    CouponExpiring,
}

impl Event {
    pub fn as_str(&self) -> &'static str {
        match self {
            Event::Issued => "credit_issued",
            Event::Used => "credit_used",
            Event::Expiring => "credit_expiring",
            Event::Refund => "refund_to_credit",
            Event::LevelUpgraded => "level_upgraded",
            Event::Recharge => "value_recharged",
            Event::CouponExpiring => "coupon_expiring",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Event::Issued,
            Event::Used,
            Event::Expiring,
            Event::Refund,
            Event::LevelUpgraded,
            Event::Recharge,
            Event::CouponExpiring,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }
}
