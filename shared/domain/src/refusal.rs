//! Every business refusal, with its stable `code` and the class of answer it is, in one
//! place: the same situation always answers the same way, and no handler invents a code.
//! The HTTP edge maps `Class` to a status (shared/api error.rs) and nothing else.

use thiserror::Error;

use crate::cards::ClaimRefusal;
use crate::points::RedeemRefusal;

/// How a refusal answers: 409 (the state forbids it), 422 (the request is wrong for this
/// state), 401 (the sender could not be verified).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Conflict,
    Unprocessable,
    Unauthenticated,
    /// 404: nothing the caller may see is there (a coupon number that is not the member's
    /// reads as no coupon at all, never as someone else's).
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    /// A request that is wrong for this state (422 `invalid_request`).
    #[error("{0}")]
    Invalid(String),
    /// 004, 001: a balance would go below zero; nothing changes.
    #[error("{0}")]
    InsufficientBalance(String),
    // Cards (000, 002)
    #[error("this card is disabled")]
    CardDisabled,
    #[error("this card is sold out")]
    CardSoldOut,
    #[error("the member already holds this card")]
    CardAlreadyHeld,
    #[error("a phone number is required to claim this card")]
    PhoneRequired,
    #[error("{0}")]
    NotClaimable(String),
    /// The card's own validity (a fixed date range) has ended: it cannot be claimed.
    #[error("{0}")]
    CardExpired(String),
    /// 000: a member card whose term has ended cannot be refunded.
    #[error("an expired card cannot be refunded")]
    HeldCardExpired,
    #[error("this card was already refunded")]
    CardRefunded,
    #[error("{holders} member(s) hold this card; disable it instead")]
    CardInUse { holders: u64 },
    #[error("a shop has at most {max} card definitions")]
    CardLimitReached { max: u64 },
    // Money back and payments
    #[error("{0}")]
    RefundExceedsPaid(String),
    #[error("{0}")]
    AmountMismatch(String),
    #[error("{0}")]
    BadSignature(String),
    // Programs (001, 004)
    #[error("{0}")]
    ProgramDisabled(String),
    #[error("points cannot be redeemed at this time")]
    RedemptionClosed,
    #[error("at most {cap} points may be redeemed on this order")]
    RedemptionCapExceeded { cap: i64 },
    #[error("redeem one of the tiers: {0}")]
    NotATier(String),
    // Orders and members
    #[error("this order was already accrued with another body")]
    OrderAlreadyAccrued,
    #[error("this order belongs to another member")]
    OrderOfAnotherMember,
    #[error("registered at {at}")]
    AlreadyRegistered { at: String },
    #[error("the member has no store-credit card number yet (it comes with the first credit)")]
    NoCreditCard,
    /// 003: member numbers and phones are unique within the shop.
    #[error("member number {0} belongs to another member")]
    MemberNoTaken(String),
    /// Names the phone the caller just sent, in the answer only: a refusal is never stored
    /// (the import, whose answer is kept a day, says "this phone number": issue 31).
    #[error("phone {0} belongs to another member")]
    PhoneTaken(String),
    /// 003: the gift's stock is gone.
    #[error("this gift is out of stock")]
    GiftOutOfStock,
    /// 003: a recharge rule not open today, or not for this channel, store or level.
    #[error("{0}")]
    RuleNotApplicable(String),
    /// 003 每个会员仅限使用一次.
    #[error("this member has already used this recharge rule")]
    RuleAlreadyUsed,
    /// 000: the card named at checkout is not held, live and enabled.
    #[error("{0}")]
    CardNotUsable(String),
    /// 003: a paid upgrade must go up.
    #[error("the member's level is already at or above this one")]
    LevelNotHigher,
    #[error("the shop's currency is {current} and cannot be changed")]
    CurrencyLocked { current: String },
    /// 000: rule cards are granted by their rule, never handed out by link or QR code.
    #[error("a rule card is granted by its rule and has no claim link")]
    NoClaimLink,
    #[error("the shop has no claim_url in its settings")]
    ClaimUrlNotSet,
    // Outbound webhooks (API 1.2)
    /// The endpoint URL is not one the sender may call.
    #[error("{0}")]
    UrlNotAllowed(String),
    #[error("a shop has at most {max} webhook endpoints")]
    EndpointLimitReached { max: u64 },
    // Erasure (API 1.2)
    #[error("this member's personal data was erased")]
    MemberErased,
    #[error(
        "the member still has {0} of stored value: it is their money; refund or adjust it first"
    )]
    ValueBalanceOpen(String),
    // Cancelled orders (API 1.3)
    #[error("this order was cancelled")]
    OrderCancelled,
    #[error("this order was paid and accrued: refund it instead")]
    OrderPaid,
    // Coupons (API 1.3)
    #[error("no such coupon")]
    CouponNotFound,
    /// A gift pack, reward or recharge gift names a coupon that is not defined (422).
    #[error("{0}")]
    CouponUnknown(String),
    #[error("this coupon is disabled: it issues no more")]
    CouponDisabled,
    #[error("this coupon is not one members take themselves")]
    CouponNotClaimable,
    #[error("this coupon has none left")]
    CouponSoldOut,
    #[error("{0}")]
    CouponLimitReached(String),
    #[error("coupons of this definition were issued; disable it instead")]
    CouponInUse,
    #[error("this coupon was already used")]
    CouponUsed,
    #[error("this coupon is not valid yet")]
    CouponNotStarted,
    #[error("{0}")]
    CouponExpired(String),
    #[error("{0}")]
    CouponNotApplicable(String),
    #[error("this order already has a coupon")]
    CouponAlreadyApplied,
    #[error("{0}")]
    MinSpendNotMet(String),
}

