//! Points (seeds 003, 004): earning on paid orders at the rate in force when the order was
//! placed, expiry at the end of a shop-local day, redemption at checkout, and the
//! proportional reversal when an order is refunded.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use thiserror::Error;

use crate::money::{Currency, Money, Shown};
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
    #[error("redemption windows: days of month are 1-31 and date ranges end after they start")]
    BadWindow,
    #[error("tiers: up to 10, each with more points and a bigger discount than the one before")]
    BadTiers,
}

/// When points may be redeemed (004: by dates, day of month, day of week), in shop-local
/// time. Every constraint given must hold; none given means always.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RedeemWindows {
    pub dates: Vec<(NaiveDate, NaiveDate)>,
    pub days_of_month: Vec<u32>,
    pub days_of_week: Vec<Weekday>,
}

impl RedeemWindows {
    pub fn is_open(&self, at: DateTime<Utc>, tz: ShopTz) -> bool {
        let day = tz.local_date(at);
        (self.dates.is_empty()
            || self
                .dates
                .iter()
                .any(|(from, until)| *from <= day && day <= *until))
            && (self.days_of_month.is_empty() || self.days_of_month.contains(&day.day()))
            && (self.days_of_week.is_empty() || self.days_of_week.contains(&day.weekday()))
    }

    pub fn check(&self) -> Result<(), ProgramError> {
        if self.days_of_month.iter().any(|d| !(1..=31).contains(d))
            || self.dates.iter().any(|(from, until)| until < from)
        {
            return Err(ProgramError::BadWindow);
        }
        Ok(())
    }
}

/// Tiered redemption (003): fixed steps of points for fixed discounts, more points buying a
/// bigger step. Empty means ratio mode.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RedeemTiers(pub Vec<(i64, Money)>);

/// How a rule earns on a matching line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Earn {
    /// Points per currency unit of the line (a product's own rate).
    PerUnit(u32),
    /// A fixed number of points for the line.
    Fixed(i64),
    /// A percentage of the line's price, as points (10 % of 100.00 = 10 points).
    PercentOfPrice(u32),
}

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// A special product: its rule wins over everything (003).
    Special(String),
    Product(String),
    Category(String),
}

/// Earning rules beyond the spend rate (003): product and category rules take priority over
/// the spend rule (special product > product > category > spend); promotional and
/// member-price lines can be excluded; date periods multiply what an order earns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EarnRules {
    pub rules: Vec<(Match, Earn)>,
    pub exclude_promotional: bool,
    pub exclude_member_price: bool,
    /// 003: campaign lines (group buy, flash sale, bargain) and goods without a code earn
    /// nothing when excluded, whatever rule would match them.
    pub exclude_campaign: bool,
    pub exclude_no_sku: bool,
    /// `(from, until, factor)`: an order placed on a shop-local day in the range earns
    /// `factor` times; the highest applicable factor counts, factors do not stack.
    pub multipliers: Vec<(NaiveDate, NaiveDate, Decimal)>,
    /// Holidays: an order placed on one of these shop-local days earns `factor` times.
    pub holidays: Vec<(NaiveDate, Decimal)>,
    /// The member's birthday (its day, or its whole month) multiplies what they earn.
    pub birthday: Option<(BirthdayScope, Decimal)>,
    /// By level (the id of the rule card that is the member's level).
    pub levels: Vec<(String, Decimal)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthdayScope {
    Day,
    Month,
}

/// What the member brings to an order's earning: their level, birthday and the best points
/// multiplier among the cards they hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberFactors {
    pub level: Option<String>,
    /// 003 是否积分: the member's level earns no points (credit rules still apply).
    pub earns_nothing: bool,
    pub birthday: Option<NaiveDate>,
    pub card_factor: Option<Decimal>,
}

/// Points an order earns, and how many of them a return takes back: 003 reverses only the
/// level multiplier, so the extra from birthday, holiday, period and card multipliers stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Earned {
    pub points: i64,
    pub reversible: i64,
}

