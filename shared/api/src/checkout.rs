//! A cart as the quote and an order's coupon redemption both price it (000, 003; API 1.3):
//! the lines parsed in the shop's currency, the member's one membership benefit chosen,
//! and the coupon asked for applied after it. One computation for both, so the order pays
//! what the quote showed.

use domain::checkout::{self, Benefit, CartLine, Priced};
use domain::chrono::{DateTime, Utc};
use domain::coupon::Wallet;
use domain::coupon_checkout::{Cart, WithCoupon};
use domain::{Currency, Decimal, Money, Settings};
use serde::Deserialize;
use store::{cards, levels, Snapshot};

use crate::coupons::Asked;
use crate::{Acting, ApiError};

fn yes() -> bool {
    true
}

/// One line of a cart as a request sends it.
#[derive(Debug, Clone, Deserialize)]
pub struct RawLine {
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    pub amount: String,
    #[serde(default = "yes")]
    pub member_discount: bool,
    #[serde(default)]
    pub promotional: bool,
    #[serde(default)]
    pub member_price: bool,
    #[serde(default)]
    pub campaign: bool,
}

/// The cart's lines and shipping in the shop's currency.
pub fn cart(
    raw: &[RawLine],
    shipping: Option<&str>,
    currency: &Currency,
) -> Result<(Vec<CartLine>, Money), ApiError> {
    if raw.len() > checkout::MAX_LINES {
        return Err(ApiError::Invalid(format!(
            "a cart has at most {} lines",
            checkout::MAX_LINES
        )));
    }
    let money = |t: &str| Money::parse_non_negative(t, currency);
    let lines = raw
        .iter()
        .map(|l| {
            Ok(CartLine {
                sku: l.sku.clone(),
                category: l.category.clone(),
                amount: money(&l.amount)?,
                member_discount: l.member_discount,
                promotional: l.promotional,
                member_price: l.member_price,
                campaign: l.campaign,
            })
        })
        .collect::<Result<Vec<_>, domain::MoneyError>>()?;
    let shipping = shipping.map(money).transpose()?;
    Ok((lines, shipping.unwrap_or(Money::ZERO)))
}

/// A priced cart: the benefit that applies, what it and the coupon take off each line and
/// the shipping, and what each line then pays.
pub struct PricedCart {
    pub applied: Option<Benefit>,
    pub benefit: Priced,
    pub coupon: Option<(domain::coupon::MemberCoupon, WithCoupon)>,
    pub coupon_lines: Vec<Decimal>,
    pub pays: Vec<Money>,
    pub total: Money,
    /// Every available coupon on this cart, best first (the quote's `coupons`).
    pub ranked: Vec<crate::coupons::Ranked>,
}

/// The member as checkout read them: the profile (its level settled to now), the shop's
/// cards and ladder; the quote prices points and offers from the same.
pub struct Member {
    pub profile: domain::member::Profile,
    pub summary: domain::cards::CardSummary,
    pub ladder: Option<domain::level::Ladder>,
}

/// The member's benefit (settled to now; `card_id` their choice) and the coupon `asked`
/// from `wallet` on `lines`.
#[allow(clippy::too_many_arguments)]
pub fn price(
    snapshot: &Snapshot,
    who: &Acting,
    settings: &Settings,
    lines: &[CartLine],
    shipping: Money,
    card_id: Option<&str>,
    wallet: &Wallet,
    asked: &Asked,
    now: DateTime<Utc>,
) -> Result<(PricedCart, Member), ApiError> {
    let (shop, member) = (&who.shop, &who.member);
    let (currency, tz) = (&settings.currency, settings.timezone);
    let mut profile = store::profile::read(snapshot, shop, member)?;
    let ladder = levels::read(snapshot, shop, currency)?.0;
    if let Some(l) = &ladder {
        let value = store::accounts::value_balance(snapshot, shop, member)?;
        profile.standing.settle(l, tz, value, now);
    }
    let summary = cards::read_summary(snapshot, shop)?;
    let held = checkout::benefits(&profile, &summary, ladder.as_ref(), now);
    let (applied, benefit) = checkout::choose(&held, card_id, lines, shipping, currency)?;
    let cart = Cart {
        lines,
        shipping,
        applied,
        priced: &benefit,
        currency,
    };
    let ranking = cart.rank(wallet.coupons.iter(), now);
    let chosen = crate::coupons::choose(&cart, wallet, &ranking, asked, now)?;
    let ranked = crate::coupons::ranked(&ranking, currency);
    let keeps = chosen.as_ref().is_none_or(|(_, w)| w.keeps_benefit);
    let applied = applied.filter(|_| keeps).cloned();
    let benefit = match keeps {
        true => benefit,
        false => checkout::price(None, lines, shipping, currency),
    };
    let coupon_lines = chosen.as_ref().map_or_else(
        || vec![Decimal::ZERO; lines.len()],
        |(_, w)| w.price.lines.clone(),
    );
    let pays: Vec<Money> = lines
        .iter()
        .zip(&benefit.lines)
        .zip(&coupon_lines)
        .map(|((l, off), coupon)| Money::from_stored(l.amount.amount() - off.amount() - coupon))
        .collect();
    let total = Money::from_stored(pays.iter().map(Money::amount).sum());
    let coupon = chosen.map(|(c, w)| (c.clone(), w));
    let priced = PricedCart {
        applied,
        benefit,
        coupon,
        coupon_lines,
        pays,
        total,
        ranked,
    };
    Ok((
        priced,
        Member {
            profile,
            summary,
            ladder,
        },
    ))
}

/// The quote's and the redemption's `coupon`: what it takes off (`null` when none applies).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CouponApplied {
    pub coupon_no: String,
    pub name: String,
    pub discount: crate::render::Money,
    pub shipping_discount: crate::render::Money,
}

impl PricedCart {
    pub fn coupon_view(&self, currency: &Currency) -> Option<CouponApplied> {
        self.coupon.as_ref().map(|(c, w)| CouponApplied {
            coupon_no: c.coupon_no.as_str().to_owned(),
            name: c.name.clone(),
            discount: crate::render::Money::new(w.price.discount, Some(currency)),
            shipping_discount: crate::render::Money::new(w.price.shipping_discount, Some(currency)),
        })
    }
}