impl Refusal {
    /// The stable code callers branch on (API.md "Errors").
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::CardDisabled => "card_disabled",
            Refusal::CardSoldOut => "card_sold_out",
            Refusal::CardAlreadyHeld => "card_already_held",
            Refusal::PhoneRequired => "phone_required",
            Refusal::NotClaimable(_) | Refusal::NotATier(_) | Refusal::Invalid(_) => {
                "invalid_request"
            }
            Refusal::InsufficientBalance(_) => "insufficient_balance",
            Refusal::CardExpired(_) | Refusal::HeldCardExpired => "card_expired",
            Refusal::CardRefunded => "card_refunded",
            Refusal::CardInUse { .. } => "card_in_use",
            Refusal::CardLimitReached { .. } => "card_limit_reached",
            Refusal::RefundExceedsPaid(_) => "refund_exceeds_paid",
            Refusal::AmountMismatch(_) => "amount_mismatch",
            Refusal::BadSignature(_) => "bad_signature",
            Refusal::ProgramDisabled(_) => "program_disabled",
            Refusal::RedemptionClosed => "redemption_closed",
            Refusal::RedemptionCapExceeded { .. } => "redemption_cap_exceeded",
            Refusal::OrderAlreadyAccrued => "order_already_accrued",
            Refusal::OrderOfAnotherMember => "order_of_another_member",
            Refusal::AlreadyRegistered { .. } => "already_registered",
            Refusal::NoCreditCard => "no_credit_card",
            Refusal::CurrencyLocked { .. } => "currency_locked",
            Refusal::LevelNotHigher => "level_not_higher",
            Refusal::CardNotUsable(_) => "card_not_usable",
            Refusal::RuleNotApplicable(_) => "rule_not_applicable",
            Refusal::RuleAlreadyUsed => "rule_already_used",
            Refusal::GiftOutOfStock => "gift_out_of_stock",
            Refusal::MemberNoTaken(_) => "member_no_taken",
            Refusal::PhoneTaken(_) => "phone_taken",
            Refusal::NoClaimLink => "not_claimable",
            Refusal::ClaimUrlNotSet => "claim_url_not_set",
            Refusal::UrlNotAllowed(_) => "url_not_allowed",
            Refusal::EndpointLimitReached { .. } => "endpoint_limit_reached",
            Refusal::MemberErased => "member_erased",
            Refusal::ValueBalanceOpen(_) => "value_balance_open",
            Refusal::OrderCancelled => "order_cancelled",
            Refusal::OrderPaid => "order_paid",
            Refusal::CouponNotFound => "not_found",
            Refusal::CouponUnknown(_) => "coupon_not_found",
            Refusal::CouponDisabled => "coupon_disabled",
            Refusal::CouponNotClaimable => "coupon_not_claimable",
            Refusal::CouponSoldOut => "coupon_sold_out",
            Refusal::CouponLimitReached(_) => "coupon_limit_reached",
            Refusal::CouponInUse => "coupon_in_use",
            Refusal::CouponUsed => "coupon_used",
            Refusal::CouponNotStarted => "coupon_not_started",
            Refusal::CouponExpired(_) => "coupon_expired",
            Refusal::CouponNotApplicable(_) => "coupon_not_applicable",
            Refusal::CouponAlreadyApplied => "coupon_already_applied",
            Refusal::MinSpendNotMet(_) => "min_spend_not_met",
        }
    }

    pub fn class(&self) -> Class {
        match self {
            Refusal::PhoneRequired
            | Refusal::Invalid(_)
            | Refusal::NotClaimable(_)
            | Refusal::NotATier(_)
            | Refusal::RefundExceedsPaid(_)
            | Refusal::AmountMismatch(_)
            | Refusal::RedemptionCapExceeded { .. }
            | Refusal::UrlNotAllowed(_)
            | Refusal::CouponUnknown(_) => Class::Unprocessable,
            Refusal::BadSignature(_) => Class::Unauthenticated,
            Refusal::CouponNotFound => Class::NotFound,
            _ => Class::Conflict,
        }
    }
}

impl From<ClaimRefusal> for Refusal {
    fn from(r: ClaimRefusal) -> Self {
        match r {
            ClaimRefusal::Disabled => Refusal::CardDisabled,
            ClaimRefusal::SoldOut => Refusal::CardSoldOut,
            ClaimRefusal::AlreadyHeld => Refusal::CardAlreadyHeld,
            ClaimRefusal::PhoneRequired => Refusal::PhoneRequired,
            ClaimRefusal::WrongKind => Refusal::NotClaimable(r.to_string()),
            ClaimRefusal::Validity(e) => Refusal::CardExpired(e.to_string()),
        }
    }
}

impl From<RedeemRefusal> for Refusal {
    fn from(r: RedeemRefusal) -> Self {
        match r {
            RedeemRefusal::Closed => Refusal::RedemptionClosed,
            RedeemRefusal::NotATier(t) => Refusal::NotATier(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_situation_has_one_code_and_one_class() {
        // 000: an expired card is "card_expired" whether it is the definition's range or a
        // member's term; both are conflicts with the card's state.
        assert_eq!(Refusal::HeldCardExpired.code(), "card_expired");
        assert_eq!(Refusal::from(ClaimRefusal::SoldOut), Refusal::CardSoldOut);
        assert_eq!(Refusal::CardSoldOut.class(), Class::Conflict);
        assert_eq!(Refusal::PhoneRequired.class(), Class::Unprocessable);
        assert_eq!(
            Refusal::BadSignature("x".into()).class(),
            Class::Unauthenticated
        );
        assert_eq!(
            Refusal::from(ClaimRefusal::WrongKind).code(),
            "invalid_request"
        );
    }
}
