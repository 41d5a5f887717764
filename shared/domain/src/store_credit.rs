//! Store credit (seed 001): the program's five issuance rules, validity, and the
//! proportional clawback when an order is refunded. Pure: accrual, registration and refunds
//! call these with what they read.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use thiserror::Error;

use crate::money::{Currency, Money};
use crate::time::ShopTz;

/// How long issued credit lasts; fixed at issue, so a later change never alters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditExpiry {
    Never,
    /// Until the end of the shop-local day `n` days after issue.
    Days(u32),
    /// Until the end of this shop-local date.
    Until(NaiveDate),
}

impl CreditExpiry {
    /// When credit issued at `at` expires; `Until` a date already past gives credit that
    /// is dead on arrival, so callers skip it (`is_live_at`).
    pub fn expires_at(&self, at: DateTime<Utc>, tz: ShopTz) -> Option<DateTime<Utc>> {
        match *self {
            CreditExpiry::Never => None,
            CreditExpiry::Days(n) => Some(tz.end_of_day(tz.date_after_days(at, n))),
            CreditExpiry::Until(date) => Some(tz.end_of_day(date)),
        }
    }
}

/// A grant: a fixed amount, or `give` for every whole `per` spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Fixed(Money),
    PerSpend { per: Money, give: Money },
}

impl Grant {
    fn amount_for(&self, spent: Decimal) -> Decimal {
        match *self {
            Grant::Fixed(m) => m.amount(),
            Grant::PerSpend { per, give } => steps(spent, per) * give.amount(),
        }
    }
}

fn steps(spent: Decimal, per: Money) -> Decimal {
    if per.amount() <= Decimal::ZERO || spent <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    (spent / per.amount()).floor()
}

/// Cumulative spend: every `per` gives `give`, the remainder carried to the next step; or
/// up to five thresholds, each given once when crossed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CumulativeSpend {
    Every { per: Money, give: Money },
    Tiers(Vec<(Money, Money)>),
}

/// A rule with its own validity, or the program's when `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule<T> {
    pub rule: T,
    pub expiry: Option<CreditExpiry>,
}

/// Which notifications the shop sends (001: issued, used, expiring, refund to credit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifySwitches {
    pub issued: bool,
    pub used: bool,
    pub expiring: bool,
    pub refund: bool,
}