/// An order line as the storefront reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub sku: Option<String>,
    pub category: Option<String>,
    pub amount: Money,
    pub promotional: bool,
    pub member_price: bool,
    /// 003: a group buy, flash sale or bargain line.
    pub campaign: bool,
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
    pub windows: RedeemWindows,
    pub tiers: RedeemTiers,
    pub earn_rules: EarnRules,
    /// 003: every member's points go to zero on 1 January, shop-local.
    pub reset_yearly: bool,
    /// Days after payment before accrued points can be spent (0: at once).
    pub pending_days: u32,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RedeemRefusal {
    #[error("points cannot be redeemed at this time")]
    Closed,
    #[error("redeem one of the tiers: {0}")]
    NotATier(String),
}

impl PointsProgram {
    /// The discount `points` buy now: by tier when the program has tiers, else by ratio.
    pub fn redeem(
        &self,
        points: i64,
        at: DateTime<Utc>,
        tz: ShopTz,
        currency: &Currency,
    ) -> Result<Money, RedeemRefusal> {
        if !self.windows.is_open(at, tz) {
            return Err(RedeemRefusal::Closed);
        }
        if self.tiers.0.is_empty() {
            return Ok(self.discount_for(points, currency));
        }
        self.tiers
            .0
            .iter()
            .find(|(p, _)| *p == points)
            .map(|(_, discount)| *discount)
            .ok_or_else(|| {
                RedeemRefusal::NotATier(
                    self.tiers
                        .0
                        .iter()
                        .map(|(p, d)| format!("{p} points = {}", Shown::of(*d, currency)))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })
    }

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
        self.windows.check()?;
        // More points must buy a strictly bigger discount, or the tiers make no sense.
        let tiers = &self.tiers.0;
        if tiers.len() > 10
            || tiers
                .iter()
                .any(|(p, d)| *p <= 0 || d.is_negative() || d.is_zero())
            || tiers
                .windows(2)
                .any(|w| w[1].0 <= w[0].0 || w[1].1 <= w[0].1)
        {
            return Err(ProgramError::BadTiers);
        }
        Ok(())
    }

    /// Points for an order without member factors.
    pub fn points_for_order(
        &self,
        total: Money,
        lines: &[OrderLine],
        placed_at: DateTime<Utc>,
        tz: ShopTz,
    ) -> i64 {
        self.earn(total, lines, placed_at, tz, &MemberFactors::default())
            .points
    }

