//! A coupon at checkout (API 1.3): which lines it applies to, what it takes off them, and
//! how the quote and the order's redemption choose it. The membership benefit applies first,
//! line by line (`checkout::choose`); the coupon then applies to what its lines pay after
//! it, and `min_spend` is met by those amounts. A coupon not usable with the benefit is
//! weighed against it: whichever saves more applies. One computation serves the quote and
//! the redemption, so the order is charged exactly what the quote showed.

use chrono::{DateTime, Utc};

use crate::checkout::{Benefit, CartLine, Priced};
use crate::coupon::{allocate, percent_discount, Benefit as Gives, MemberCoupon, Terms};
use crate::{Currency, Decimal, Money, Refusal};

/// What a coupon takes off a cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponPrice {
    /// Off each line, in cart order (zero on lines it does not apply to); they add up to
    /// `discount` to the minor unit.
    pub lines: Vec<Decimal>,
    pub discount: Decimal,
    pub shipping_discount: Decimal,
}

impl CouponPrice {
    pub fn saving(&self) -> Decimal {
        self.discount + self.shipping_discount
    }
}

/// Why a coupon does not apply to this cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// `min_spend` is not met by what its lines pay; by how much.
    MinSpend(Decimal),
    /// No line it applies to, or a gift (handed over at the till, never money off).
    NotApplicable,
    /// Not usable with the benefit, and the benefit alone saves at least as much: spending
    /// it would add nothing.
    BenefitSavesMore,
    /// Used, expired, void or not started (from `MemberCoupon::check_usable`).
    State(Refusal),
}

impl Unusable {
    pub fn reason(&self) -> &'static str {
        match self {
            Unusable::MinSpend(_) => "min_spend_not_met",
            Unusable::NotApplicable => "coupon_not_applicable",
            Unusable::BenefitSavesMore => "benefit_saves_more",
            Unusable::State(r) => r.code(),
        }
    }

    pub fn into_refusal(self, currency: &Currency) -> Refusal {
        match self {
            Unusable::MinSpend(short) => Refusal::MinSpendNotMet(format!(
                "{} more of eligible goods is needed",
                crate::money::Shown::new(short, Some(currency))
            )),
            Unusable::NotApplicable => {
                Refusal::CouponNotApplicable("this coupon applies to no line of the order".into())
            }
            Unusable::BenefitSavesMore => Refusal::CouponNotApplicable(
                "this coupon is not combined with the member's benefit, which saves more".into(),
            ),
            Unusable::State(r) => r,
        }
    }
}

impl Terms {
    /// Whether the coupon applies to `line`: its categories (if it names any), not an
    /// excluded one, and a member-price line only if it says so.
    pub fn applies_to(&self, line: &CartLine) -> bool {
        let category = line.category.as_deref();
        let listed = self
            .categories
            .as_ref()
            .is_none_or(|c| category.is_some_and(|x| c.iter().any(|y| y == x)));
        let excluded = category.is_some_and(|x| self.exclude_categories.iter().any(|y| y == x));
        let member_price = line.member_price || !line.member_discount;
        listed && !excluded && (self.member_price_lines || !member_price)
    }

