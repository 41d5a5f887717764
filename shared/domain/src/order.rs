//! Orders as the loyalty side sees them: what was earned and redeemed for them, and how much
//! of them has been refunded, so reversals are proportional and never exceed the grant.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::account::{Account, AccountKind};
use crate::ledger::{EntryKind, Movement};
use crate::money::Shown;
use crate::points::proportional;
use crate::store_credit::clawback_share;
use crate::{Currency, Decimal, Money, Portion, Refusal};

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
    /// Credit redeemed on the order, by the lot it came from, for a cancellation to give
    /// back where it was (empty for orders redeemed before this was kept).
    pub credit_portions: Vec<Portion<Decimal>>,
    /// Credit a cancellation gave back.
    pub credit_restored: Money,
    /// API 1.3: when the order was cancelled; nothing accrues or redeems on it after.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// 003: stored value spent on the order, and how much of it refunds gave back.
    pub value_redeemed: Money,
    pub value_restored: Money,
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
    /// An order known here belongs to one member: nobody else redeems on it or refunds it.
    pub fn check_owner(&self, member: &crate::MemberId) -> Result<(), crate::Refusal> {
        match self.member_id.as_deref() {
            Some(m) if m != member.as_str() => Err(crate::Refusal::OrderOfAnotherMember),
            _ => Ok(()),
        }
    }

    /// API 1.3 "Cancelled orders": nothing is accrued, redeemed or refunded on a cancelled
    /// order (409 `order_cancelled`).
    pub fn check_open(&self) -> Result<(), crate::Refusal> {
        match self.cancelled_at {
            Some(_) => Err(crate::Refusal::OrderCancelled),
            None => Ok(()),
        }
    }

    pub fn credit_granted_total(&self) -> Decimal {
        self.credit_granted.iter().map(|p| p.amount).sum()
    }

    pub fn points_redeemed(&self) -> i64 {
        self.redeemed.iter().map(|p| p.amount).sum()
    }
}

/// `POST /orders/{order_id}/accrue` as a request document. Amounts are checked against
/// the shop's currency with `priced`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct AccrualRequest {
    pub member_id: String,
    pub currency: String,
    total: String,
    #[serde(deserialize_with = "crate::time::serde_date::instant")]
    placed_at: DateTime<chrono::FixedOffset>,
    #[serde(default, deserialize_with = "crate::time::serde_date::option_instant")]
    paid_at: Option<DateTime<chrono::FixedOffset>>,
    #[serde(default)]
    lines: Vec<AccrualLine>,
}

#[derive(Debug, Clone, serde::Deserialize)]
struct AccrualLine {
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    category: Option<String>,
    amount: String,
    #[serde(default)]
    promotional: bool,
    #[serde(default)]
    member_price: bool,
    /// 003: a group buy, flash sale or bargain line.
    #[serde(default)]
    campaign: bool,
}

/// An accrual in the shop's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accrual {
    pub total: Money,
    pub lines: Vec<crate::points::OrderLine>,
    pub placed_at: DateTime<Utc>,
    /// 004: points are earned when the order is paid; a payment time in the future is
    /// taken as now.
    pub earned_at: DateTime<Utc>,
}

/// What an accrual earns under the program in force when the order was placed (004).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Earning {
    pub earned: crate::points::Earned,
    /// The end of the local day the points expire on, if they expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// Pending points: on the account but not spendable until then.
    pub held_until: Option<DateTime<Utc>>,
}

impl Accrual {
    /// 004: the rate in force at placement (even if paid after a change), rounded down;
    /// expiry from when the points are earned; held while the program holds new points.
    pub fn earn(
        &self,
        versions: &crate::points::ProgramVersions,
        factors: &crate::points::MemberFactors,
        tz: crate::ShopTz,
        now: DateTime<Utc>,
    ) -> Earning {
        let program = versions.in_force_at(self.placed_at).filter(|p| p.enabled);
        let earned = program.map_or(crate::points::Earned::default(), |p| {
            p.earn(self.total, &self.lines, self.placed_at, tz, factors)
        });
        Earning {
            earned,
            expires_at: program.and_then(|p| p.expiry_for(self.earned_at, tz)),
            held_until: program
                .and_then(|p| p.pending_until(self.earned_at))
                .filter(|until| *until > now && earned.points > 0),
        }
    }
}

