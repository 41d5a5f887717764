//! The balances report (API 1.2 "Reports"): a roll-forward of each account over a period of
//! shop-local days from the day-by-day movement counters. Opening is every movement before
//! the period, closing the opening plus the period's movements, so the figures agree with
//! each other by construction and a day's closing is the next day's opening.
//!
//! Issue 34: "every movement before the period" is a balance carried through the end of
//! the last closed month before it, plus the days of the period's first month before it, so
//! a report reads its period's days and at most a month more, whatever the shop's age. A
//! month is closed a whole day after it ends (`last_closable`), its days sealed first: a
//! movement dated in a closed month is refused, never silently left out of its carry.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;

use crate::{AccountKind, Refusal};

/// A period is at most this many days.
pub const MAX_DAYS: i64 = 366;

/// One account over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollForward {
    pub opening: Decimal,
    /// By ledger entry kind, signed.
    pub movements: BTreeMap<String, Decimal>,
    pub closing: Decimal,
}

/// One counted movement: the day, the account, the entry kind, the signed amount.
pub type Counted = (NaiveDate, AccountKind, String, Decimal);

/// The period's dates, checked: `from` no later than `to`, at most `MAX_DAYS`.
pub fn period(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), Refusal> {
    let parse = |name: &str, v: &str| {
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map_err(|_| Refusal::Invalid(format!("{name} is a date, YYYY-MM-DD")))
    };
    let (from, to) = (parse("from", from)?, parse("to", to)?);
    if from > to {
        return Err(Refusal::Invalid("from is on or before to".into()));
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        return Err(Refusal::Invalid(format!(
            "a period is at most {MAX_DAYS} days"
        )));
    }
    Ok((from, to))
}

/// Each account's balance carried through the end of a month: every movement up to then.
pub type Carried = BTreeMap<AccountKind, Decimal>;

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first day of the month after `month`'s.
pub fn next_month(month: NaiveDate) -> NaiveDate {
    month_of(month)
        .checked_add_months(Months::new(1))
        .unwrap_or(NaiveDate::MAX)
}

/// The first day of the month before `month`'s.
pub fn previous_month(month: NaiveDate) -> NaiveDate {
    month_of(month)
        .checked_sub_months(Months::new(1))
        .unwrap_or(NaiveDate::MIN)
}

/// The last month that may be closed on shop-local `today`: one that ended at least a whole
/// day ago. A movement is dated by the clock of the function that decides it, which lives
/// at most 15 minutes, so none dated in that month can still be on its way.
pub fn last_closable(today: NaiveDate) -> NaiveDate {
    previous_month(today.pred_opt().unwrap_or(today))
}

/// The balances carried through `month`: those carried through the month before, plus the
/// movements counted on `month`'s days (others are ignored).
pub fn carry_forward(before: &Carried, counted: &[Counted], month: NaiveDate) -> Carried {
    let mut out = before.clone();
    for (day, account, _, amount) in counted {
        if month_of(*day) == month {
            *out.entry(*account).or_default() += amount;
        }
    }
    out
}

