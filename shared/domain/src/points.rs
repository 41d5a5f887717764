//! Points (seeds 003, 004): earning on paid orders at the rate in force when the order was
//! placed, expiry at the end of a shop-local day, redemption at checkout, and the
//! proportional reversal when an order is refunded.

use chrono::{DateTime, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use thiserror::Error;

use crate::money::{Currency, Money};
use crate::time::ShopTz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointsExpiry {
    Never,
    /// 004: 3, 6 or 12 months, ending 23:59:59 local on the expiry date.
    Months(u32),
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProgramError {
    #[error("points expire never, or after 3, 6 or 12 months")]
    BadExpiry,
    #[error("points per currency unit must be 1-1000000")]
    BadRate,
    #[error("a redemption cap in percent is 1-100")]
    BadPercent,
}

/// One version of a shop's points program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsProgram {
    pub enabled: bool,
    pub name: String,
    /// Points earned per currency unit spent.
    pub earn_per_unit: u32,
    /// Points that make one currency unit of discount.
    pub redeem_per_unit: u32,
    pub expiry: PointsExpiry,
    pub max_redeem_points: Option<i64>,
    pub max_redeem_percent: Option<u32>,
}

impl PointsProgram {
    pub fn check(&self) -> Result<(), ProgramError> {
        let rate_ok = |r: u32| (1..=1_000_000).contains(&r);
        if !rate_ok(self.earn_per_unit) || !rate_ok(self.redeem_per_unit) {
            return Err(ProgramError::BadRate);
        }
        if let PointsExpiry::Months(m) = self.expiry {
            if ![3, 6, 12].contains(&m) {
                return Err(ProgramError::BadExpiry);
            }
        }
        if self.max_redeem_percent.is_some_and(|p| p == 0 || p > 100) {
            return Err(ProgramError::BadPercent);
        }
        Ok(())
    }

    /// 004: N points per unit, rounded down (MYR 30.98 at 100/MYR = 3098).
    pub fn points_for(&self, spent: Money) -> i64 {
        (spent.amount() * Decimal::from(self.earn_per_unit))
            .floor()
            .to_i64()
            .unwrap_or(0)
            .max(0)
    }

    /// When points earned at `at` expire: the end of the local day `months` later (004:
    /// earned 2022-04-01 13:21 with 6 months -> 2022-10-01 23:59:59 local).
    pub fn expiry_for(&self, at: DateTime<Utc>, tz: ShopTz) -> Option<DateTime<Utc>> {
        match self.expiry {
            PointsExpiry::Never => None,
            PointsExpiry::Months(m) => Some(tz.end_of_day(tz.date_after_months(at, m))),
        }
    }

    /// 004: N points = one currency unit (387 points at 100/MYR = MYR 3.87), rounded down
    /// to the currency's minor unit.
    pub fn discount_for(&self, points: i64, currency: &Currency) -> Money {
        let value = (Decimal::from(points) / Decimal::from(self.redeem_per_unit))
            .round_dp_with_strategy(currency.minor_units(), RoundingStrategy::ToZero);
        Money::from_stored(value)
    }

    /// The most points one order may redeem: the caps, and never more than its total is
    /// worth.
    pub fn redeem_cap(&self, order_total: Option<Money>) -> Option<i64> {
        let mut cap = self.max_redeem_points;
        if let Some(total) = order_total {
            let worth = (total.amount() * Decimal::from(self.redeem_per_unit))
                .floor()
                .to_i64()
                .unwrap_or(i64::MAX);
            let pct = self.max_redeem_percent.unwrap_or(100);
            let by_pct = worth.saturating_mul(i64::from(pct)) / 100;
            cap = Some(cap.map_or(by_pct, |c| c.min(by_pct)));
        }
        cap
    }
}

/// The program's versions, oldest first, each in force from its instant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProgramVersions {
    pub versions: Vec<(DateTime<Utc>, PointsProgram)>,
}

impl ProgramVersions {
    /// How many versions are kept: orders are paid within days of being placed.
    pub const KEEP: usize = 50;

    /// The version in force at `at` (004: the one when the order was placed). An order
    /// placed before the program's first version (reported late, or imported) earns by that
    /// first version: the shop's earliest terms are the closest to the ones it was placed
    /// under.
    pub fn in_force_at(&self, at: DateTime<Utc>) -> Option<&PointsProgram> {
        self.versions
            .iter()
            .rev()
            .find(|(from, _)| *from <= at)
            .or_else(|| self.versions.first())
            .map(|(_, p)| p)
    }

    pub fn current(&self) -> Option<&PointsProgram> {
        self.versions.last().map(|(_, p)| p)
    }

    pub fn push(&mut self, from: DateTime<Utc>, program: PointsProgram) {
        self.versions.push((from, program));
        if self.versions.len() > Self::KEEP {
            let drop = self.versions.len() - Self::KEEP;
            self.versions.drain(..drop);
        }
    }
}