impl Default for NotifySwitches {
    fn default() -> Self {
        Self {
            issued: true,
            used: true,
            expiring: true,
            refund: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditProgram {
    pub enabled: bool,
    pub expiry: CreditExpiry,
    pub first_order: Option<Rule<Grant>>,
    /// With the minimum order total that earns it.
    pub each_order: Option<(Rule<Grant>, Money)>,
    pub registration: Option<Rule<Money>>,
    /// (orders, give), counts strictly increasing; each reached once.
    pub order_count: Option<Rule<Vec<(u64, Money)>>>,
    pub cumulative_spend: Option<Rule<CumulativeSpend>>,
    pub notify: NotifySwitches,
}

/// Why a rule granted credit; the ledger reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    FirstOrder,
    EachOrder,
    Registration,
    OrderCount(u64),
    CumulativeSpend,
}

impl Source {
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::FirstOrder => "first_order",
            Source::EachOrder => "each_order",
            Source::Registration => "registration",
            Source::OrderCount(_) => "order_count",
            Source::CumulativeSpend => "cumulative_spend",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditGrant {
    pub source: Source,
    pub amount: Decimal,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The member before this order: it is order number `orders_before + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderFacts {
    pub total: Money,
    pub orders_before: u64,
    pub spend_before: Decimal,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CreditProgramError {
    #[error("amounts must be above zero")]
    NotPositive,
    #[error("up to 5 tiers, each above the one before")]
    BadTiers,
    #[error("validity in days is 1-36500")]
    BadDays,
}

impl CreditProgram {
    pub fn check(&self) -> Result<(), CreditProgramError> {
        let pos = |m: &Money| m.amount() > Decimal::ZERO;
        let grant_ok = |g: &Grant| match g {
            Grant::Fixed(m) => pos(m),
            Grant::PerSpend { per, give } => pos(per) && pos(give),
        };
        let expiries = [
            Some(self.expiry),
            self.first_order.as_ref().and_then(|r| r.expiry),
            self.each_order.as_ref().and_then(|(r, _)| r.expiry),
            self.registration.as_ref().and_then(|r| r.expiry),
            self.order_count.as_ref().and_then(|r| r.expiry),
            self.cumulative_spend.as_ref().and_then(|r| r.expiry),
        ];
        if expiries
            .iter()
            .flatten()
            .any(|e| matches!(e, CreditExpiry::Days(d) if !(1..=36_500).contains(d)))
        {
            return Err(CreditProgramError::BadDays);
        }
        let grants_ok = self.first_order.as_ref().is_none_or(|r| grant_ok(&r.rule))
            && self
                .each_order
                .as_ref()
                .is_none_or(|(r, min)| grant_ok(&r.rule) && !min.is_negative())
            && self.registration.as_ref().is_none_or(|r| pos(&r.rule));
        if !grants_ok {
            return Err(CreditProgramError::NotPositive);
        }
        if let Some(r) = &self.order_count {
            let t = &r.rule;
            if t.is_empty()
                || t.len() > 5
                || t.iter().any(|(n, g)| *n == 0 || !pos(g))
                || t.windows(2).any(|w| w[1].0 <= w[0].0)
            {
                return Err(CreditProgramError::BadTiers);
            }
        }
        if let Some(r) = &self.cumulative_spend {
            match &r.rule {
                CumulativeSpend::Every { per, give } if !pos(per) || !pos(give) => {
                    return Err(CreditProgramError::NotPositive)
                }
                CumulativeSpend::Tiers(t)
                    if t.is_empty()
                        || t.len() > 5
                        || t.iter().any(|(s, g)| !pos(s) || !pos(g))
                        || t.windows(2).any(|w| w[1].0 <= w[0].0) =>
                {
                    return Err(CreditProgramError::BadTiers)
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn grant(
        &self,
        source: Source,
        amount: Decimal,
        own: Option<CreditExpiry>,
        at: DateTime<Utc>,
        tz: ShopTz,
    ) -> Option<CreditGrant> {
        let expires_at = own.unwrap_or(self.expiry).expires_at(at, tz);
        // Credit valid until a date already past would be dead on arrival: not issued.
        let live = expires_at.is_none_or(|e| e >= at);
        (amount > Decimal::ZERO && live).then_some(CreditGrant {
            source,
            amount,
            expires_at,
        })
    }

    /// What a paid order grants, rule by rule: the rules are independent, so an order that
    /// meets several gets each (001). Orders below the each-order minimum still count as
    /// orders and spend for the other rules. A disabled program grants nothing.
    pub fn for_order(&self, o: &OrderFacts, at: DateTime<Utc>, tz: ShopTz) -> Vec<CreditGrant> {
        if !self.enabled {
            return Vec::new();
        }
        let total = o.total.amount();
        let number = o.orders_before + 1;
        let spend_after = o.spend_before + total;
        let mut out = Vec::new();
        // Every grant of one order is made at its instant, in the shop's zone.
        let grant = |source, amount, own| self.grant(source, amount, own, at, tz);
        if let Some(r) = self.first_order.as_ref().filter(|_| o.orders_before == 0) {
            out.extend(grant(
                Source::FirstOrder,
                r.rule.amount_for(total),
                r.expiry,
            ));
        }
        if let Some((r, min)) = &self.each_order {
            if total >= min.amount() {
                out.extend(grant(Source::EachOrder, r.rule.amount_for(total), r.expiry));
            }
        }
        if let Some(r) = &self.order_count {
            for (n, give) in r.rule.iter().filter(|(n, _)| *n == number) {
                out.extend(grant(Source::OrderCount(*n), give.amount(), r.expiry));
            }
        }
        if let Some(r) = &self.cumulative_spend {
            let amount = match &r.rule {
                CumulativeSpend::Every { per, give } => {
                    (steps(spend_after, *per) - steps(o.spend_before, *per)) * give.amount()
                }
                CumulativeSpend::Tiers(tiers) => tiers
                    .iter()
                    .filter(|(t, _)| o.spend_before < t.amount() && t.amount() <= spend_after)
                    .map(|(_, g)| g.amount())
                    .sum(),
            };
            out.extend(grant(Source::CumulativeSpend, amount, r.expiry));
        }
        out
    }

    /// The registration grant, once per member (the caller keeps the once).
    pub fn for_registration(&self, at: DateTime<Utc>, tz: ShopTz) -> Option<CreditGrant> {
        let r = self.registration.as_ref().filter(|_| self.enabled)?;
        self.grant(Source::Registration, r.rule.amount(), r.expiry, at, tz)
    }
}

/// Credit to take back for a refund: the order's grant in proportion to the share refunded
/// so far, rounded half-even to the currency's minor unit, minus what earlier refunds took.
/// Computing from the running total keeps partial refunds that add up to the whole order
/// adding up to exactly the grant.
pub fn clawback_share(
    granted: Decimal,
    already_clawed: Decimal,
    refunded_after: Decimal,
    total: Decimal,
    currency: &Currency,
) -> Decimal {
    if total <= Decimal::ZERO || granted <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let share = (refunded_after.min(total) / total) * granted;
    let target = share
        .round_dp_with_strategy(
            currency.minor_units(),
            RoundingStrategy::MidpointNearestEven,
        )
        .min(granted);
    (target - already_clawed).max(Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{m, myr};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn kl() -> ShopTz {
        ShopTz::parse("Asia/Kuala_Lumpur").unwrap()
    }
    fn rule<T>(rule: T) -> Rule<T> {
        Rule { rule, expiry: None }
    }

    fn all_five() -> CreditProgram {
        CreditProgram {
            enabled: true,
            expiry: CreditExpiry::Never,
            first_order: Some(rule(Grant::Fixed(m("5.00")))),
            each_order: Some((
                rule(Grant::PerSpend {
                    per: m("100.00"),
                    give: m("2.00"),
                }),
                m("50.00"),
            )),
            registration: Some(rule(m("3.00"))),
            order_count: Some(rule(vec![(3, m("5.00"))])),
            cumulative_spend: Some(rule(CumulativeSpend::Every {
                per: m("500.00"),
                give: m("10.00"),
            })),
            notify: NotifySwitches::default(),
        }
    }

    fn total(grants: &[CreditGrant]) -> Decimal {
        grants.iter().map(|g| g.amount).sum()
    }

    fn order(total: &str, before: u64, spent: &str) -> OrderFacts {
        OrderFacts {
            total: m(total),
            orders_before: before,
            spend_before: d(spent),
        }
    }

    #[test]
    fn rules_are_independent_and_an_order_gets_each_it_meets() {
        let p = all_five();
        let now = at("2026-04-01T13:21:00+08:00");
        // First order of 120.00: 5.00 first order + 2.00 per 100.00.
        let first = p.for_order(&order("120.00", 0, "0"), now, kl());
        assert_eq!(total(&first), d("7.00"));
        // Second order of 30.00 is below the 50.00 minimum: nothing, but it still counts.
        assert!(p
            .for_order(&order("30.00", 1, "120.00"), now, kl())
            .is_empty());
        // Third order reaches the 3-order tier, once.
        let third = p.for_order(&order("60.00", 2, "150.00"), now, kl());
        // (60.00 meets the minimum but holds no whole 100.00: the each-order grant is zero.)
        assert_eq!(
            third
                .iter()
                .map(|g| (g.source, g.amount))
                .collect::<Vec<_>>(),
            [(Source::OrderCount(3), d("5.00"))]
        );
        assert!(p
            .for_order(&order("10.00", 3, "210.00"), now, kl())
            .iter()
            .all(|g| g.source != Source::OrderCount(3)));
        let off = CreditProgram {
            enabled: false,
            ..p.clone()
        };
        assert!(off
            .for_order(&order("120.00", 0, "0"), now, kl())
            .is_empty());
        assert_eq!(off.for_registration(now, kl()), None);
        assert_eq!(p.for_registration(now, kl()).unwrap().amount, d("3.00"));
    }

    #[test]
    fn cumulative_spend_carries_the_remainder_to_the_next_step() {
        let p = CreditProgram {
            first_order: None,
            each_order: None,
            order_count: None,
            ..all_five()
        };
        let now = at("2026-04-01T13:21:00+08:00");
        let cum = |t: &str, before: &str| total(&p.for_order(&order(t, 1, before), now, kl()));
        assert_eq!(cum("450.00", "0"), d("0"));
        assert_eq!(cum("650.00", "450.00"), d("20.00")); // crosses 500 and 1000
        assert_eq!(cum("300.00", "1100.00"), d("0"));
        assert_eq!(cum("100.00", "1400.00"), d("10.00"));
        let tiers = CreditProgram {
            cumulative_spend: Some(rule(CumulativeSpend::Tiers(vec![
                (m("1000.00"), m("20.00")),
                (m("2000.00"), m("50.00")),
            ]))),
            ..p.clone()
        };
        let t =
            |amt: &str, before: &str| total(&tiers.for_order(&order(amt, 1, before), now, kl()));
        assert_eq!(t("999.99", "0"), d("0"));
        assert_eq!(t("1500.00", "999.99"), d("70.00"));
        assert_eq!(t("5000.00", "2499.99"), d("0"));
    }

    #[test]
    fn validity_is_fixed_at_issue_per_rule_or_for_the_program() {
        let issued = at("2026-04-01T13:21:00+08:00");
        assert_eq!(
            CreditExpiry::Days(30).expires_at(issued, kl()),
            Some(at("2026-05-01T23:59:59+08:00"))
        );
        let p = CreditProgram {
            expiry: CreditExpiry::Days(30),
            registration: Some(Rule {
                rule: m("3.00"),
                expiry: Some(CreditExpiry::Until("2026-12-31".parse().unwrap())),
            }),
            ..all_five()
        };
        assert_eq!(
            p.for_registration(issued, kl()).unwrap().expires_at,
            Some(at("2026-12-31T23:59:59+08:00"))
        );
        let first = p.for_order(&order("10.00", 0, "0"), issued, kl());
        assert_eq!(first[0].expires_at, Some(at("2026-05-01T23:59:59+08:00")));
        // A fixed date already past issues nothing.
        let past = CreditProgram {
            expiry: CreditExpiry::Until("2026-01-01".parse().unwrap()),
            ..all_five()
        };
        assert!(past
            .for_order(&order("120.00", 0, "0"), issued, kl())
            .is_empty());
    }

    #[test]
    fn clawback_is_proportional_half_even_and_partial_refunds_add_up() {
        let c = myr();
        assert_eq!(
            clawback_share(d("0.05"), d("0"), d("50"), d("100"), &c),
            d("0.02")
        );
        assert_eq!(
            clawback_share(d("0.15"), d("0"), d("50"), d("100"), &c),
            d("0.08")
        );
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(
            clawback_share(d("5"), d("0"), d("50"), d("100"), &jpy),
            d("2")
        );
        // Three refunds of a third each take back exactly the grant.
        let (mut clawed, grant, t) = (Decimal::ZERO, d("10.00"), d("90.00"));
        for refunded in ["30.00", "60.00", "90.00"] {
            clawed += clawback_share(grant, clawed, d(refunded), t, &c);
        }
        assert_eq!(clawed, grant);
        assert_eq!(
            clawback_share(d("1.00"), d("0"), d("5"), d("0"), &c),
            d("0")
        );
    }

    #[test]
    fn bad_programs_are_refused() {
        let mut p = all_five();
        p.order_count = Some(rule(vec![(3, m("5.00")), (3, m("6.00"))]));
        assert_eq!(p.check(), Err(CreditProgramError::BadTiers));
        let mut p = all_five();
        p.expiry = CreditExpiry::Days(0);
        assert_eq!(p.check(), Err(CreditProgramError::BadDays));
        let mut p = all_five();
        p.registration = Some(rule(Money::ZERO));
        assert_eq!(p.check(), Err(CreditProgramError::NotPositive));
        assert_eq!(all_five().check(), Ok(()));
    }
}
