//! The quote as answered (API "POST /checkout/quote"): money in the shop's currency by
//! `api::render::Money`, points as integers.

use api::render::Money;
use domain::checkout::{self, CartLine};
use domain::chrono::{DateTime, Utc};
use domain::MemberId;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Quote<'a> {
    pub member_id: &'a MemberId,
    pub currency: String,
    /// The one membership benefit that applies (the level or a card), or `null`.
    pub applied: Option<Applied>,
    pub lines: Vec<Line>,
    pub discount: Money,
    pub free_shipping: bool,
    pub shipping_discount: Money,
    pub total: Money,
    pub points: PointsTerms,
    pub credit: Spendable,
    pub value: Spendable,
    pub offers: Vec<Offer>,
    pub coupon: Option<api::checkout::CouponApplied>,
    pub coupons: Vec<api::coupons::Ranked>,
}

#[derive(Debug, Serialize)]
pub struct Applied {
    pub source: &'static str,
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct Line {
    pub sku: Option<String>,
    pub amount: Money,
    pub discount: Money,
    pub pays: Money,
    /// Only when a coupon applies: a cart without one keeps the shape it had before 1.3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupon_discount: Option<Money>,
}

/// Points the order would earn at today's terms, the balance, what of it may be redeemed.
#[derive(Debug, Serialize)]
pub struct PointsTerms {
    pub earn: i64,
    pub balance: i64,
    pub redeemable: i64,
    pub redeem_value: Money,
}

/// Credit or stored value: the balance and what of it could pay this cart.
#[derive(Debug, Serialize)]
pub struct Spendable {
    pub balance: Money,
    pub usable: Money,
}

/// 000 引导购卡: the card the shop guides the member to buy.
#[derive(Debug, Serialize)]
pub struct Offer {
    pub card_id: String,
    pub name: String,
    pub price: Option<Money>,
}

/// Each line: its amount, the benefit's discount, what it then pays, and when a coupon
/// applies, its share of the coupon (a cart without one keeps the shape it had before 1.3).
pub(crate) fn lines_view(
    lines: &[CartLine],
    p: &api::checkout::PricedCart,
    currency: &domain::Currency,
) -> Vec<Line> {
    let money = |m: domain::Money| Money::of(m, currency);
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| Line {
            sku: l.sku.clone(),
            amount: money(l.amount),
            discount: money(p.benefit.lines[i]),
            pays: money(p.pays[i]),
            coupon_discount: p
                .coupon
                .as_ref()
                .map(|_| Money::new(p.coupon_lines[i], Some(currency))),
        })
        .collect()
}

/// 000 引导购卡: the guide card offered at checkout, when the shop shows it there and the
/// member does not hold it.
pub(crate) fn offers(
    settings: &domain::Settings,
    summary: &domain::cards::CardSummary,
    profile: &domain::member::Profile,
    now: DateTime<Utc>,
) -> Vec<Offer> {
    if !settings.guide_on.iter().any(|p| p == "checkout") {
        return Vec::new();
    }
    checkout::guide_offer(summary, settings.guide_card_id.as_deref(), profile, now)
        .map(|d| Offer {
            card_id: d.card_id.clone(),
            name: d.name.clone(),
            price: d.price.map(|p| Money::of(p, &settings.currency)),
        })
        .into_iter()
        .collect()
}