    /// What these terms take off lines paying `pays` (after any benefit), with `shipping`
    /// left to pay.
    pub fn price(
        &self,
        lines: &[CartLine],
        pays: &[Decimal],
        shipping: Decimal,
        currency: &Currency,
    ) -> Result<CouponPrice, Unusable> {
        let eligible: Vec<usize> = (0..lines.len())
            .filter(|&i| self.applies_to(&lines[i]))
            .collect();
        if eligible.is_empty() || matches!(self.benefit, Gives::Gift(_)) {
            return Err(Unusable::NotApplicable);
        }
        let amount: Decimal = eligible.iter().map(|&i| pays[i]).sum();
        if amount < self.min_spend.amount() {
            return Err(Unusable::MinSpend(self.min_spend.amount() - amount));
        }
        let (discount, shipping_discount) = match &self.benefit {
            Gives::AmountOff(a) => (a.amount().min(amount), Decimal::ZERO),
            Gives::PercentOff {
                percent,
                max_discount,
            } => (
                percent_discount(amount, *percent, *max_discount, currency),
                Decimal::ZERO,
            ),
            Gives::FreeShipping => (Decimal::ZERO, shipping),
            Gives::Gift(_) => return Err(Unusable::NotApplicable),
        };
        let shares: Vec<Decimal> = eligible.iter().map(|&i| pays[i]).collect();
        let mut per_line = vec![Decimal::ZERO; lines.len()];
        for (&i, part) in eligible.iter().zip(allocate(discount, &shares, currency)) {
            per_line[i] = part;
        }
        Ok(CouponPrice {
            lines: per_line,
            discount,
            shipping_discount,
        })
    }
}

/// A cart as checkout sees it: its lines, its shipping, and the membership benefit chosen
/// for it (`checkout::choose`) with what that takes off.
pub struct Cart<'a> {
    pub lines: &'a [CartLine],
    pub shipping: Money,
    pub applied: Option<&'a Benefit>,
    pub priced: &'a Priced,
    pub currency: &'a Currency,
}

/// The order with a coupon: whether the benefit still applies, and the coupon's price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithCoupon {
    pub keeps_benefit: bool,
    pub price: CouponPrice,
}

impl WithCoupon {
    /// What benefit and coupon save together.
    pub fn saving(&self, priced: &Priced) -> Decimal {
        let benefit = match self.keeps_benefit {
            true => priced.discount.amount() + priced.shipping_discount.amount(),
            false => Decimal::ZERO,
        };
        benefit + self.price.saving()
    }
}

