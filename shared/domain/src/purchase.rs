//! A purchase of a paid card: a reservation of one unit of stock until it is paid, fails or
//! lapses, and what a payment event does to it.

use chrono::{DateTime, Utc};

use crate::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurchaseStatus {
    Pending,
    Paid,
    Failed,
    Expired,
    Refunded,
    /// Paid after the reservation was gone and no stock was left: the money goes back.
    RefundDue,
}

impl PurchaseStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            PurchaseStatus::Pending => "pending",
            PurchaseStatus::Paid => "paid",
            PurchaseStatus::Failed => "failed",
            PurchaseStatus::Expired => "expired",
            PurchaseStatus::Refunded => "refunded",
            PurchaseStatus::RefundDue => "refund_due",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            PurchaseStatus::Pending,
            PurchaseStatus::Paid,
            PurchaseStatus::Failed,
            PurchaseStatus::Expired,
            PurchaseStatus::Refunded,
            PurchaseStatus::RefundDue,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    pub purchase_id: String,
    pub card_id: String,
    pub member_id: String,
    pub amount: Money,
    pub currency: String,
    pub status: PurchaseStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub card_no: Option<String>,
    pub version: u64,
    /// The stock shard the reservation took its unit from (`domain::stock`); 0 for
    /// purchases without stock.
    pub stock_shard: u16,
}

/// What a payment provider reports about a purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentOutcome {
    Succeeded,
    /// The payment failed: the reservation is released.
    Failed,
}

/// What a payment event does to a purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Pending -> failed, and its unit of stock goes back.
    Release,
    /// A failure for a purchase that is not pending: nothing to undo.
    Ignore,
    /// Settled before (paid, refunded, or marked for refund): one effect per purchase,
    /// whatever the number of events.
    AlreadySettled,
    /// Paid: the card is issued. `reserved` is false when the reservation had lapsed or the
    /// payment had failed first, so the stock must be taken again.
    Pay { reserved: bool },
    /// 000: paid after the reservation was released and nothing is left: the payment is
    /// recorded and marked for refund, no card is issued.
    RefundDue,
}

/// What a payment event did to a purchase without stock when it paid nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpaid {
    /// Nothing to do (a failure for a purchase no longer pending).
    Ignored,
    /// Settled before: the same answer again.
    Duplicate,
    /// The payment failed: the purchase is closed.
    Released,
}

impl Purchase {
    /// A new purchase waiting for its payment until `expires_at`; `target` is what it buys
    /// (a card id, or a level's target).
    pub fn pending(
        purchase_id: String,
        target: String,
        member_id: String,
        amount: Money,
        currency: &crate::Currency,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Purchase {
            purchase_id,
            card_id: target,
            member_id,
            amount,
            currency: currency.code().to_owned(),
            status: PurchaseStatus::Pending,
            created_at: now,
            expires_at,
            paid_at: None,
            card_no: None,
            version: 0,
            stock_shard: 0,
        }
    }

    /// The purchase state machine. `stock_gone` is true once taking the stock again found
    /// none left (the caller learns it from the failed condition and decides again).
    pub fn on_payment(&self, outcome: PaymentOutcome, stock_gone: bool) -> Transition {
        use PurchaseStatus::*;
        match (outcome, self.status) {
            (PaymentOutcome::Failed, Pending) => Transition::Release,
            (PaymentOutcome::Failed, _) => Transition::Ignore,
            (PaymentOutcome::Succeeded, Paid | Refunded | RefundDue) => Transition::AlreadySettled,
            (PaymentOutcome::Succeeded, _) if stock_gone => Transition::RefundDue,
            (PaymentOutcome::Succeeded, status) => Transition::Pay {
                reserved: status == Pending,
            },
        }
    }

    /// A payment event for a purchase without stock (a level, a recharge), before its
    /// effects: what it settles when that is all (`Some`), or `None` when it pays and the
    /// caller lands what was bought. A failure closes a pending purchase (nothing to give
    /// back); a success for a settled one is a duplicate.
    pub fn settle_stockless(&mut self, outcome: PaymentOutcome) -> Option<Unpaid> {
        match self.on_payment(outcome, false) {
            Transition::Ignore => Some(Unpaid::Ignored),
            Transition::AlreadySettled => Some(Unpaid::Duplicate),
            Transition::Release => {
                self.status = PurchaseStatus::Failed;
                Some(Unpaid::Released)
            }
            Transition::Pay { .. } | Transition::RefundDue => None,
        }
    }