    /// Points for an order's lines placed at `placed_at`: each line by the first rule that
    /// matches it in priority order, else by the spend rate unless it is excluded; the sum
    /// rounded down once; then the level multiplier (reversible), then the highest of the
    /// birthday, holiday, period and card multipliers (they do not stack with each other;
    /// documented in openapi.yaml). Without lines, the total earns at the spend rate.
    pub fn earn(
        &self,
        total: Money,
        lines: &[OrderLine],
        placed_at: DateTime<Utc>,
        tz: ShopTz,
        member: &MemberFactors,
    ) -> Earned {
        if member.earns_nothing {
            return Earned::default();
        }
        let rules = &self.earn_rules;
        let mut points = Decimal::ZERO;
        if lines.is_empty() {
            points = total
                .amount()
                .saturating_mul(Decimal::from(self.earn_per_unit));
        }
        for line in lines {
            if (line.campaign && rules.exclude_campaign)
                || (line.sku.is_none() && rules.exclude_no_sku)
            {
                continue;
            }
            let rank = |m: &Match| match m {
                Match::Special(sku) if line.sku.as_deref() == Some(sku) => Some(0),
                Match::Product(sku) if line.sku.as_deref() == Some(sku) => Some(1),
                Match::Category(c) if line.category.as_deref() == Some(c) => Some(2),
                _ => None,
            };
            let rule = rules
                .rules
                .iter()
                .filter_map(|(m, e)| rank(m).map(|r| (r, e)))
                .min_by_key(|(r, _)| *r);
            let amount = line.amount.amount();
            // Saturating: a cart of thousands of maximal lines at the highest rates must not
            // panic; the grant is capped at MAX_GRANT_POINTS below anyway.
            points = points.saturating_add(match rule {
                Some((_, Earn::PerUnit(rate))) => amount.saturating_mul(Decimal::from(*rate)),
                Some((_, Earn::Fixed(p))) => Decimal::from(*p),
                Some((_, Earn::PercentOfPrice(pct))) => {
                    amount.saturating_mul(Decimal::from(*pct)) / Decimal::ONE_HUNDRED
                }
                None if (line.promotional && rules.exclude_promotional)
                    || (line.member_price && rules.exclude_member_price) =>
                {
                    Decimal::ZERO
                }
                None => amount.saturating_mul(Decimal::from(self.earn_per_unit)),
            });
        }
        let day = tz.local_date(placed_at);
        let birthday = rules.birthday.and_then(|(scope, f)| {
            let b = member.birthday?;
            let hit =
                b.month() == day.month() && (scope == BirthdayScope::Month || b.day() == day.day());
            hit.then_some(f)
        });
        let event = rules
            .multipliers
            .iter()
            .filter(|(from, until, _)| *from <= day && day <= *until)
            .map(|(_, _, f)| *f)
            .chain(
                rules
                    .holidays
                    .iter()
                    .filter(|(d, _)| *d == day)
                    .map(|(_, f)| *f),
            )
            .chain(birthday)
            .chain(member.card_factor)
            .max()
            .unwrap_or(Decimal::ONE)
            .max(Decimal::ONE);
        let level = member
            .level
            .as_ref()
            .and_then(|l| rules.levels.iter().find(|(id, _)| id == l))
            .map_or(Decimal::ONE, |(_, f)| *f);
        let reversible = whole_points(points.floor().saturating_mul(level));
        Earned {
            points: whole_points(Decimal::from(reversible).saturating_mul(event)),
            reversible,
        }
    }