impl Cart<'_> {
    /// `coupon` on this cart at `now`: after the benefit when it may be combined with it,
    /// else alone on the full amounts, and only when that saves more than the benefit.
    pub fn with(&self, coupon: &MemberCoupon, now: DateTime<Utc>) -> Result<WithCoupon, Unusable> {
        coupon.check_usable(now).map_err(Unusable::State)?;
        let terms = &coupon.terms;
        let after: Vec<Decimal> = self
            .lines
            .iter()
            .zip(&self.priced.lines)
            .map(|(l, off)| l.amount.amount() - off.amount())
            .collect();
        let shipping_after = self.shipping.amount() - self.priced.shipping_discount.amount();
        if terms.with_benefit || self.applied.is_none() {
            let price = terms.price(self.lines, &after, shipping_after, self.currency)?;
            return Ok(WithCoupon {
                keeps_benefit: true,
                price,
            });
        }
        // Used alone: the coupon on the cart as it is, against the benefit alone.
        let full: Vec<Decimal> = self.lines.iter().map(|l| l.amount.amount()).collect();
        let price = terms.price(self.lines, &full, self.shipping.amount(), self.currency)?;
        let benefit = self.priced.discount.amount() + self.priced.shipping_discount.amount();
        if price.saving() <= benefit {
            return Err(Unusable::BenefitSavesMore);
        }
        Ok(WithCoupon {
            keeps_benefit: false,
            price,
        })
    }

    /// Every available coupon of `held` on this cart, best first (most saved; on a tie the
    /// one that ends first), each usable with its price or unusable with why.
    pub fn rank<'c>(
        &self,
        held: impl IntoIterator<Item = &'c MemberCoupon>,
        now: DateTime<Utc>,
    ) -> Vec<(&'c MemberCoupon, Result<WithCoupon, Unusable>)> {
        let mut all: Vec<_> = held
            .into_iter()
            .filter(|c| c.is_available(now))
            .map(|c| (c, self.with(c, now)))
            .collect();
        let saving = |r: &Result<WithCoupon, Unusable>| match r {
            Ok(w) => Some(w.saving(self.priced)),
            Err(_) => None,
        };
        all.sort_by(|(a, ra), (b, rb)| {
            saving(rb)
                .cmp(&saving(ra))
                .then(a.valid_until.cmp(&b.valid_until))
                .then(a.coupon_no.cmp(&b.coupon_no))
        });
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coupon::{CouponNo, Source, State};
    use crate::level::LevelDiscount;
    use crate::testing::{m, myr};
    use std::collections::BTreeSet;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn line(category: &str, amount: &str, member_discount: bool) -> CartLine {
        CartLine {
            sku: Some(format!("{category}-1")),
            category: Some(category.into()),
            amount: m(amount),
            member_discount,
            promotional: false,
            member_price: false,
            campaign: false,
        }
    }

    fn coupon(
        n: u64,
        gives: Gives,
        min_spend: &str,
        with_benefit: bool,
        until: &str,
    ) -> MemberCoupon {
        MemberCoupon {
            coupon_no: CouponNo::from_random(n),
            coupon_id: format!("c{n}"),
            name: format!("coupon {n}"),
            terms: Terms {
                benefit: gives,
                min_spend: m(min_spend),
                categories: None,
                exclude_categories: vec!["gift-cards".into()],
                member_price_lines: false,
                with_benefit,
            },
            valid_from: at("2026-01-01T00:00:00Z"),
            valid_until: at(until),
            source: Source::Claim,
            state: State::Held,
            issued_at: at("2026-01-01T00:00:00Z"),
            shard: 0,
        }
    }

    fn gold() -> Benefit {
        Benefit {
            source: crate::checkout::Source::Card,
            id: "gold".into(),
            name: "Gold".into(),
            discount: Some(LevelDiscount {
                percent: 90,
                categories: None,
                exclude: BTreeSet::new(),
            }),
            free_shipping: false,
        }
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    const NOW: &str = "2026-06-01T00:00:00Z";

    /// API 1.3: three lines of 10.00 and 1.00 off: 0.34/0.33/0.33, the lines add up.
    #[test]
    fn one_off_three_lines_is_spread_to_the_cent() {
        let lines = [
            line("a", "10.00", true),
            line("b", "10.00", true),
            line("c", "10.00", true),
        ];
        let priced = crate::checkout::price(None, &lines, Money::ZERO, &myr());
        let cart = Cart {
            lines: &lines,
            shipping: Money::ZERO,
            applied: None,
            priced: &priced,
            currency: &myr(),
        };
        let c = coupon(
            1,
            Gives::AmountOff(m("1.00")),
            "0.00",
            true,
            "2026-12-31T15:59:59Z",
        );
        let w = cart.with(&c, at(NOW)).unwrap();
        assert_eq!(w.price.lines, vec![d("0.34"), d("0.33"), d("0.33")]);
    }

    /// The benefit first, then the coupon on what the lines pay after it; min_spend is met
    /// by those amounts; an excluded category and a member-price line take none of it.
    #[test]
    fn the_coupon_applies_after_the_benefit_to_its_lines_only() {
        let lines = [
            line("milk", "40.00", true),
            line("gift-cards", "50.00", true),
            line("tea", "20.00", false),
        ];
        let b = gold();
        let priced = crate::checkout::price(Some(&b), &lines, Money::ZERO, &myr());
        let cart = Cart {
            lines: &lines,
            shipping: Money::ZERO,
            applied: Some(&b),
            priced: &priced,
            currency: &myr(),
        };
        // Milk pays 36.00 after 10 % off: a 40.00 minimum is 4.00 short.
        let short = coupon(
            1,
            Gives::AmountOff(m("10.00")),
            "40.00",
            true,
            "2026-12-31T15:59:59Z",
        );
        assert_eq!(
            cart.with(&short, at(NOW)).unwrap_err(),
            Unusable::MinSpend(d("4.00"))
        );
        let twenty = coupon(
            2,
            Gives::PercentOff {
                percent: 80,
                max_discount: None,
            },
            "0.00",
            true,
            "2026-12-31T15:59:59Z",
        );
        let w = cart.with(&twenty, at(NOW)).unwrap();
        assert_eq!(
            (w.keeps_benefit, w.price.lines.clone()),
            (true, vec![d("7.20"), d("0"), d("0")])
        );
    }

    /// A coupon not usable with the benefit is weighed against it; the best saving wins,
    /// ties to the one that ends first; a gift never takes money off.
    #[test]
    fn stand_alone_coupons_are_weighed_against_the_benefit_and_ranked() {
        let lines = [line("milk", "100.00", true)];
        let b = gold();
        let priced = crate::checkout::price(Some(&b), &lines, Money::ZERO, &myr());
        let cart = Cart {
            lines: &lines,
            shipping: Money::ZERO,
            applied: Some(&b),
            priced: &priced,
            currency: &myr(),
        };
        let alone_small = coupon(
            1,
            Gives::AmountOff(m("5.00")),
            "0.00",
            false,
            "2026-12-31T15:59:59Z",
        );
        let alone_big = coupon(
            2,
            Gives::AmountOff(m("15.00")),
            "0.00",
            false,
            "2026-12-31T15:59:59Z",
        );
        let with_late = coupon(
            3,
            Gives::AmountOff(m("5.00")),
            "0.00",
            true,
            "2026-12-31T15:59:59Z",
        );
        let with_soon = coupon(
            4,
            Gives::AmountOff(m("5.00")),
            "0.00",
            true,
            "2026-07-31T15:59:59Z",
        );
        let gift = coupon(
            5,
            Gives::Gift("tote".into()),
            "0.00",
            true,
            "2026-12-31T15:59:59Z",
        );
        let small = cart.with(&alone_small, at(NOW)).unwrap_err();
        assert_eq!(small.reason(), "benefit_saves_more");
        let big = cart.with(&alone_big, at(NOW)).unwrap();
        assert_eq!((big.keeps_benefit, big.price.discount), (false, d("15.00")));
        let all = [&alone_small, &alone_big, &with_late, &with_soon, &gift];
        let ranked: Vec<u64> = cart
            .rank(all, at(NOW))
            .iter()
            .map(|(c, _)| c.coupon_id[1..].parse().unwrap())
            .collect();
        // 15 three ways: the one ending first, then by number; the unusable last.
        assert_eq!(ranked, vec![4, 2, 3, 1, 5]);
    }

    #[test]
    fn percent_off_is_capped_and_free_shipping_takes_what_shipping_is_left() {
        let lines = [line("milk", "100.00", true)];
        let priced = crate::checkout::price(None, &lines, m("8.00"), &myr());
        let cart = Cart {
            lines: &lines,
            shipping: m("8.00"),
            applied: None,
            priced: &priced,
            currency: &myr(),
        };
        let capped = coupon(
            1,
            Gives::PercentOff {
                percent: 50,
                max_discount: Some(m("20.00")),
            },
            "0.00",
            true,
            "2026-12-31T15:59:59Z",
        );
        assert_eq!(
            cart.with(&capped, at(NOW)).unwrap().price.discount,
            d("20.00")
        );
        let ship = coupon(2, Gives::FreeShipping, "0.00", true, "2026-12-31T15:59:59Z");
        let w = cart.with(&ship, at(NOW)).unwrap();
        assert_eq!(
            (w.price.discount, w.price.shipping_discount),
            (Decimal::ZERO, d("8.00"))
        );
        let mut used = coupon(
            3,
            Gives::AmountOff(m("1.00")),
            "0.00",
            true,
            "2026-12-31T15:59:59Z",
        );
        used.state = State::Used {
            order_id: Some("o1".into()),
            at: at(NOW),
            discount: Decimal::ONE,
        };
        assert_eq!(
            cart.with(&used, at(NOW)).unwrap_err().reason(),
            "coupon_used"
        );
    }
}