impl AccrualRequest {
    pub fn parse(body: &serde_json::Value) -> Result<Self, crate::document::DocumentError> {
        crate::document::DocumentError::from_json(body)
    }

    pub fn priced(&self, currency: &Currency, now: DateTime<Utc>) -> Result<Accrual, Refusal> {
        if self.currency != currency.code() {
            return Err(Refusal::Invalid(format!(
                "the shop's currency is {currency}, the order's {}",
                self.currency
            )));
        }
        let money = |t: &str| {
            Money::parse_non_negative(t, currency).map_err(|e| Refusal::Invalid(e.to_string()))
        };
        let lines = self
            .lines
            .iter()
            .map(|l| {
                Ok(crate::points::OrderLine {
                    sku: l.sku.clone(),
                    category: l.category.clone(),
                    amount: money(&l.amount)?,
                    promotional: l.promotional,
                    member_price: l.member_price,
                    campaign: l.campaign,
                })
            })
            .collect::<Result<Vec<_>, Refusal>>()?;
        Ok(Accrual {
            total: money(&self.total)?,
            lines,
            placed_at: self.placed_at.with_timezone(&Utc),
            earned_at: self
                .paid_at
                .map(|p| p.with_timezone(&Utc))
                .filter(|p| *p <= now)
                .unwrap_or(now),
        })
    }
}

impl Order {
    /// 004: an order earns once; the same order reported again with another body is
    /// refused (the same body replays by its idempotency record before this).
    pub fn check_not_accrued(&self) -> Result<(), Refusal> {
        if self.accrued {
            return Err(Refusal::OrderAlreadyAccrued);
        }
        Ok(())
    }

    /// 001: remembers the credit the order's rules granted, by the lot each went into, for
    /// a proportional clawback; returns the total granted.
    pub fn record_credit_grants(&mut self, grants: &[crate::store_credit::CreditGrant]) -> Decimal {
        self.credit_granted.extend(grants.iter().map(|g| Portion {
            expires_at: g.expires_at,
            amount: g.amount,
        }));
        grants.iter().map(|g| g.amount).sum()
    }

    /// Remembers what the order earned, for reversals.
    pub fn record_accrual(
        &mut self,
        member: &crate::MemberId,
        currency: &Currency,
        accrual: &Accrual,
        earned: crate::points::Earned,
        held: bool,
        expires_at: Option<DateTime<Utc>>,
    ) {
        self.member_id = Some(member.to_string());
        self.currency = Some(currency.code().to_owned());
        self.total = Some(accrual.total);
        self.placed_at = Some(accrual.placed_at);
        self.accrued = true;
        self.points_earned = earned.points;
        self.points_reversible = earned.reversible;
        self.points_held = held;
        self.earned_expires_at = expires_at;
    }
}

/// What one refund of an order took back and gave back, with the ledger movements.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Refunded {
    pub points_clawed_back: i64,
    pub points_restored: i64,
    /// Pending points of the order cancelled before they became spendable.
    pub points_cancelled: i64,
    pub credit_clawed_back: Decimal,
    /// Stored value given back (the caller credits the value account).
    pub value_restored: Decimal,
    pub points_moves: Vec<Movement>,
    pub credit_moves: Vec<Movement>,
}

