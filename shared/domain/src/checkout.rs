//! Checkout (000, 003): what a member gets for a cart. One membership benefit per order
//! (000: a member may hold several cards but uses one): the level or one live, enabled
//! card, whichever saves the member most, unless they name a card. Pure: the quote reads
//! the member, the shop's cards, ladder and programs and changes nothing.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::cards::{CardKind, CardSummary, HeldStatus};
use crate::level::{Ladder, LevelDiscount};
use crate::member::Profile;
use crate::{Currency, Money, Refusal};

/// At most this many lines in one cart.
pub const MAX_LINES: usize = 1000;

/// One line of the cart: its total before member benefits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub sku: Option<String>,
    pub category: Option<String>,
    pub amount: Money,
    /// 000 Q8: member-price or excluded goods take no member discount.
    pub member_discount: bool,
    pub promotional: bool,
    pub member_price: bool,
    pub campaign: bool,
}

/// Where a benefit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Level,
    Card,
}

impl Source {
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::Level => "level",
            Source::Card => "card",
        }
    }
}

/// One membership benefit the member could use on this order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Benefit {
    pub source: Source,
    pub id: String,
    pub name: String,
    pub discount: Option<LevelDiscount>,
    pub free_shipping: bool,
}

/// The benefits the member holds at `now`: their level's (settled to now by the caller)
/// and each live card of an enabled definition, in a stable order (the level first, then
/// cards by id). A held card the summary does not list carries no benefit.
pub fn benefits(
    profile: &Profile,
    summary: &CardSummary,
    ladder: Option<&Ladder>,
    now: DateTime<Utc>,
) -> Vec<Benefit> {
    let level = ladder.and_then(|l| l.level(profile.standing.level_id()?));
    let level = level.map(|l| Benefit {
        source: Source::Level,
        id: l.level_id.clone(),
        name: l.name.clone(),
        discount: l.discount.clone(),
        free_shipping: false,
    });
    let cards = profile
        .cards
        .values()
        .filter(|c| c.status == HeldStatus::Active && c.term.is_live(now))
        .filter_map(|c| {
            let def = summary.cards.get(&c.card_id);
            if def.is_some_and(|d| !d.enabled) {
                return None;
            }
            Some(Benefit {
                source: Source::Card,
                id: c.card_id.clone(),
                name: def.map_or_else(|| c.card_id.clone(), |d| d.name.clone()),
                discount: def
                    .and_then(|d| d.discount_percent())
                    .map(|percent| LevelDiscount {
                        percent,
                        categories: None,
                        exclude: BTreeSet::new(),
                    }),
                free_shipping: def.is_some_and(|d| d.free_shipping()),
            })
        });
    level.into_iter().chain(cards).collect()
}

/// A benefit applied to the cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    /// The discount on each line, in cart order.
    pub lines: Vec<Money>,
    pub discount: Money,
    pub shipping_discount: Money,
}

impl Priced {
    fn saving(&self) -> Decimal {
        self.discount.amount() + self.shipping_discount.amount()
    }
}

/// A percentage discount per line, rounded half-even to the currency's minor unit; the
/// order's discount is the sum of its lines (so the lines always add up to it).
pub fn price(
    benefit: Option<&Benefit>,
    lines: &[CartLine],
    shipping: Money,
    currency: &Currency,
) -> Priced {
    let per_line: Vec<Money> = lines
        .iter()
        .map(|line| {
            let off = benefit
                .and_then(|b| b.discount.as_ref())
                .filter(|d| line.member_discount && d.applies_to(line.category.as_deref()))
                .map_or(Decimal::ZERO, |d| {
                    (line.amount.amount() * Decimal::from(100 - d.percent.min(100))
                        / Decimal::ONE_HUNDRED)
                        .round_dp_with_strategy(
                            currency.minor_units(),
                            RoundingStrategy::MidpointNearestEven,
                        )
                });
            Money::from_stored(off)
        })
        .collect();
    let discount = per_line
        .iter()
        .fold(Decimal::ZERO, |sum, m| sum + m.amount());
    Priced {
        lines: per_line,
        discount: Money::from_stored(discount),
        shipping_discount: if benefit.is_some_and(|b| b.free_shipping) {
            shipping
        } else {
            Money::ZERO
        },
    }
}

