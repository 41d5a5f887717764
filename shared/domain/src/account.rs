//! Balances kept as lots by expiry: spending takes the earliest-expiring lot first and the
//! never-expiring lot last; lots past their expiry are written off.

use std::collections::BTreeMap;
use std::fmt::{Debug, Display};
use std::ops::{Add, Neg, Sub};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use thiserror::Error;

pub use crate::ledger::AccountKind;
use crate::ledger::{EntryKind, Movement};

/// What an account counts: whole points (i64) or money in the shop currency (Decimal).
pub trait Quantity:
    Copy
    + Ord
    + Default
    + Debug
    + Display
    + Add<Output = Self>
    + Sub<Output = Self>
    + Neg<Output = Self>
{
    fn zero() -> Self {
        Self::default()
    }
    fn is_positive(&self) -> bool {
        *self > Self::zero()
    }
    /// Exact: ledger entries keep both kinds as decimals.
    fn to_decimal(self) -> Decimal;
}

impl Quantity for i64 {
    fn to_decimal(self) -> Decimal {
        Decimal::from(self)
    }
}

impl Quantity for Decimal {
    fn to_decimal(self) -> Decimal {
        self
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error("insufficient balance: {available} available, {requested} requested")]
pub struct Insufficient<Q: Quantity> {
    pub available: Q,
    pub requested: Q,
}

/// What a spend took (by lot, for a later restore) and the ledger movements it made.
pub type Spent<Q> = (Vec<Portion<Q>>, Vec<Movement>);

/// One piece taken out of a lot by a debit, kept so a reversal can put it back where it
/// came from with its original expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Portion<Q> {
    pub expires_at: Option<DateTime<Utc>>,
    pub amount: Q,
}

/// Points accrued but not spendable yet (pending points): they join the balance at
/// `until`, and a refund before then cancels them instead of clawing back spendable points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold<Q> {
    pub until: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub amount: Q,
    pub order_id: String,
}

/// A balance as lots. `version` is the version it was read at: the store writes the next
/// one, conditioned on this one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Account<Q: Quantity> {
    expiring: BTreeMap<DateTime<Utc>, Q>,
    never: Q,
    holds: Vec<Hold<Q>>,
    version: u64,
}

impl<Q: Quantity> Account<Q> {
    /// Rebuilds an account from stored lots; zero and negative lots are dropped since
    /// neither can exist after any operation here.
    pub fn from_lots(
        expiring: impl IntoIterator<Item = (DateTime<Utc>, Q)>,
        never: Q,
        version: u64,
    ) -> Self {
        Self {
            expiring: expiring
                .into_iter()
                .filter(|(_, q)| q.is_positive())
                .collect(),
            never: if never.is_positive() {
                never
            } else {
                Q::zero()
            },
            holds: Vec::new(),
            version,
        }
    }

    /// The account with its pending holds, as stored.
    pub fn with_holds(mut self, holds: impl IntoIterator<Item = Hold<Q>>) -> Self {
        self.holds = holds
            .into_iter()
            .filter(|h| h.amount.is_positive())
            .collect();
        self.holds.sort_by_key(|h| h.until);
        self
    }

    pub fn holds(&self) -> &[Hold<Q>] {
        &self.holds
    }

    /// Puts `amount` on hold until `until`; it is not spendable before then.
    pub fn hold(&mut self, hold: Hold<Q>) {
        if hold.amount.is_positive() {
            self.holds.push(hold);
            self.holds.sort_by_key(|h| h.until);
        }
    }

    /// What is still on hold at `now` for one order.
    pub fn held_for(&self, order_id: &str, now: DateTime<Utc>) -> Q {
        self.holds
            .iter()
            .filter(|h| h.order_id == order_id && h.until > now)
            .fold(Q::zero(), |sum, h| sum + h.amount)
    }

    /// Cancels up to `amount` of an order's hold that is still pending at `now`; returns what
    /// was cancelled.
    pub fn cancel_hold(&mut self, order_id: &str, amount: Q, now: DateTime<Utc>) -> Q {
        let mut left = amount;
        for h in self
            .holds
            .iter_mut()
            .filter(|h| h.order_id == order_id && h.until > now)
        {
            let take = std::cmp::min(h.amount, left);
            h.amount = h.amount - take;
            left = left - take;
        }
        self.holds.retain(|h| h.amount.is_positive());
        amount - left
    }

    /// Everything on hold at `now`, not yet spendable.
    pub fn pending_at(&self, now: DateTime<Utc>) -> Q {
        self.holds
            .iter()
            .filter(|h| h.until > now)
            .fold(Q::zero(), |sum, h| sum + h.amount)
    }