impl Order {
    /// 004, 003, 001: a refund of `amount` (of an order of `order_total` when it was never
    /// accrued here) takes back, in proportion to the refunded share, the points the order
    /// earned (only the level part of multipliers, 003), gives back the points it redeemed
    /// into the lots they came from, and takes back the credit its rules granted (half-even
    /// to the minor unit). Cumulative refunds never exceed the order, nor any balance: a
    /// clawback above it is refused and nothing changes.
    #[allow(clippy::too_many_arguments)]
    pub fn refund(
        &mut self,
        order_id: &str,
        amount: Money,
        order_total: Option<Money>,
        points: &mut Account<i64>,
        credit: &mut Account<Decimal>,
        currency: &Currency,
        links: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<Refunded, Refusal> {
        if amount.is_zero() {
            return Err(Refusal::Invalid("amount must be above zero".into()));
        }
        let total = self.total.or(order_total).ok_or_else(|| {
            Refusal::Invalid("this order was never accrued here: give order_total".into())
        })?;
        let refunded = self.refunded.amount() + amount.amount();
        if refunded > total.amount() {
            return Err(Refusal::RefundExceedsPaid(format!(
                "{} of {} is already refunded",
                Shown::of(self.refunded, currency),
                Shown::of(total, currency)
            )));
        }
        let claw = proportional(self.points_reversible, refunded, total.amount())
            - self.points_clawed_back;
        let restore =
            proportional(self.points_redeemed(), refunded, total.amount()) - self.points_restored;
        let mut out = Refunded {
            points_moves: points.write_off_expired(AccountKind::Points, links, now),
            ..Refunded::default()
        };
        if restore > 0 {
            points.restore(&portions_to_restore(
                &self.redeemed,
                self.points_restored,
                restore,
            ));
            out.points_moves.push(points_movement(
                restore,
                points.balance(),
                "points_restored",
                links,
            ));
        }
        // Points still on hold for this order are cancelled before spendable ones are taken.
        let cancelled = if claw > 0 {
            points.cancel_hold(order_id, claw, now)
        } else {
            0
        };
        let taken = claw - cancelled;
        if taken > 0 {
            // The points the order earned went into their own lot: taken from there first.
            points
                .debit_preferring(self.earned_expires_at, taken)
                .map_err(|e| {
                    Refusal::InsufficientBalance(format!(
                        "{taken} points earned by this order should be taken back but only {} remain",
                        e.available
                    ))
                })?;
            out.points_moves.push(points_movement(
                -taken,
                points.balance(),
                "points_clawed_back",
                links,
            ));
        }
        let credit_claw = clawback_share(
            self.credit_granted_total(),
            self.credit_clawed_back.amount(),
            refunded,
            total.amount(),
            currency,
        );
        if credit_claw > Decimal::ZERO {
            out.credit_moves = credit.write_off_expired(AccountKind::Credit, links, now);
            let lot = self.credit_granted.first().and_then(|p| p.expires_at);
            credit.debit_preferring(lot, credit_claw).map_err(|e| {
                Refusal::InsufficientBalance(format!(
                    "{} of credit granted by this order should be taken back but only {} remain",
                    Shown::new(credit_claw, Some(currency)),
                    Shown::new(e.available, Some(currency))
                ))
            })?;
            out.credit_moves.push(Movement {
                account: AccountKind::Credit,
                kind: EntryKind::Refund,
                amount: -credit_claw,
                balance_after: credit.balance(),
                reason: "credit_clawed_back".to_owned(),
                links: links.clone(),
            });
        }
        self.credit_clawed_back =
            Money::from_stored(self.credit_clawed_back.amount() + credit_claw);
        self.total = Some(total);
        self.refunded = Money::from_stored(refunded);
        self.points_clawed_back += claw;
        self.points_restored += restore;
        out.points_clawed_back = claw;
        out.points_restored = restore;
        out.points_cancelled = cancelled;
        out.credit_clawed_back = credit_claw;
        out.value_restored = self.value_to_restore(refunded, total.amount(), currency);
        self.value_restored = Money::from_stored(self.value_restored.amount() + out.value_restored);
        Ok(out)
    }

    /// 003: stored value spent on the order goes back in proportion to the refunded share
    /// (rounded down to the minor unit; the last refund gives back the rest), so a full
    /// refund returns exactly what was spent.
    fn value_to_restore(&self, refunded: Decimal, total: Decimal, currency: &Currency) -> Decimal {
        let spent = self.value_redeemed.amount();
        if spent.is_zero() || total.is_zero() {
            return Decimal::ZERO;
        }
        let due = if refunded >= total {
            spent
        } else {
            (spent * refunded / total).round_dp_with_strategy(
                currency.minor_units(),
                rust_decimal::RoundingStrategy::ToZero,
            )
        };
        (due - self.value_restored.amount()).max(Decimal::ZERO)
    }
}

fn points_movement(
    amount: i64,
    balance_after: i64,
    reason: &str,
    links: &BTreeMap<String, String>,
) -> Movement {
    Movement {
        account: AccountKind::Points,
        kind: EntryKind::Refund,
        amount: Decimal::from(amount),
        balance_after: Decimal::from(balance_after),
        reason: reason.to_owned(),
        links: links.clone(),
    }
}

/// The next `amount` points of the redeemed portions after the `already` restored, in the
/// order they were taken, each with the expiry of the lot it came from.
/// What a cancellation gave back (API 1.3), and the ledger movements of each account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cancelled {
    pub points_restored: i64,
    pub credit_restored: Decimal,
    pub value_restored: Decimal,
    pub points_moves: Vec<Movement>,
    pub credit_moves: Vec<Movement>,
    pub value_moves: Vec<Movement>,
}