/// The part of `whole` that `refunded` out of `total` accounts for, rounded down, so
/// cumulative refunds never take back more than was given and a full refund takes it all.
pub fn proportional(whole: i64, refunded: Decimal, total: Decimal) -> i64 {
    if total <= Decimal::ZERO || refunded >= total {
        return whole;
    }
    (Decimal::from(whole) * refunded / total)
        .floor()
        .to_i64()
        .unwrap_or(0)
        .clamp(0, whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn myr() -> Currency {
        Currency::parse("MYR").unwrap()
    }

    fn program(expiry: PointsExpiry) -> PointsProgram {
        PointsProgram {
            enabled: true,
            name: "Points".into(),
            earn_per_unit: 100,
            redeem_per_unit: 100,
            expiry,
            max_redeem_points: None,
            max_redeem_percent: None,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn earning_rounds_down() {
        // 004: MYR 30.98 at 100/MYR = 3098.
        let p = program(PointsExpiry::Never);
        assert_eq!(p.points_for(Money::parse("30.98", &myr()).unwrap()), 3098);
        let ten_per = PointsProgram {
            earn_per_unit: 10,
            ..p
        };
        assert_eq!(ten_per.points_for(Money::parse("0.19", &myr()).unwrap()), 1);
    }

    #[test]
    fn points_expire_at_the_end_of_the_local_day_months_later() {
        // 004: earned 2022-04-01 13:21 with 6 months -> 2022-10-01 23:59:59 local.
        let kl = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
        let p = program(PointsExpiry::Months(6));
        assert_eq!(
            p.expiry_for(at("2022-04-01T13:21:00+08:00"), kl),
            Some(at("2022-10-01T23:59:59+08:00"))
        );
        assert_eq!(
            program(PointsExpiry::Never).expiry_for(at("2022-04-01T13:21:00+08:00"), kl),
            None
        );
        assert!(program(PointsExpiry::Months(5)).check().is_err());
    }

    #[test]
    fn redeeming_387_points_is_a_discount_of_3_87() {
        // 004: 387 points at 100/MYR = MYR 3.87.
        let p = program(PointsExpiry::Never);
        assert_eq!(p.discount_for(387, &myr()).to_string_in(&myr()), "3.87");
        let three = PointsProgram {
            redeem_per_unit: 3,
            ..p
        };
        assert_eq!(three.discount_for(1, &myr()).to_string_in(&myr()), "0.33");
    }

    #[test]
    fn the_rate_in_force_at_placement_applies() {
        // 004: placed at 10/MYR, changed to 1/MYR before payment -> MYR 10 gives 100.
        let mut versions = ProgramVersions::default();
        versions.push(
            at("2026-01-01T00:00:00Z"),
            PointsProgram {
                earn_per_unit: 10,
                ..program(PointsExpiry::Never)
            },
        );
        versions.push(
            at("2026-04-01T12:00:00Z"),
            PointsProgram {
                earn_per_unit: 1,
                ..program(PointsExpiry::Never)
            },
        );
        let placed = versions.in_force_at(at("2026-04-01T11:00:00Z")).unwrap();
        assert_eq!(placed.points_for(Money::parse("10", &myr()).unwrap()), 100);
        // Placed before the program existed: its first terms apply.
        assert_eq!(
            versions
                .in_force_at(at("2025-12-31T00:00:00Z"))
                .unwrap()
                .earn_per_unit,
            10
        );
        assert_eq!(
            ProgramVersions::default().in_force_at(at("2025-12-31T00:00:00Z")),
            None
        );
        assert_eq!(versions.current().unwrap().earn_per_unit, 1);
    }

    #[test]
    fn caps_limit_a_redemption() {
        let p = PointsProgram {
            max_redeem_points: Some(500),
            max_redeem_percent: Some(50),
            ..program(PointsExpiry::Never)
        };
        // A MYR 8.00 order is worth 800 points; 50 % of it is 400, under the 500 cap.
        assert_eq!(
            p.redeem_cap(Some(Money::parse("8.00", &myr()).unwrap())),
            Some(400)
        );
        assert_eq!(p.redeem_cap(None), Some(500));
    }

    #[test]
    fn refunds_take_back_in_proportion_and_a_full_refund_takes_all() {
        let total = Decimal::new(3098, 2);
        assert_eq!(proportional(3098, Decimal::new(1000, 2), total), 1000);
        assert_eq!(proportional(3098, total, total), 3098);
        assert_eq!(
            proportional(100, Decimal::new(1, 2), Decimal::new(300, 2)),
            0
        );
        assert_eq!(proportional(100, Decimal::ZERO, Decimal::ZERO), 100);
    }
}