    /// The instant a yearly reset takes points earned at `at`: the end of 31 December, local.
    fn year_end(at: DateTime<Utc>, tz: ShopTz) -> DateTime<Utc> {
        let year = tz.local_date(at).year();
        tz.end_of_day(NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX))
    }

    /// From 16 December the shop is warned that points reset on 1 January (003): the date
    /// of the coming reset, while the warning is due.
    pub fn reset_warning(&self, now: DateTime<Utc>, tz: ShopTz) -> Option<NaiveDate> {
        let today = tz.local_date(now);
        (self.reset_yearly && today.month() == 12 && today.day() >= 16)
            .then(|| NaiveDate::from_ymd_opt(today.year() + 1, 1, 1))
            .flatten()
    }

    /// 004: N points per unit, rounded down (MYR 30.98 at 100/MYR = 3098).
    pub fn points_for(&self, spent: Money) -> i64 {
        whole_points(
            spent
                .amount()
                .saturating_mul(Decimal::from(self.earn_per_unit)),
        )
    }

    /// When points earned at `at` expire: the end of the local day `months` later (004:
    /// earned 2022-04-01 13:21 with 6 months -> 2022-10-01 23:59:59 local).
    /// With the yearly reset on, no point outlives the year it was earned in: the reset is
    /// an expiry at the end of 31 December, so balances are exact at any instant and the
    /// scheduled job only writes the ledger entries.
    pub fn expiry_for(&self, at: DateTime<Utc>, tz: ShopTz) -> Option<DateTime<Utc>> {
        let by_term = match self.expiry {
            PointsExpiry::Never => None,
            PointsExpiry::Months(m) => Some(tz.end_of_day(tz.date_after_months(at, m))),
        };
        if !self.reset_yearly {
            return by_term;
        }
        let year_end = Self::year_end(at, tz);
        Some(by_term.map_or(year_end, |t| t.min(year_end)))
    }

    /// When points accrued at `paid_at` become spendable, if the program holds them.
    pub fn pending_until(&self, paid_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.pending_days > 0).then(|| {
            paid_at
                .checked_add_signed(chrono::Duration::days(i64::from(self.pending_days)))
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        })
    }

    /// 004: N points = one currency unit (387 points at 100/MYR = MYR 3.87), rounded down
    /// to the currency's minor unit.
    pub fn discount_for(&self, points: i64, currency: &Currency) -> Money {
        let value = (Decimal::from(points) / Decimal::from(self.redeem_per_unit))
            .round_dp_with_strategy(currency.minor_units(), RoundingStrategy::ToZero);
        Money::from_stored(value)
    }

    /// 004: `points` redeemed on an order now: the program on, the window open, a tier (in
    /// tiered mode), and within the caps for an order of `order_total`.
    pub fn redeem_on_order(
        &self,
        points: i64,
        order_total: Option<Money>,
        at: DateTime<Utc>,
        tz: ShopTz,
        currency: &Currency,
    ) -> Result<Money, crate::Refusal> {
        if !self.enabled {
            return Err(crate::Refusal::ProgramDisabled(
                "the points program is not enabled".into(),
            ));
        }
        // Windows and tiers first: a closed window or an odd amount changes nothing.
        let discount = self.redeem(points, at, tz, currency)?;
        match self.redeem_cap(order_total) {
            Some(cap) if points > cap => Err(crate::Refusal::RedemptionCapExceeded { cap }),
            _ => Ok(discount),
        }
    }

    /// What a member with `balance` points could redeem now on an order paying `total`,
    /// and the discount it buys: nothing while the program is off or the window closed;
    /// within the caps and never more than the order is worth; in tiered mode the largest
    /// tier within that.
    pub fn redeemable(
        &self,
        balance: i64,
        total: Money,
        at: DateTime<Utc>,
        tz: ShopTz,
        currency: &Currency,
    ) -> (i64, Money) {
        if !self.enabled || !self.windows.is_open(at, tz) {
            return (0, Money::ZERO);
        }
        let most = balance
            .min(self.redeem_cap(Some(total)).unwrap_or(i64::MAX))
            .max(0);
        if self.tiers.0.is_empty() {
            return (most, self.discount_for(most, currency));
        }
        self.tiers
            .0
            .iter()
            .rev()
            .find(|(p, d)| *p <= most && d.amount() <= total.amount())
            .map_or((0, Money::ZERO), |(p, d)| (*p, *d))
    }

    /// The most points one order may redeem: the caps, and never more than its total is
    /// worth.
    pub fn redeem_cap(&self, order_total: Option<Money>) -> Option<i64> {
        let mut cap = self.max_redeem_points;
        if let Some(total) = order_total {
            let worth = (total
                .amount()
                .saturating_mul(Decimal::from(self.redeem_per_unit)))
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

/// The most points one grant may carry: far above any real order, far below where an i64
/// balance could overflow.
pub const MAX_GRANT_POINTS: i64 = 1_000_000_000_000;

/// Whole points, rounded down (004), within 0..=MAX_GRANT_POINTS.
fn whole_points(d: Decimal) -> i64 {
    if d <= Decimal::ZERO {
        return 0;
    }
    d.floor()
        .to_i64()
        .unwrap_or(MAX_GRANT_POINTS)
        .min(MAX_GRANT_POINTS)
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
    // Exact while the product fits (it does for any real order); the ratio first otherwise.
    let part = Decimal::from(whole).checked_mul(refunded).map_or_else(
        || (refunded / total).saturating_mul(Decimal::from(whole)),
        |p| p / total,
    );
    part.floor().to_i64().unwrap_or(0).clamp(0, whole)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::myr;

    fn program(expiry: PointsExpiry) -> PointsProgram {
        PointsProgram {
            enabled: true,
            name: "Points".into(),
            earn_per_unit: 100,
            redeem_per_unit: 100,
            expiry,
            max_redeem_points: None,
            max_redeem_percent: None,
            windows: RedeemWindows::default(),
            tiers: RedeemTiers::default(),
            earn_rules: EarnRules::default(),
            reset_yearly: false,
            pending_days: 0,
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
    fn redemption_windows_are_shop_local_dates_days_of_month_and_weekdays() {
        let kl = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
        let p = PointsProgram {
            windows: RedeemWindows {
                dates: vec![("2026-11-01".parse().unwrap(), "2026-11-30".parse().unwrap())],
                days_of_month: vec![],
                days_of_week: vec![Weekday::Fri, Weekday::Sat],
            },
            ..program(PointsExpiry::Never)
        };
        // Friday 2026-11-27 in Kuala Lumpur is still Thursday in UTC at 17:00.
        assert!(p
            .redeem(100, at("2026-11-27T01:00:00+08:00"), kl, &myr())
            .is_ok());
        assert_eq!(
            p.redeem(100, at("2026-11-26T23:00:00+08:00"), kl, &myr()),
            Err(RedeemRefusal::Closed)
        );
        assert_eq!(
            p.redeem(100, at("2026-12-04T10:00:00+08:00"), kl, &myr()),
            Err(RedeemRefusal::Closed)
        );
        let monthly = RedeemWindows {
            days_of_month: vec![1, 15],
            ..RedeemWindows::default()
        };
        assert!(monthly.is_open(at("2026-11-15T10:00:00+08:00"), kl));
        assert!(!monthly.is_open(at("2026-11-16T10:00:00+08:00"), kl));
    }

    #[test]
    fn tiers_buy_fixed_discounts_and_nothing_in_between() {
        let kl = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
        let tiers = RedeemTiers(vec![
            (500, Money::parse("5.00", &myr()).unwrap()),
            (1000, Money::parse("12.00", &myr()).unwrap()),
        ]);
        let p = PointsProgram {
            tiers,
            ..program(PointsExpiry::Never)
        };
        assert!(p.check().is_ok());
        let now = at("2026-11-27T10:00:00+08:00");
        assert_eq!(
            p.redeem(1000, now, kl, &myr())
                .unwrap()
                .to_string_in(&myr()),
            "12.00"
        );
        assert!(matches!(
            p.redeem(700, now, kl, &myr()),
            Err(RedeemRefusal::NotATier(_))
        ));
        let worse = RedeemTiers(vec![
            (500, Money::parse("5.00", &myr()).unwrap()),
            (1000, Money::parse("4.00", &myr()).unwrap()),
        ]);
        assert_eq!(
            PointsProgram {
                tiers: worse,
                ..program(PointsExpiry::Never)
            }
            .check(),
            Err(ProgramError::BadTiers)
        );
    }

    fn line(sku: &str, category: &str, amount: &str) -> OrderLine {
        OrderLine {
            sku: Some(sku.into()),
            category: Some(category.into()),
            amount: Money::parse(amount, &myr()).unwrap(),
            promotional: false,
            member_price: false,
            campaign: false,
        }
    }

    #[test]
    fn product_rules_beat_category_rules_which_beat_the_spend_rate() {
        let kl = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
        let placed = at("2026-11-27T10:00:00+08:00");
        let p = PointsProgram {
            earn_rules: EarnRules {
                rules: vec![
                    (Match::Category("milk".into()), Earn::PerUnit(200)),
                    (Match::Product("M1".into()), Earn::Fixed(50)),
                    (Match::Special("M2".into()), Earn::PercentOfPrice(10)),
                    (Match::Product("M2".into()), Earn::Fixed(999)),
                ],
                exclude_promotional: true,
                exclude_member_price: false,
                ..EarnRules::default()
            },
            ..program(PointsExpiry::Never)
        };
        let total = Money::parse("100.00", &myr()).unwrap();
        // M1: its product rule (50) over the milk category rule.
        assert_eq!(
            p.points_for_order(total, &[line("M1", "milk", "10.00")], placed, kl),
            50
        );
        // M3: the milk category rule, 200 per MYR.
        assert_eq!(
            p.points_for_order(total, &[line("M3", "milk", "10.00")], placed, kl),
            2000
        );
        // M2: special product, 10 % of 100.00 = 10 points, over its product rule.
        assert_eq!(
            p.points_for_order(total, &[line("M2", "milk", "100.00")], placed, kl),
            10
        );
        // Bread: the spend rate; a promotional bread line earns nothing.
        let mut promo = line("B1", "bread", "5.00");
        assert_eq!(p.points_for_order(total, &[promo.clone()], placed, kl), 500);
        promo.promotional = true;
        assert_eq!(p.points_for_order(total, &[promo], placed, kl), 0);
        // No lines: the total at the spend rate (004: 30.98 -> 3098).
        assert_eq!(
            p.points_for_order(Money::parse("30.98", &myr()).unwrap(), &[], placed, kl),
            3098
        );
    }

    #[test]
    fn fractions_are_summed_before_rounding_and_periods_multiply() {
        let kl = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
        let p = PointsProgram {
            earn_per_unit: 1,
            earn_rules: EarnRules {
                multipliers: vec![
                    (
                        "2026-12-01".parse().unwrap(),
                        "2026-12-31".parse().unwrap(),
                        Decimal::TWO,
                    ),
                    (
                        "2026-12-25".parse().unwrap(),
                        "2026-12-25".parse().unwrap(),
                        Decimal::from(3),
                    ),
                ],
                ..EarnRules::default()
            },
            ..program(PointsExpiry::Never)
        };
        let lines = [line("A", "x", "0.50"), line("B", "x", "0.50")];
        let total = Money::parse("1.00", &myr()).unwrap();
        assert_eq!(
            p.points_for_order(total, &lines, at("2026-11-30T10:00:00+08:00"), kl),
            1
        );
        assert_eq!(
            p.points_for_order(total, &lines, at("2026-12-10T10:00:00+08:00"), kl),
            2
        );
        // The highest factor of the day counts; they do not stack.
        assert_eq!(
            p.points_for_order(total, &lines, at("2026-12-25T10:00:00+08:00"), kl),
            3
        );
        // 23:30 on 30 Nov in Kuala Lumpur is still 30 Nov there (15:30 UTC).
        assert_eq!(
            p.points_for_order(total, &lines, at("2026-11-30T23:30:00+08:00"), kl),
            1
        );
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

    #[test]
    fn the_level_multiplier_is_reversible_and_the_best_event_multiplier_is_kept() {
        let kl = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
        let p = PointsProgram {
            earn_per_unit: 1,
            earn_rules: EarnRules {
                levels: vec![("gold".into(), Decimal::TWO)],
                birthday: Some((BirthdayScope::Day, Decimal::from(3))),
                holidays: vec![("2026-12-25".parse().unwrap(), Decimal::new(15, 1))],
                ..EarnRules::default()
            },
            ..program(PointsExpiry::Never)
        };
        let total = Money::parse("100.00", &myr()).unwrap();
        let gold = MemberFactors {
            level: Some("gold".into()),
            birthday: Some("1990-12-25".parse().unwrap()),
            card_factor: None,
            earns_nothing: false,
        };
        // 003 是否积分: a level that does not earn points earns none, multipliers or not.
        let no_points = MemberFactors {
            level: Some("gold".into()),
            earns_nothing: true,
            ..MemberFactors::default()
        };
        assert_eq!(
            p.earn(total, &[], at("2026-12-25T10:00:00+08:00"), kl, &no_points),
            Earned::default()
        );
        // Christmas and the birthday: 100 x 2 (level) x 3 (the best of 1.5 and 3).
        let xmas = at("2026-12-25T10:00:00+08:00");
        assert_eq!(
            p.earn(total, &[], xmas, kl, &gold),
            Earned {
                points: 600,
                reversible: 200
            }
        );
        // Another day: only the level; a card's multiplier counts like an event.
        let plain = at("2026-12-20T10:00:00+08:00");
        assert_eq!(p.earn(total, &[], plain, kl, &gold).points, 200);
        let carded = MemberFactors {
            card_factor: Some(Decimal::new(25, 1)),
            ..gold.clone()
        };
        assert_eq!(p.earn(total, &[], plain, kl, &carded).points, 500);
        // Without a level nothing is reversible beyond the base.
        let nobody = MemberFactors::default();
        assert_eq!(
            p.earn(total, &[], xmas, kl, &nobody),
            Earned {
                points: 150,
                reversible: 100
            }
        );
        // A birthday month scope matches any day of the month.
        let monthly = PointsProgram {
            earn_rules: EarnRules {
                birthday: Some((BirthdayScope::Month, Decimal::TWO)),
                ..EarnRules::default()
            },
            ..p.clone()
        };
        assert_eq!(monthly.earn(total, &[], plain, kl, &gold).points, 200);
        assert_eq!(
            monthly
                .earn(total, &[], at("2026-11-20T10:00:00+08:00"), kl, &gold)
                .points,
            100
        );
    }

    #[test]
    fn a_yearly_reset_ends_every_lot_with_the_year_and_warns_from_16_december() {
        let kl = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
        let p = PointsProgram {
            reset_yearly: true,
            ..program(PointsExpiry::Months(6))
        };
        // Earned in November with 6 months: the reset comes first.
        assert_eq!(
            p.expiry_for(at("2026-11-10T09:00:00+08:00"), kl),
            Some(at("2026-12-31T23:59:59+08:00"))
        );
        // Earned in March: the 6-month term ends first.
        assert_eq!(
            p.expiry_for(at("2026-03-10T09:00:00+08:00"), kl),
            Some(at("2026-09-10T23:59:59+08:00"))
        );
        // Earned at 00:30 local on 1 January (still 31 December in UTC): next year's end.
        let never = PointsProgram {
            reset_yearly: true,
            ..program(PointsExpiry::Never)
        };
        assert_eq!(
            never.expiry_for(at("2027-01-01T00:30:00+08:00"), kl),
            Some(at("2027-12-31T23:59:59+08:00"))
        );
        assert_eq!(p.reset_warning(at("2026-12-15T23:59:00+08:00"), kl), None);
        assert_eq!(
            p.reset_warning(at("2026-12-16T00:00:00+08:00"), kl),
            Some("2027-01-01".parse().unwrap())
        );
        assert_eq!(
            program(PointsExpiry::Never).reset_warning(at("2026-12-20T00:00:00+08:00"), kl),
            None
        );
    }

    #[test]
    fn earning_on_the_largest_cart_at_the_highest_rates_saturates_instead_of_panicking() {
        // Hardening: 3,000 lines of the largest amount, 1,000,000 points per unit, x100 level
        // and x100 event multipliers overflow a Decimal if multiplied unchecked.
        let mut p = program(PointsExpiry::Never);
        p.earn_per_unit = u32::MAX;
        p.earn_rules.levels = vec![("gold".into(), Decimal::from(100))];
        p.earn_rules.birthday = Some((BirthdayScope::Month, Decimal::from(100)));
        let big = Money::parse("1000000000000.00", &myr()).unwrap();
        let lines: Vec<OrderLine> = (0..3000)
            .map(|i| OrderLine {
                sku: Some(format!("S{i}")),
                category: None,
                amount: big,
                promotional: false,
                member_price: false,
                campaign: false,
            })
            .collect();
        let member = MemberFactors {
            level: Some("gold".into()),
            birthday: NaiveDate::from_ymd_opt(1990, 4, 1),
            card_factor: None,
            earns_nothing: false,
        };
        let kl = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
        let earned = p.earn(big, &lines, at("2026-04-01T13:00:00+08:00"), kl, &member);
        assert_eq!(earned.points, MAX_GRANT_POINTS);
        assert_eq!(p.points_for(big), MAX_GRANT_POINTS);
        // A refund share of a huge grant takes the ratio path instead of overflowing.
        let share = proportional(
            i64::MAX,
            Decimal::from(1_000_000_000_000i64),
            Decimal::from(2_000_000_000_000i64),
        );
        assert!(share > i64::MAX / 3 && share < i64::MAX, "{share}");
    }
}