/// The three accounts a cancellation gives back into.
pub struct Spendable<'a> {
    pub points: &'a mut Account<i64>,
    pub credit: &'a mut Account<Decimal>,
    pub value: &'a mut Account<Decimal>,
}

impl Order {
    /// API 1.3: an order redeemed on and never accrued (the payment failed, the cart was
    /// abandoned) gives back everything spent on it: points and credit into the lots they
    /// came from, stored value, whatever earlier refunds did not. Each give-back is a
    /// redemption undone (`Redemption`, positive: told as `*.restored`). Once accrued it is
    /// paid: 409 `order_paid`. A cancelled order cancelled again gives nothing more.
    pub fn cancel(
        &mut self,
        accounts: Spendable<'_>,
        links: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<Cancelled, Refusal> {
        if self.accrued {
            return Err(Refusal::OrderPaid);
        }
        let mut out = Cancelled::default();
        if self.cancelled_at.is_some() {
            return Ok(out);
        }
        self.cancelled_at = Some(now);
        let points = self.points_redeemed() - self.points_restored;
        if points > 0 {
            let p = accounts.points;
            out.points_moves = p.write_off_expired(AccountKind::Points, links, now);
            p.restore(&portions_to_restore(
                &self.redeemed,
                self.points_restored,
                points,
            ));
            out.points_moves
                .push(restored(AccountKind::Points, points, p.balance(), links));
            out.points_restored = points;
            self.points_restored += points;
        }
        let credit = self.credit_redeemed.amount() - self.credit_restored.amount();
        if credit > Decimal::ZERO {
            let c = accounts.credit;
            out.credit_moves = c.write_off_expired(AccountKind::Credit, links, now);
            let recorded: Decimal = self.credit_portions.iter().map(|p| p.amount).sum();
            // Orders redeemed before the lots were kept get a lot that never expires.
            let lots = match recorded == credit {
                true => self.credit_portions.clone(),
                false => vec![Portion {
                    expires_at: None,
                    amount: credit,
                }],
            };
            c.restore(&lots);
            out.credit_moves
                .push(restored(AccountKind::Credit, credit, c.balance(), links));
            out.credit_restored = credit;
            self.credit_restored = Money::from_stored(self.credit_redeemed.amount());
        }
        let value = self.value_redeemed.amount() - self.value_restored.amount();
        if value > Decimal::ZERO {
            let v = accounts.value;
            v.restore(&[Portion {
                expires_at: None,
                amount: value,
            }]);
            out.value_moves
                .push(restored(AccountKind::Value, value, v.balance(), links));
            out.value_restored = value;
            self.value_restored = Money::from_stored(self.value_redeemed.amount());
        }
        Ok(out)
    }
}

/// A redemption given back by a cancellation.
fn restored<Q: Into<Decimal>>(
    account: AccountKind,
    amount: Q,
    balance_after: Q,
    links: &BTreeMap<String, String>,
) -> Movement {
    Movement {
        account,
        kind: EntryKind::Redemption,
        amount: amount.into(),
        balance_after: balance_after.into(),
        reason: "order_cancelled".to_owned(),
        links: links.clone(),
    }
}

fn portions_to_restore(redeemed: &[Portion<i64>], already: i64, amount: i64) -> Vec<Portion<i64>> {
    let mut skip = already;
    let mut left = amount;
    let mut out = Vec::new();
    for p in redeemed {
        let available = p.amount - skip.min(p.amount);
        skip -= p.amount.min(skip);
        let take = available.min(left);
        if take > 0 {
            out.push(Portion {
                expires_at: p.expires_at,
                amount: take,
            });
            left -= take;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// API 1.3 "Cancelled orders": points and credit go back into the lots they came
    /// from, with their expiry, and stored value to the account; a second cancel gives
    /// nothing more, and a paid order is refunded, never cancelled.
    #[test]
    fn a_cancel_gives_back_everything_spent_into_its_lots_once() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let now = at("2026-05-01T00:00:00Z");
        let june = at("2026-06-30T15:59:59Z");
        let mut points = Account::from_lots([(june, 100)], 50, 1);
        let mut credit = Account::from_lots([(june, Decimal::new(800, 2))], Decimal::ZERO, 1);
        let mut value = Account::from_lots([], Decimal::new(5000, 2), 1);
        let links = BTreeMap::new();
        let (p, _) = points.spend(AccountKind::Points, 120, &links, now).unwrap();
        let (c, _) = credit
            .spend(AccountKind::Credit, Decimal::new(500, 2), &links, now)
            .unwrap();
        value
            .spend(AccountKind::Value, Decimal::new(3000, 2), &links, now)
            .unwrap();
        let mut order = Order {
            redeemed: p,
            credit_redeemed: Money::from_stored(Decimal::new(500, 2)),
            credit_portions: c,
            value_redeemed: Money::from_stored(Decimal::new(3000, 2)),
            ..Order::default()
        };
        let done = order
            .cancel(
                Spendable {
                    points: &mut points,
                    credit: &mut credit,
                    value: &mut value,
                },
                &links,
                now,
            )
            .unwrap();
        assert_eq!(
            (
                done.points_restored,
                done.credit_restored,
                done.value_restored
            ),
            (120, Decimal::new(500, 2), Decimal::new(3000, 2))
        );
        assert_eq!(
            points.expiring_lots().collect::<Vec<_>>(),
            vec![(june, 100)]
        );
        assert_eq!(
            (points.balance(), credit.balance(), value.balance()),
            (150, Decimal::new(800, 2), Decimal::new(5000, 2))
        );
        assert_eq!(
            credit.expiring_lots().collect::<Vec<_>>(),
            vec![(june, Decimal::new(800, 2))]
        );
        assert!(done
            .points_moves
            .iter()
            .all(|m| m.kind == EntryKind::Redemption && m.amount > Decimal::ZERO));
        assert_eq!(order.check_open().unwrap_err().code(), "order_cancelled");
        let again = order
            .cancel(
                Spendable {
                    points: &mut points,
                    credit: &mut credit,
                    value: &mut value,
                },
                &links,
                now,
            )
            .unwrap();
        assert_eq!(again, Cancelled::default());
        let mut paid = Order {
            accrued: true,
            ..Order::default()
        };
        let refused = paid.cancel(
            Spendable {
                points: &mut points,
                credit: &mut credit,
                value: &mut value,
            },
            &links,
            now,
        );
        assert_eq!(refused.unwrap_err().code(), "order_paid");
    }

    #[test]
    fn restores_continue_where_the_last_one_stopped() {
        // 004: redeemed points come back to the lots they were taken from, in order.
        let lots = [
            Portion {
                expires_at: None,
                amount: 30,
            },
            Portion {
                expires_at: None,
                amount: 70,
            },
        ];
        let first = portions_to_restore(&lots, 0, 50);
        assert_eq!(first.iter().map(|p| p.amount).collect::<Vec<_>>(), [30, 20]);
        let second = portions_to_restore(&lots, 50, 50);
        assert_eq!(second.iter().map(|p| p.amount).collect::<Vec<_>>(), [50]);
    }

    #[test]
    fn a_refund_takes_back_its_share_and_never_more_than_the_order() {
        // GIVEN an order of 100.00 that earned 1000 points WHEN 40.00 is refunded THEN 400
        // points go back (004: proportional); a further 70.00 is refused (refund_exceeds_paid).
        let myr = Currency::parse("MYR").unwrap();
        let now = DateTime::parse_from_rfc3339("2026-04-01T10:00:00Z")
            .unwrap()
            .to_utc();
        let mut order = Order {
            total: Some(Money::parse("100.00", &myr).unwrap()),
            points_earned: 1000,
            points_reversible: 1000,
            ..Order::default()
        };
        let mut points = Account::<i64>::default();
        points.credit(1000, None);
        let mut credit = Account::<Decimal>::default();
        let links = BTreeMap::new();
        let forty = Money::parse("40.00", &myr).unwrap();
        let r = order
            .refund(
                "o1",
                forty,
                None,
                &mut points,
                &mut credit,
                &myr,
                &links,
                now,
            )
            .unwrap();
        assert_eq!((r.points_clawed_back, points.balance()), (400, 600));
        let seventy = Money::parse("70.00", &myr).unwrap();
        let refused = order.refund(
            "o1",
            seventy,
            None,
            &mut points,
            &mut credit,
            &myr,
            &links,
            now,
        );
        assert_eq!(refused.unwrap_err().code(), "refund_exceeds_paid");
    }
}