/// 000: the one benefit the order uses: the member's choice (a card they hold, live and
/// enabled, else 409 `card_not_usable`), or the one that saves most (discount plus
/// shipping; on a tie the first: the level, then cards by id). `None` when nothing saves.
pub fn choose<'a>(
    benefits: &'a [Benefit],
    chosen: Option<&str>,
    lines: &[CartLine],
    shipping: Money,
    currency: &Currency,
) -> Result<(Option<&'a Benefit>, Priced), Refusal> {
    if let Some(id) = chosen {
        let benefit = benefits
            .iter()
            .find(|b| b.source == Source::Card && b.id == id)
            .ok_or_else(|| {
                Refusal::CardNotUsable(format!("the member holds no live, enabled card {id:?}"))
            })?;
        return Ok((
            Some(benefit),
            price(Some(benefit), lines, shipping, currency),
        ));
    }
    let mut best: (Option<&Benefit>, Priced) = (None, price(None, lines, shipping, currency));
    for b in benefits {
        let priced = price(Some(b), lines, shipping, currency);
        if priced.saving() > best.1.saving() {
            best = (Some(b), priced);
        }
    }
    Ok(best)
}

/// 000 引导购买: the guide card, offered to a member who does not hold it live, while it
/// is a listed, enabled paid card.
pub fn guide_offer<'a>(
    summary: &'a CardSummary,
    guide: Option<&str>,
    profile: &Profile,
    now: DateTime<Utc>,
) -> Option<&'a crate::cards::CardDef> {
    let def = summary.cards.get(guide?)?;
    let held = profile
        .cards
        .get(&def.card_id)
        .is_some_and(|c| c.status == HeldStatus::Active && c.term.is_live(now));
    (def.kind == CardKind::Paid && def.listed && def.enabled && def.price.is_some() && !held)
        .then_some(def)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cards::{MemberCard, Term};
    use crate::testing::{m, myr};

    fn line(category: &str, amount: &str) -> CartLine {
        CartLine {
            sku: Some(format!("{category}-1")),
            category: Some(category.into()),
            amount: m(amount),
            member_discount: true,
            promotional: false,
            member_price: false,
            campaign: false,
        }
    }

    fn card(id: &str, percent: Option<u32>, free_shipping: bool) -> Benefit {
        Benefit {
            source: Source::Card,
            id: id.into(),
            name: id.to_uppercase(),
            discount: percent.map(|percent| LevelDiscount {
                percent,
                categories: None,
                exclude: BTreeSet::new(),
            }),
            free_shipping,
        }
    }

    fn silver() -> Benefit {
        Benefit {
            source: Source::Level,
            id: "silver".into(),
            name: "Silver".into(),
            discount: Some(LevelDiscount {
                percent: 90,
                categories: None,
                exclude: BTreeSet::from(["milk".to_owned()]),
            }),
            free_shipping: false,
        }
    }

    #[test]
    fn seed_000_one_benefit_per_order_the_one_that_saves_most_or_the_one_chosen() {
        // (cart, shipping, benefits, chosen) -> (applied, discount, shipping discount)
        let cart = vec![
            line("milk", "30.00"),
            line("toys", "50.00"),
            line("food", "20.00"),
        ];
        type Case<'a> = (
            Vec<Benefit>,
            Option<&'a str>,
            Option<&'a str>,
            &'a str,
            &'a str,
        );
        let cases: Vec<Case> = vec![
            // Level 10% off all but milk (7.00) beats a 5% card (5.00).
            (
                vec![silver(), card("c5", Some(95), false)],
                None,
                Some("silver"),
                "7.00",
                "0.00",
            ),
            // A 20% card (20.00) beats the level.
            (
                vec![silver(), card("c20", Some(80), false)],
                None,
                Some("c20"),
                "20.00",
                "0.00",
            ),
            // Free shipping (8.00) decides: the level saves 7.00, the card 5.00 + 8.00.
            (
                vec![silver(), card("ship", Some(95), true)],
                None,
                Some("ship"),
                "5.00",
                "8.00",
            ),
            // The member's choice wins even when it saves less.
            (
                vec![silver(), card("c5", Some(95), false)],
                Some("c5"),
                Some("c5"),
                "5.00",
                "0.00",
            ),
            // Nothing held: nothing applied.
            (vec![], None, None, "0.00", "0.00"),
        ];
        for (benefits, chosen, applied, discount, shipping) in cases {
            let (b, priced) = choose(&benefits, chosen, &cart, m("8.00"), &myr()).unwrap();
            assert_eq!(b.map(|b| b.id.as_str()), applied, "{benefits:?}");
            assert_eq!(priced.discount, m(discount), "{applied:?}");
            assert_eq!(priced.shipping_discount, m(shipping), "{applied:?}");
        }
        // A card not held (or expired, or disabled: not among the benefits) cannot be chosen.
        assert_eq!(
            choose(&[silver()], Some("gone"), &cart, m("0.00"), &myr())
                .unwrap_err()
                .code(),
            "card_not_usable"
        );
        // The level is not a card to choose.
        assert!(choose(&[silver()], Some("silver"), &cart, m("0.00"), &myr()).is_err());
    }

    #[test]
    fn seed_000_member_price_lines_take_no_discount_and_categories_and_exclusions_hold() {
        let mut member_price = line("toys", "50.00");
        member_price.member_discount = false;
        let cart = vec![line("milk", "30.00"), member_price, line("food", "20.00")];
        let only_food = Benefit {
            discount: Some(LevelDiscount {
                percent: 50,
                categories: Some(BTreeSet::from(["food".to_owned(), "milk".to_owned()])),
                exclude: BTreeSet::from(["milk".to_owned()]),
            }),
            ..silver()
        };
        let priced = price(Some(&only_food), &cart, m("0.00"), &myr());
        assert_eq!(priced.lines, vec![m("0.00"), m("0.00"), m("10.00")]);
    }

    #[test]
    fn seed_003_rounding_is_half_even_per_line_and_the_lines_add_up_to_the_discount() {
        // 5% of 0.50 = 0.025 -> 0.02 (half to even); of 0.70 = 0.035 -> 0.04; of 0.30 =
        // 0.015 -> 0.02: the order's discount is their sum, 0.08.
        let cart = vec![line("a", "0.50"), line("b", "0.70"), line("c", "0.30")];
        let priced = price(Some(&card("c5", Some(95), false)), &cart, m("0.00"), &myr());
        assert_eq!(priced.lines, vec![m("0.02"), m("0.04"), m("0.02")]);
        assert_eq!(priced.discount, m("0.08"));
        let sum = priced
            .lines
            .iter()
            .fold(Decimal::ZERO, |s, l| s + l.amount());
        assert_eq!(sum, priced.discount.amount());
    }

    #[test]
    fn seed_000_only_live_enabled_cards_are_benefits_and_the_guide_card_is_offered_to_others() {
        use crate::cards::{CardDef, GiftPack, Validity};
        let now: DateTime<Utc> = "2026-06-01T10:00:00Z".parse().unwrap();
        let def = |id: &str, kind: CardKind, enabled: bool, benefits: serde_json::Value| CardDef {
            card_id: id.into(),
            kind,
            name: id.to_uppercase(),
            description: String::new(),
            service_phone: String::new(),
            validity: Validity::Permanent,
            benefits,
            gift_pack: GiftPack::default(),
            require_phone: false,
            price: (kind == CardKind::Paid).then(|| m("99.00")),
            rule: None,
            enabled,
            listed: true,
            holders: 0,
            stock_shards: 1,
            version: 1,
        };
        let mut summary = CardSummary::default();
        for d in [
            def(
                "live",
                CardKind::Free,
                true,
                serde_json::json!([{"kind": "discount", "percent": 90}]),
            ),
            def(
                "off",
                CardKind::Free,
                false,
                serde_json::json!([{"kind": "free_shipping"}]),
            ),
            def(
                "old",
                CardKind::Free,
                true,
                serde_json::json!([{"kind": "discount", "percent": 50}]),
            ),
            def("vip", CardKind::Paid, true, serde_json::json!([])),
        ] {
            summary.cards.insert(d.card_id.clone(), d);
        }
        let held = |id: &str, until: Option<&str>| MemberCard {
            card_id: id.into(),
            card_no: "1".into(),
            kind: CardKind::Free,
            term: Term {
                valid_from: "2026-01-01T00:00:00Z".parse().unwrap(),
                valid_until: until.map(|u| u.parse().unwrap()),
            },
            status: HeldStatus::Active,
            gift_pack_issued: false,
            gift_points: 0,
            gift_credit: Money::ZERO,
            gift_items: Vec::new(),
            paid: None,
            stock_shard: None,
            purchase_id: None,
            issued_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        };
        let mut profile = Profile::default();
        for c in [
            held("live", None),
            held("off", None),
            held("old", Some("2026-05-01T00:00:00Z")),
        ] {
            profile.cards.insert(c.card_id.clone(), c);
        }
        let ids: Vec<String> = benefits(&profile, &summary, None, now)
            .into_iter()
            .map(|b| b.id)
            .collect();
        assert_eq!(ids, ["live"]);
        assert_eq!(
            guide_offer(&summary, Some("vip"), &profile, now)
                .unwrap()
                .card_id,
            "vip"
        );
        profile.cards.insert("vip".into(), held("vip", None));
        assert!(guide_offer(&summary, Some("vip"), &profile, now).is_none());
        assert!(guide_offer(&summary, Some("live"), &Profile::default(), now).is_none());
    }
}