    /// The amount and currency paid must be the purchase's, exactly.
    pub fn check_paid(
        &self,
        amount: Option<crate::Decimal>,
        currency: &str,
        stated: &str,
    ) -> Result<(), crate::Refusal> {
        if amount == Some(self.amount.amount()) && currency.eq_ignore_ascii_case(&self.currency) {
            return Ok(());
        }
        Err(crate::Refusal::AmountMismatch(format!(
            "the purchase is {} {}, the payment {stated} {currency}",
            self.amount, self.currency
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn purchase(status: PurchaseStatus) -> Purchase {
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap();
        Purchase {
            purchase_id: "card_x~m1~0123456789abcdef".into(),
            card_id: "card_x".into(),
            member_id: "m1".into(),
            amount: Money::from_stored(crate::Decimal::new(9900, 2)),
            currency: "MYR".into(),
            status,
            created_at: at,
            expires_at: at,
            paid_at: None,
            card_no: None,
            version: 1,
            stock_shard: 0,
        }
    }

    /// 003: a level or a recharge has no stock: a failure only closes the purchase, a
    /// success for a settled one is a duplicate, and a success for a pending one pays.
    #[test]
    fn seed_003_a_purchase_without_stock_settles_or_answers() {
        let mut pending = purchase(PurchaseStatus::Pending);
        assert_eq!(pending.settle_stockless(PaymentOutcome::Succeeded), None);
        assert_eq!(
            pending.settle_stockless(PaymentOutcome::Failed),
            Some(Unpaid::Released)
        );
        assert_eq!(pending.status, PurchaseStatus::Failed);
        assert_eq!(
            pending.settle_stockless(PaymentOutcome::Failed),
            Some(Unpaid::Ignored)
        );
        let mut paid = purchase(PurchaseStatus::Paid);
        assert_eq!(
            paid.settle_stockless(PaymentOutcome::Succeeded),
            Some(Unpaid::Duplicate)
        );
        assert_eq!(paid.status, PurchaseStatus::Paid);
    }

    #[test]
    fn a_payment_settles_a_purchase_once_whatever_the_order_of_events() {
        use PurchaseStatus::*;
        // GIVEN a pending purchase WHEN paid THEN the card is issued from the reservation.
        let ok = PaymentOutcome::Succeeded;
        assert_eq!(
            purchase(Pending).on_payment(ok, false),
            Transition::Pay { reserved: true }
        );
        // 000: a payment after the reservation lapsed takes stock again, or is refunded.
        assert_eq!(
            purchase(Expired).on_payment(ok, false),
            Transition::Pay { reserved: false }
        );
        assert_eq!(purchase(Failed).on_payment(ok, true), Transition::RefundDue);
        // A second event for a settled purchase changes nothing.
        for s in [Paid, Refunded, RefundDue] {
            assert_eq!(
                purchase(s).on_payment(ok, false),
                Transition::AlreadySettled
            );
        }
        // A failure releases only a pending reservation.
        assert_eq!(
            purchase(Pending).on_payment(PaymentOutcome::Failed, false),
            Transition::Release
        );
        assert_eq!(
            purchase(Paid).on_payment(PaymentOutcome::Failed, false),
            Transition::Ignore
        );
    }

    #[test]
    fn the_amount_and_currency_must_be_exactly_the_purchases() {
        let p = purchase(PurchaseStatus::Pending);
        assert!(p
            .check_paid(Some(crate::Decimal::new(99, 0)), "myr", "9900")
            .is_ok());
        assert!(p
            .check_paid(Some(crate::Decimal::new(98, 0)), "MYR", "98")
            .is_err());
        assert!(p
            .check_paid(Some(crate::Decimal::new(99, 0)), "JPY", "99")
            .is_err());
        assert!(p.check_paid(None, "MYR", "x").is_err());
    }
}