    /// Moves holds whose time has come into the balance, one ledger movement each (the
    /// accrual becomes visible in the ledger when it becomes spendable).
    fn release_due(&mut self, kind: AccountKind, now: DateTime<Utc>) -> Vec<Movement> {
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.holds)
            .into_iter()
            .partition(|h| h.until <= now);
        self.holds = later;
        due.into_iter()
            .map(|h| {
                self.credit(h.amount, h.expires_at);
                Movement {
                    account: kind,
                    kind: EntryKind::Accrual,
                    amount: h.amount.to_decimal(),
                    balance_after: self.balance().to_decimal(),
                    reason: "pending_released".to_owned(),
                    links: BTreeMap::from([("order_id".to_owned(), h.order_id)]),
                }
            })
            .collect()
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn balance(&self) -> Q {
        self.expiring
            .values()
            .fold(self.never, |sum, lot| sum + *lot)
    }

    pub fn never_expiring(&self) -> Q {
        self.never
    }

    pub fn expiring_lots(&self) -> impl Iterator<Item = (DateTime<Utc>, Q)> + '_ {
        self.expiring.iter().map(|(at, q)| (*at, *q))
    }

    /// The earliest change due on the account (a lot expiring or a hold releasing), for the
    /// index the scheduled job reads.
    pub fn next_expiry(&self) -> Option<DateTime<Utc>> {
        let lot = self.expiring.keys().next().copied();
        let hold = self.holds.first().map(|h| h.until);
        match (lot, hold) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The balance that can still be spent at `now`, without changing the account: live lots
    /// plus holds released by then that have not expired.
    pub fn balance_at(&self, now: DateTime<Utc>) -> Q {
        let released = self
            .holds
            .iter()
            .filter(|h| h.until <= now && h.expires_at.is_none_or(|e| e >= now))
            .fold(Q::zero(), |sum, h| sum + h.amount);
        self.expiring
            .range(now..)
            .fold(self.never + released, |sum, (_, lot)| sum + *lot)
    }

    /// Removes every lot whose last valid instant is before `now` and returns the total
    /// written off (zero when nothing expired). A lot is valid up to and including its
    /// expiry instant, 23:59:59 local.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Q {
        let live = self.expiring.split_off(&now);
        let expired = std::mem::replace(&mut self.expiring, live);
        expired.values().fold(Q::zero(), |sum, lot| sum + *lot)
    }

    /// Releases due holds, writes off what expired before `now` and returns the ledger
    /// movements that explain both. Every change to an account starts here, so a decision
    /// never counts dead balance and the ledger keeps summing to the balance.
    pub fn write_off_expired(
        &mut self,
        kind: AccountKind,
        links: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> Vec<Movement> {
        let mut moves = self.release_due(kind, now);
        let written_off = self.expire(now);
        moves.extend(written_off.is_positive().then(|| Movement {
            account: kind,
            kind: EntryKind::Expiry,
            amount: (-written_off).to_decimal(),
            balance_after: self.balance().to_decimal(),
            reason: EntryKind::Expiry.as_str().to_owned(),
            links: links.clone(),
        }));
        moves
    }

    /// A spend (004: redemption at checkout): writes off what expired, then takes `amount`
    /// earliest-expiring first. The portions taken let a refund put them back into their
    /// lots; the movements are the ledger entries.
    pub fn spend(
        &mut self,
        kind: AccountKind,
        amount: Q,
        links: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<Spent<Q>, Insufficient<Q>> {
        let mut moves = self.write_off_expired(kind, links, now);
        let taken = self.debit(amount)?;
        moves.push(Movement {
            account: kind,
            kind: EntryKind::Redemption,
            amount: (-amount).to_decimal(),
            balance_after: self.balance().to_decimal(),
            reason: EntryKind::Redemption.as_str().to_owned(),
            links: links.clone(),
        });
        Ok((taken, moves))
    }

    /// 000: takes back up to `amount` of a gift (never more than the balance holds), after
    /// writing off what expired.
    pub fn reclaim(
        &mut self,
        kind: AccountKind,
        amount: Q,
        links: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> (Q, Vec<Movement>) {
        let mut moves = self.write_off_expired(kind, links, now);
        let take = std::cmp::min(amount, self.balance());
        if take.is_positive() && self.debit(take).is_ok() {
            moves.push(Movement {
                account: kind,
                kind: EntryKind::Refund,
                amount: (-take).to_decimal(),
                balance_after: self.balance().to_decimal(),
                reason: "gift_pack_reclaimed".to_owned(),
                links: links.clone(),
            });
        }
        (take, moves)
    }

    /// Erasure (API 1.2): everything still open leaves the account as one `forfeit`
    /// movement after what had expired or was due to release; holds not yet released never
    /// reached the ledger and are dropped with it.
    pub fn forfeit_all(
        &mut self,
        kind: AccountKind,
        links: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> Vec<Movement> {
        let mut moves = self.write_off_expired(kind, links, now);
        let open = self.balance();
        self.holds.clear();
        if open.is_positive() && self.debit(open).is_ok() {
            moves.push(Movement {
                account: kind,
                kind: EntryKind::Forfeit,
                amount: (-open).to_decimal(),
                balance_after: self.balance().to_decimal(),
                reason: EntryKind::Forfeit.as_str().to_owned(),
                links: links.clone(),
            });
        }
        moves
    }

    /// Adds a lot; lots with the same expiry merge.
    pub fn credit(&mut self, amount: Q, expires_at: Option<DateTime<Utc>>) {
        if !amount.is_positive() {
            return;
        }
        match expires_at {
            None => self.never = self.never + amount,
            Some(at) => {
                let lot = self.expiring.entry(at).or_insert_with(Q::zero);
                *lot = *lot + amount;
            }
        }
    }

    /// Takes `amount` out, earliest expiry first and the never-expiring lot last. Returns the
    /// portions taken; leaves the account untouched when the balance is short. Call `expire`
    /// first so expired lots are not spent.
    pub fn debit(&mut self, amount: Q) -> Result<Vec<Portion<Q>>, Insufficient<Q>> {
        let available = self.balance();
        if amount > available {
            return Err(Insufficient {
                available,
                requested: amount,
            });
        }
        let mut left = amount;
        let mut taken = Vec::new();
        while left.is_positive() {
            let Some(mut lot) = self.expiring.first_entry() else {
                break;
            };
            let take = std::cmp::min(*lot.get(), left);
            *lot.get_mut() = *lot.get() - take;
            taken.push(Portion {
                expires_at: Some(*lot.key()),
                amount: take,
            });
            left = left - take;
            if !lot.get().is_positive() {
                lot.remove();
            }
        }
        if left.is_positive() {
            self.never = self.never - left;
            taken.push(Portion {
                expires_at: None,
                amount: left,
            });
        }
        Ok(taken)
    }

    /// Takes `amount` out of one lot first (the lot a grant went into, when the grant is
    /// reversed), then earliest expiry first like `debit`.
    pub fn debit_preferring(
        &mut self,
        lot: Option<DateTime<Utc>>,
        amount: Q,
    ) -> Result<Vec<Portion<Q>>, Insufficient<Q>> {
        let available = self.balance();
        if amount > available {
            return Err(Insufficient {
                available,
                requested: amount,
            });
        }
        let held = match lot {
            None => self.never,
            Some(at) => self.expiring.get(&at).copied().unwrap_or_default(),
        };
        let first = std::cmp::min(held, amount);
        let mut taken = Vec::new();
        if first.is_positive() {
            match lot {
                None => self.never = self.never - first,
                Some(at) => {
                    let left = held - first;
                    if left.is_positive() {
                        self.expiring.insert(at, left);
                    } else {
                        self.expiring.remove(&at);
                    }
                }
            }
            taken.push(Portion {
                expires_at: lot,
                amount: first,
            });
        }
        taken.extend(self.debit(amount - first)?);
        Ok(taken)
    }

    /// Puts portions back into the lots they came from, with their original expiry.
    pub fn restore(&mut self, portions: &[Portion<Q>]) {
        for portion in portions {
            self.credit(portion.amount, portion.expires_at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn account() -> Account<i64> {
        // GIVEN 100 expiring in October, 50 in June, 30 never.
        Account::from_lots(
            [
                (at("2026-10-01T15:59:59Z"), 100),
                (at("2026-06-01T15:59:59Z"), 50),
            ],
            30,
            7,
        )
    }

    #[test]
    fn balance_is_the_sum_of_lots() {
        assert_eq!(account().balance(), 180);
        assert_eq!(account().version(), 7);
    }

    #[test]
    fn spending_takes_the_earliest_expiring_lot_first_and_never_last() {
        let mut a = account();
        let taken = a.debit(120).unwrap();
        assert_eq!(
            taken,
            vec![
                Portion {
                    expires_at: Some(at("2026-06-01T15:59:59Z")),
                    amount: 50
                },
                Portion {
                    expires_at: Some(at("2026-10-01T15:59:59Z")),
                    amount: 70
                },
            ]
        );
        assert_eq!(a.balance(), 60);
        assert_eq!(a.never_expiring(), 30);
        let taken = a.debit(40).unwrap();
        assert_eq!(taken.last().unwrap().expires_at, None);
        assert_eq!(a.balance(), 20);
    }

    #[test]
    fn an_overdraft_is_refused_and_changes_nothing() {
        let mut a = account();
        let before = a.clone();
        assert_eq!(
            a.debit(181),
            Err(Insufficient {
                available: 180,
                requested: 181
            })
        );
        assert_eq!(a, before);
        assert!(a.debit(180).is_ok());
        assert_eq!(a.balance(), 0);
    }

    #[test]
    fn lots_expire_after_their_last_second_not_at_it() {
        let mut a = account();
        assert_eq!(a.expire(at("2026-06-01T15:59:59Z")), 0);
        assert_eq!(a.balance_at(at("2026-06-01T15:59:59Z")), 180);
        assert_eq!(a.balance_at(at("2026-06-01T16:00:00Z")), 130);
        assert_eq!(a.expire(at("2026-06-01T16:00:00Z")), 50);
        assert_eq!(a.balance(), 130);
        assert_eq!(a.next_expiry(), Some(at("2026-10-01T15:59:59Z")));
        assert_eq!(a.expire(at("2030-01-01T00:00:00Z")), 100);
        assert_eq!(a.balance(), 30);
        assert_eq!(a.next_expiry(), None);
    }

    #[test]
    fn restored_portions_regain_their_original_expiry() {
        let mut a = account();
        let taken = a.debit(60).unwrap();
        a.restore(&taken);
        assert_eq!(a, account());
    }

    #[test]
    fn a_reversal_takes_from_its_own_lot_before_older_ones() {
        let mut a = account();
        let taken = a.debit_preferring(None, 40).unwrap();
        assert_eq!(
            taken,
            vec![
                Portion {
                    expires_at: None,
                    amount: 30
                },
                Portion {
                    expires_at: Some(at("2026-06-01T15:59:59Z")),
                    amount: 10
                },
            ]
        );
        assert_eq!(a.balance(), 140);
        assert!(a
            .debit_preferring(Some(at("2026-10-01T15:59:59Z")), 141)
            .is_err());
        assert_eq!(
            a.debit_preferring(Some(at("2026-10-01T15:59:59Z")), 100)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(a.balance(), 40);
    }

    #[test]
    fn decimal_accounts_work_the_same_way() {
        let mut a: Account<Decimal> = Account::default();
        a.credit(Decimal::new(500, 2), None);
        a.credit(Decimal::new(125, 2), Some(at("2026-01-01T00:00:00Z")));
        assert_eq!(a.balance(), Decimal::new(625, 2));
        let taken = a.debit(Decimal::new(200, 2)).unwrap();
        assert_eq!(taken[0].amount, Decimal::new(125, 2));
        assert_eq!(taken[1].amount, Decimal::new(75, 2));
        assert_eq!(a.balance(), Decimal::new(425, 2));
    }

    #[test]
    fn empty_lots_are_not_kept() {
        let a: Account<i64> = Account::from_lots([(at("2026-01-01T00:00:00Z"), 0)], -5, 0);
        assert_eq!(a.next_expiry(), None);
        assert_eq!(a.balance(), 0);
        let mut b = a.clone();
        b.credit(0, Some(at("2026-01-01T00:00:00Z")));
        assert_eq!(b, a);
    }

    #[test]
    fn held_points_join_the_balance_when_due_and_a_refund_before_cancels_them() {
        let mut acct = Account::<i64>::default();
        acct.credit(100, None);
        acct.hold(Hold {
            until: at("2026-04-08T13:25:00Z"),
            expires_at: None,
            amount: 50,
            order_id: "o1".into(),
        });
        let before = at("2026-04-05T00:00:00Z");
        assert_eq!(acct.balance_at(before), 100);
        assert_eq!(acct.pending_at(before), 50);
        // Not spendable while held.
        assert!(acct.clone().debit(120).is_err());
        // A refund inside the window cancels part of the hold.
        assert_eq!(acct.cancel_hold("o1", 20, before), 20);
        assert_eq!(acct.held_for("o1", before), 30);
        let after = at("2026-04-09T00:00:00Z");
        assert_eq!(acct.balance_at(after), 130);
        let moves = acct.write_off_expired(AccountKind::Points, &BTreeMap::new(), after);
        assert_eq!(moves.len(), 1);
        assert_eq!(moves[0].amount, Decimal::from(30));
        assert_eq!(moves[0].links["order_id"], "o1");
        assert_eq!(acct.balance(), 130);
        assert!(acct.holds().is_empty());
        // Once released, a refund finds nothing on hold.
        assert_eq!(acct.cancel_hold("o1", 10, after), 0);
    }
}