/// Every account's roll-forward over `from..=to` from the balances `carried` through some
/// month's end before `from` and the counted movements of every day after that month
/// (days after `to` are ignored). Accounts without any movement show zeros.
pub fn roll_forward(
    carried: &Carried,
    counted: &[Counted],
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<AccountKind, RollForward> {
    let mut out: BTreeMap<AccountKind, RollForward> =
        [AccountKind::Points, AccountKind::Credit, AccountKind::Value]
            .into_iter()
            .map(|a| {
                let opening = carried.get(&a).copied().unwrap_or_default();
                (
                    a,
                    RollForward {
                        opening,
                        ..RollForward::default()
                    },
                )
            })
            .collect();
    for (day, account, kind, amount) in counted.iter().filter(|c| c.0 <= to) {
        let r = out.entry(*account).or_default();
        if *day < from {
            r.opening += amount;
        } else {
            *r.movements.entry(kind.clone()).or_default() += amount;
        }
    }
    for r in out.values_mut() {
        r.movements.retain(|_, v| !v.is_zero());
        r.closing = r.opening + r.movements.values().sum::<Decimal>();
    }
    out
}

/// The points liability in money: the closing points at the shop's value of a point,
/// rounded to the currency's minor units (half away from zero).
pub fn points_value(closing: Decimal, per_point: Decimal, minor_units: u32) -> Decimal {
    (closing * per_point).round_dp_with_strategy(
        minor_units,
        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Opening is everything before the period, closing adds the period's movements by
    /// kind, days after the period do not count, and one day's closing opens the next.
    #[test]
    fn a_roll_forward_adds_up_and_chains() {
        let c = |day: &str, a, k: &str, n: i64| (d(day), a, k.to_owned(), Decimal::from(n));
        let counted = vec![
            c("2026-06-01", AccountKind::Points, "accrual", 100),
            c("2026-06-02", AccountKind::Points, "accrual", 50),
            c("2026-06-02", AccountKind::Points, "redemption", -30),
            c("2026-06-03", AccountKind::Points, "expiry", -20),
            c("2026-06-04", AccountKind::Points, "accrual", 7),
        ];
        let june2 = roll_forward(&Carried::new(), &counted, d("2026-06-02"), d("2026-06-03"));
        let p = &june2[&AccountKind::Points];
        assert_eq!(
            (p.opening, p.closing),
            (Decimal::from(100), Decimal::from(100))
        );
        assert_eq!(p.movements["accrual"], Decimal::from(50));
        assert_eq!(p.movements["redemption"], Decimal::from(-30));
        assert_eq!(p.movements["expiry"], Decimal::from(-20));
        let next = roll_forward(&Carried::new(), &counted, d("2026-06-04"), d("2026-06-04"));
        assert_eq!(next[&AccountKind::Points].opening, p.closing);
        assert_eq!(june2[&AccountKind::Value], RollForward::default());
    }

    /// A balance carried through May opens June as the days from the start would: the
    /// carry is every movement through May's end, and June's days add to it.
    #[test]
    fn a_carried_month_opens_the_next_as_its_days_would() {
        let c = |day: &str, n: i64| {
            (
                d(day),
                AccountKind::Credit,
                "accrual".to_owned(),
                Decimal::from(n),
            )
        };
        let counted = vec![c("2026-04-30", 5), c("2026-05-01", 7), c("2026-05-31", 11)];
        let april = carry_forward(&Carried::new(), &counted, d("2026-04-01"));
        let may = carry_forward(&april, &counted, d("2026-05-01"));
        assert_eq!(may[&AccountKind::Credit], Decimal::from(23));
        let june = [c("2026-06-01", 2), c("2026-06-03", 3)];
        let from_carry = roll_forward(&may, &june, d("2026-06-02"), d("2026-06-30"));
        let all: Vec<Counted> = counted.iter().chain(&june).cloned().collect();
        let from_start = roll_forward(&Carried::new(), &all, d("2026-06-02"), d("2026-06-30"));
        assert_eq!(from_carry, from_start);
        assert_eq!(from_carry[&AccountKind::Credit].opening, Decimal::from(25));
    }

    /// A month closes once a whole day has passed after it, in the shop's own days.
    #[test]
    fn a_month_is_closable_a_whole_day_after_it_ends() {
        assert_eq!(last_closable(d("2027-02-01")), d("2026-12-01"));
        assert_eq!(last_closable(d("2027-02-02")), d("2027-01-01"));
        assert_eq!(last_closable(d("2028-03-01")), d("2028-01-01"));
        assert_eq!(next_month(d("2026-12-31")), d("2027-01-01"));
        assert_eq!(previous_month(d("2028-03-31")), d("2028-02-01"));
    }

    #[test]
    fn a_period_is_ordered_and_at_most_366_days() {
        assert!(period("2026-01-01", "2026-12-31").is_ok());
        assert!(period("2028-01-01", "2028-12-31").is_ok());
        assert!(period("2026-01-01", "2027-01-02").is_err());
        assert!(period("2026-02-01", "2026-01-31").is_err());
        assert!(period("2026-02-30", "2026-03-01").is_err());
        assert_eq!(
            points_value(Decimal::from(1234), Decimal::new(1, 2), 2),
            Decimal::new(1234, 2)
        );
        assert_eq!(
            points_value(Decimal::from(5), Decimal::new(5, 3), 2),
            Decimal::new(3, 2)
        );
    }
}
