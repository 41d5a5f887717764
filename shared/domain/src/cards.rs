//! Benefit cards (seeds 000, 002): definitions, validity fixed at issue, gift packs, rule
//! cards, and the checks every claim, purchase and refund makes.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use thiserror::Error;

use std::collections::BTreeMap;

use crate::account::{Account, AccountKind, Quantity};
use crate::ledger::{EntryKind, Movement};
use crate::money::Money;
use crate::time::ShopTz;

/// 000: at most 300 card definitions per shop.
pub const MAX_CARDS_PER_SHOP: u64 = 300;
pub const MAX_NAME_CHARS: usize = 60;
/// The longest validity, in days (`time::MAX_VALIDITY_DAYS`: a level's is the same).
pub use crate::time::MAX_VALIDITY_DAYS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardKind {
    Free,
    Paid,
    Rule,
}

impl CardKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            CardKind::Free => "free",
            CardKind::Paid => "paid",
            CardKind::Rule => "rule",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "free" => Some(CardKind::Free),
            "paid" => Some(CardKind::Paid),
            "rule" => Some(CardKind::Rule),
            _ => None,
        }
    }
}

/// How long a card is valid once issued; fixed on the member card at issue (000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Permanent,
    Days(u32),
    Range { from: NaiveDate, until: NaiveDate },
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CardError {
    #[error("validity days must be 1-{MAX_VALIDITY_DAYS}")]
    BadDays,
    #[error("the validity range ends before it starts")]
    BadRange,
    #[error("the validity range has already ended")]
    RangeOver,
}

/// When an issued card is valid: from the moment of issue (or the range's first local day)
/// to the end of its last local day; `None` is permanent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
}

impl Term {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.valid_until.is_none_or(|until| now <= until)
    }
}

impl Validity {
    /// As the API writes it (and coupon definitions store it): `{"kind": "days", "days": n}`,
    /// `{"kind": "range", "from", "until"}` or `{"kind": "permanent"}`.
    pub fn view(&self) -> serde_json::Value {
        match self {
            Validity::Permanent => serde_json::json!({"kind": "permanent"}),
            Validity::Days(d) => serde_json::json!({"kind": "days", "days": d}),
            Validity::Range { from, until } => serde_json::json!(
                {"kind": "range", "from": from.to_string(), "until": until.to_string()}
            ),
        }
    }

    pub fn check(&self) -> Result<(), CardError> {
        match *self {
            Validity::Days(d) if d == 0 || d > MAX_VALIDITY_DAYS => Err(CardError::BadDays),
            Validity::Range { from, until } if until < from => Err(CardError::BadRange),
            _ => Ok(()),
        }
    }

    /// The term of a card issued at `at`. "N days from claim" counts the day of issue as the
    /// first day and ends at 23:59:59 shop-local on the Nth (a 1-day card lasts until
    /// tonight).
    pub fn term_from(&self, at: DateTime<Utc>, tz: ShopTz) -> Result<Term, CardError> {
        match *self {
            Validity::Permanent => Ok(Term {
                valid_from: at,
                valid_until: None,
            }),
            Validity::Days(d) => {
                let last = tz
                    .local_date(at)
                    .checked_add_days(Days::new(u64::from(d.saturating_sub(1))))
                    .unwrap_or(NaiveDate::MAX);
                Ok(Term {
                    valid_from: at,
                    valid_until: Some(tz.end_of_day(last)),
                })
            }
            Validity::Range { from, until } => {
                let end = tz.end_of_day(until);
                if at > end {
                    return Err(CardError::RangeOver);
                }
                Ok(Term {
                    valid_from: std::cmp::max(at, tz.start_of_day(from)),
                    valid_until: Some(end),
                })
            }
        }
    }
}

/// What reaching a rule card takes (000: cumulative spend, order count, points; 1.1: a
/// level of the ladder, 000's "cards correspond to levels").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardRule {
    CumulativeSpend(Decimal),
    Orders(u64),
    Points(i64),
    /// Issued when the member holds this level or a higher one.
    Level(String),
}

/// A member's running totals, as the accrual operation keeps them on the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemberTotals {
    pub spend: Decimal,
    pub orders: u64,
    pub points: i64,
    /// Cumulative stored-value recharge (003), for levels by recharge.
    pub recharge: Decimal,
}

impl MemberTotals {
    /// A paid order moves the running totals (spend and orders never go down, 003); the
    /// totals before it are returned for the rules that count "the Nth order".
    pub fn record_order(&mut self, total: Money, points_now: i64) -> MemberTotals {
        let before = *self;
        self.spend += total.amount();
        self.orders += 1;
        self.points = points_now;
        before
    }
}

impl CardRule {
    /// `reached` says whether the member holds a level (or one above it).
    pub fn is_met(&self, totals: &MemberTotals, reached: &dyn Fn(&str) -> bool) -> bool {
        match self {
            CardRule::CumulativeSpend(spend) => totals.spend >= *spend,
            CardRule::Orders(n) => totals.orders >= *n,
            CardRule::Points(p) => totals.points >= *p,
            CardRule::Level(level) => reached(level),
        }
    }
}

/// A rule card as the shop summary lists it for accrual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCard {
    pub card_id: String,
    pub rule: CardRule,
    pub enabled: bool,
}

/// Rule cards a member newly qualifies for: enabled, rule met, not already held. Pure, so the
/// accrual operation decides issuance in the same transaction as the order (000).
pub fn rule_cards_due<'a>(
    cards: &'a [RuleCard],
    totals: &MemberTotals,
    reached: &dyn Fn(&str) -> bool,
    already_held: impl Fn(&str) -> bool,
) -> Vec<&'a RuleCard> {
    cards
        .iter()
        .filter(|c| c.enabled && c.rule.is_met(totals, reached) && !already_held(&c.card_id))
        .collect()
}

/// What accrual needs from the shop's cards, kept on one shop item: the rule cards it may
/// issue (lowest first) and every card's points multiplier.
#[derive(Debug, Clone, Default)]
pub struct CardSummary {
    pub rule_cards: Vec<CardDef>,
    pub multipliers: std::collections::BTreeMap<String, Decimal>,
    /// Every card the summary lists, by id (checkout reads benefits and prices here).
    pub cards: std::collections::BTreeMap<String, CardDef>,
}

/// Gift pack contents (000): points and credit go to the member's accounts; coupons and
/// gifts are recorded as items on the member card.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GiftPack {
    pub points: i64,
    pub credit: Money,
    pub coupons: Vec<String>,
    pub gifts: Vec<String>,
}

impl GiftPack {
    pub fn is_empty(&self) -> bool {
        self.points == 0
            && self.credit.is_zero()
            && self.coupons.is_empty()
            && self.gifts.is_empty()
    }
}

/// Whether a claim or purchase brings the gift pack: a free card only on the member's
/// first-ever claim of it (even after it was returned, or deleted and re-issued); a paid card
/// on every purchase (000).
pub fn gift_pack_due(kind: CardKind, claimed_before: bool) -> bool {
    match kind {
        CardKind::Free => !claimed_before,
        CardKind::Paid => true,
        CardKind::Rule => !claimed_before,
    }
}

/// The state of a member card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldStatus {
    Active,
    Refunded,
}

/// Whether the member still holds a card in a way that blocks another claim (000: the same
/// card at most once at a time; an expired or refunded one may be claimed again).
pub fn blocks_new_claim(status: HeldStatus, term: &Term, now: DateTime<Utc>) -> bool {
    status == HeldStatus::Active && term.is_live(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kl() -> ShopTz {
        ShopTz::parse("Asia/Kuala_Lumpur").unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn validity_is_fixed_at_issue_in_shop_local_days() {
        let issued = at("2026-04-01T13:21:00+08:00");
        let t = Validity::Days(30).term_from(issued, kl()).unwrap();
        assert_eq!(t.valid_from, issued);
        assert_eq!(t.valid_until, Some(at("2026-04-30T23:59:59+08:00")));
        let t = Validity::Days(1).term_from(issued, kl()).unwrap();
        assert_eq!(t.valid_until, Some(at("2026-04-01T23:59:59+08:00")));
        assert_eq!(
            Validity::Permanent
                .term_from(issued, kl())
                .unwrap()
                .valid_until,
            None
        );
    }

    #[test]
    fn a_range_card_starts_no_earlier_than_its_range_and_not_after_it() {
        let range = Validity::Range {
            from: "2026-05-01".parse().unwrap(),
            until: "2026-12-31".parse().unwrap(),
        };
        let early = range
            .term_from(at("2026-04-01T10:00:00+08:00"), kl())
            .unwrap();
        assert_eq!(early.valid_from, at("2026-05-01T00:00:00+08:00"));
        assert_eq!(early.valid_until, Some(at("2026-12-31T23:59:59+08:00")));
        assert_eq!(
            range.term_from(at("2027-01-01T00:00:00+08:00"), kl()),
            Err(CardError::RangeOver)
        );
        assert_eq!(
            Validity::Range {
                from: "2026-05-02".parse().unwrap(),
                until: "2026-05-01".parse().unwrap()
            }
            .check(),
            Err(CardError::BadRange)
        );
        assert_eq!(Validity::Days(0).check(), Err(CardError::BadDays));
    }

    #[test]
    fn a_held_card_blocks_a_second_claim_until_it_expires_or_is_refunded() {
        let t = Validity::Days(1)
            .term_from(at("2026-04-01T13:00:00+08:00"), kl())
            .unwrap();
        assert!(blocks_new_claim(
            HeldStatus::Active,
            &t,
            at("2026-04-01T23:59:59+08:00")
        ));
        assert!(!blocks_new_claim(
            HeldStatus::Active,
            &t,
            at("2026-04-02T00:00:00+08:00")
        ));
        assert!(!blocks_new_claim(
            HeldStatus::Refunded,
            &t,
            at("2026-04-01T14:00:00+08:00")
        ));
    }

    #[test]
    fn gift_packs_come_once_for_free_cards_and_with_every_purchase() {
        // 000: first-ever claim only, even after a return or a delete and re-issue.
        assert!(gift_pack_due(CardKind::Free, false));
        assert!(!gift_pack_due(CardKind::Free, true));
        assert!(gift_pack_due(CardKind::Paid, true));
    }

    #[test]
    fn rule_cards_are_due_when_their_rule_is_met_and_not_already_held() {
        let cards = vec![
            RuleCard {
                card_id: "silver".into(),
                rule: CardRule::CumulativeSpend(Decimal::new(100000, 2)),
                enabled: true,
            },
            RuleCard {
                card_id: "gold".into(),
                rule: CardRule::Orders(5),
                enabled: true,
            },
            RuleCard {
                card_id: "vip".into(),
                rule: CardRule::Points(5000),
                enabled: false,
            },
        ];
        let totals = MemberTotals {
            spend: Decimal::new(100000, 2),
            orders: 5,
            points: 9000,
            recharge: Decimal::ZERO,
        };
        let nowhere = |_: &str| false;
        let due: Vec<_> = rule_cards_due(&cards, &totals, &nowhere, |_| false)
            .into_iter()
            .map(|c| c.card_id.as_str())
            .collect();
        assert_eq!(due, ["silver", "gold"]);
        let due = rule_cards_due(&cards, &totals, &nowhere, |id| id == "silver");
        assert_eq!(due.len(), 1);
        let poorer = MemberTotals {
            spend: Decimal::new(99999, 2),
            orders: 4,
            points: 0,
            recharge: Decimal::ZERO,
        };
        assert!(rule_cards_due(&cards, &poorer, &nowhere, |_| false).is_empty());
    }
}

/// A card definition as the shop configured it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardDef {
    pub card_id: String,
    pub kind: CardKind,
    pub name: String,
    pub description: String,
    pub service_phone: String,
    pub validity: Validity,
    /// Display data (discount, free shipping, multiplier, custom text), kept as given.
    pub benefits: serde_json::Value,
    pub gift_pack: GiftPack,
    pub require_phone: bool,
    pub price: Option<Money>,
    pub rule: Option<CardRule>,
    pub enabled: bool,
    pub listed: bool,
    pub holders: u64,
    pub version: u64,
    /// How many counters a paid card's stock is split over (`domain::stock`); 1 otherwise.
    pub stock_shards: u16,
}

/// Why a card cannot be claimed or bought right now.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ClaimRefusal {
    #[error("this card is disabled")]
    Disabled,
    #[error("this card is sold out")]
    SoldOut,
    #[error("the member already holds this card")]
    AlreadyHeld,
    #[error("a phone number is required to claim this card")]
    PhoneRequired,
    #[error("this kind of card cannot be claimed this way")]
    WrongKind,
    #[error("{0}")]
    Validity(#[from] CardError),
}

impl CardDef {
    /// 000, 002: free and paid cards are handed out by link or QR code, the shop's claim URL
    /// template filled in; rule cards never (their rule grants them).
    pub fn claim_link(&self, template: Option<&str>) -> Result<String, crate::Refusal> {
        if self.kind == CardKind::Rule {
            return Err(crate::Refusal::NoClaimLink);
        }
        let template = template.ok_or(crate::Refusal::ClaimUrlNotSet)?;
        Ok(crate::settings::claim_url_for(template, &self.card_id))
    }

    /// 000: a card with active holders can be disabled but not deleted.
    pub fn check_deletable(&self) -> Result<(), crate::Refusal> {
        if self.holders > 0 {
            return Err(crate::Refusal::CardInUse {
                holders: self.holders,
            });
        }
        Ok(())
    }

    /// The card's points multiplier benefit, if it has one (checked at the edge).
    pub fn points_multiplier(&self) -> Option<Decimal> {
        self.benefits.as_array()?.iter().find_map(|b| {
            (b["kind"] == "points_multiplier")
                .then(|| b["factor"].as_str()?.parse().ok())
                .flatten()
        })
    }

    /// 000: what a holder pays with the card's discount, in percent (80 = 20% off).
    pub fn discount_percent(&self) -> Option<u32> {
        self.benefits.as_array()?.iter().find_map(|b| {
            (b["kind"] == "discount")
                .then(|| b["percent"].as_u64().and_then(|p| u32::try_from(p).ok()))
                .flatten()
        })
    }

    /// 000: the card ships its holder's orders free.
    pub fn free_shipping(&self) -> bool {
        self.benefits
            .as_array()
            .is_some_and(|list| list.iter().any(|b| b["kind"] == "free_shipping"))
    }

    /// Whether accrual or checkout needs the card from the shop's summary: rule cards, any
    /// card with a multiplier, a discount or free shipping, and paid cards (guide to buy).
    pub fn in_summary(&self) -> bool {
        self.kind != CardKind::Free
            || self.points_multiplier().is_some()
            || self.discount_percent().is_some()
            || self.free_shipping()
    }

    /// 000/002: a free card is claimed; disabled cards give nothing; the phone check is the
    /// merchant's identity requirement.
    pub fn check_claim(&self, phone: Option<&str>) -> Result<(), ClaimRefusal> {
        if self.kind != CardKind::Free {
            return Err(ClaimRefusal::WrongKind);
        }
        if !self.enabled {
            return Err(ClaimRefusal::Disabled);
        }
        if self.require_phone && phone.is_none_or(|p| p.trim().is_empty()) {
            return Err(ClaimRefusal::PhoneRequired);
        }
        Ok(())
    }

    /// A paid card is bought while enabled and listed; a delisted one shows sold out.
    pub fn check_purchase(&self) -> Result<Money, ClaimRefusal> {
        if self.kind != CardKind::Paid {
            return Err(ClaimRefusal::WrongKind);
        }
        if !self.enabled {
            return Err(ClaimRefusal::Disabled);
        }
        if !self.listed {
            return Err(ClaimRefusal::SoldOut);
        }
        self.price.ok_or(ClaimRefusal::WrongKind)
    }
}

/// A coupon or gift handed out with a gift pack, tracked on the member card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiftItem {
    pub kind: String,
    pub name: String,
    pub state: String,
}

/// A card a member holds (or held).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberCard {
    pub card_id: String,
    pub card_no: String,
    pub kind: CardKind,
    pub term: Term,
    pub status: HeldStatus,
    pub gift_pack_issued: bool,
    pub gift_points: i64,
    pub gift_credit: Money,
    pub gift_items: Vec<GiftItem>,
    pub paid: Option<Money>,
    pub purchase_id: Option<String>,
    /// The stock shard the purchase took its unit from: a refund returns it there.
    pub stock_shard: Option<u16>,
    pub issued_at: DateTime<Utc>,
}

impl MemberCard {
    /// 000 (paid card refund): a refunded card cannot be refunded again, an expired one not
    /// at all, and the money back is at most what was paid.
    pub fn check_refund(
        &self,
        refund: Option<Money>,
        currency: Option<&crate::Currency>,
        now: DateTime<Utc>,
    ) -> Result<(), crate::Refusal> {
        if self.status == HeldStatus::Refunded {
            return Err(crate::Refusal::CardRefunded);
        }
        if !self.term.is_live(now) {
            return Err(crate::Refusal::HeldCardExpired);
        }
        let paid = self.paid.unwrap_or(Money::ZERO);
        match refund {
            Some(amount) if amount > paid => Err(crate::Refusal::RefundExceedsPaid(format!(
                "at most {} was paid for this card",
                crate::money::Shown::new(paid.amount(), currency)
            ))),
            _ => Ok(()),
        }
    }

    /// The card as returned: refunded, and with `reclaim_gifts` its unused coupons and gifts
    /// marked reclaimed (returned, as `(kind, name)`).
    pub fn returned(&self, reclaim_gifts: bool) -> (MemberCard, Vec<(String, String)>) {
        let mut card = self.clone();
        card.status = HeldStatus::Refunded;
        let mut reclaimed = Vec::new();
        if reclaim_gifts && self.gift_pack_issued {
            for g in card.gift_items.iter_mut().filter(|g| g.state == "unused") {
                g.state = "reclaimed".to_owned();
                reclaimed.push((g.kind.clone(), g.name.clone()));
            }
        }
        (card, reclaimed)
    }

    pub fn status_at(&self, now: DateTime<Utc>) -> &'static str {
        match self.status {
            HeldStatus::Refunded => "refunded",
            HeldStatus::Active if self.term.is_live(now) => "active",
            HeldStatus::Active => "expired",
        }
    }
}

/// Adds `amount` to an account as a grant (gift pack, accrual) expiring at `expires_at`,
/// writing off expired lots first so the ledger keeps explaining the balance.
pub fn grant<Q: Quantity>(
    kind: AccountKind,
    mut account: Account<Q>,
    amount: Q,
    expires_at: Option<DateTime<Utc>>,
    entry: EntryKind,
    links: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> (Account<Q>, Vec<Movement>) {
    let mut movements: Vec<Movement> = account
        .write_off_expired(kind, links, now)
        .into_iter()
        .collect();
    account.credit(amount, expires_at);
    movements.push(Movement {
        account: kind,
        kind: entry,
        amount: amount.to_decimal(),
        balance_after: account.balance().to_decimal(),
        reason: entry.as_str().to_owned(),
        links: links.clone(),
    });
    (account, movements)
}

/// A card issued to a member, with the gift pack's effect on their accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub card: MemberCard,
    /// The new points account and its movements, when the gift pack holds points.
    pub points: Option<(Account<i64>, Vec<Movement>)>,
    pub credit: Option<(Account<Decimal>, Vec<Movement>)>,
    /// The coupons the gift pack gives this time (API 1.3: issued into the wallet).
    pub coupons: Vec<String>,
}

/// What issuing needs besides the definition and the accounts.
#[derive(Debug, Clone)]
pub struct IssueContext {
    pub now: DateTime<Utc>,
    pub tz: ShopTz,
    pub card_no: String,
    pub claimed_before: bool,
    pub paid: Option<Money>,
    pub purchase_id: Option<String>,
    pub stock_shard: Option<u16>,
    /// 000: the member's live card of this definition when a paid card is bought again: a
    /// renewal (see `renews`).
    pub renewing: Option<MemberCard>,
}

impl CardDef {
    /// 000 (gift packs "on first claim and on renewal"): a paid card held and still valid
    /// is renewed by buying it again when its validity is a number of days, so the new term
    /// can start where the current one ends. A permanent or fixed-range card cannot be.
    pub fn renews(&self, held: Option<&MemberCard>, now: DateTime<Utc>) -> Option<MemberCard> {
        let held = held.filter(|c| blocks_new_claim(c.status, &c.term, now))?;
        (self.kind == CardKind::Paid
            && matches!(self.validity, Validity::Days(_))
            && held.term.valid_until.is_some())
        .then(|| held.clone())
    }
}

/// Issues a card: its term fixed now from the definition's validity, and the gift pack when
/// one is due (000). Disabled cards give no benefits.
pub fn issue(
    def: &CardDef,
    points: Account<i64>,
    credit: Account<Decimal>,
    ctx: &IssueContext,
) -> Result<Issued, CardError> {
    let term = match ctx.renewing.as_ref().and_then(|h| h.term.valid_until) {
        // The new term starts when the current one ends: its end moves by the card's days.
        Some(until) => Term {
            valid_from: ctx.renewing.as_ref().map_or(ctx.now, |h| h.term.valid_from),
            valid_until: def
                .validity
                .term_from(until + chrono::TimeDelta::seconds(1), ctx.tz)?
                .valid_until,
        },
        None => def.validity.term_from(ctx.now, ctx.tz)?,
    };
    let gift =
        def.enabled && gift_pack_due(def.kind, ctx.claimed_before) && !def.gift_pack.is_empty();
    let links = BTreeMap::from([
        ("card_id".to_owned(), def.card_id.clone()),
        ("card_no".to_owned(), ctx.card_no.clone()),
    ]);
    let mut issued = Issued {
        card: MemberCard {
            card_id: def.card_id.clone(),
            card_no: ctx.card_no.clone(),
            kind: def.kind,
            term,
            status: HeldStatus::Active,
            gift_pack_issued: gift,
            gift_points: 0,
            gift_credit: Money::ZERO,
            gift_items: Vec::new(),
            paid: ctx.paid,
            purchase_id: ctx.purchase_id.clone(),
            stock_shard: ctx.stock_shard,
            issued_at: ctx.now,
        },
        points: None,
        credit: None,
        coupons: Vec::new(),
    };
    if !gift {
        return Ok(match &ctx.renewing {
            Some(held) => carry_over(issued, held),
            None => issued,
        });
    }
    let pack = &def.gift_pack;
    if pack.points > 0 {
        issued.points = Some(grant(
            AccountKind::Points,
            points,
            pack.points,
            None,
            EntryKind::GiftPack,
            &links,
            ctx.now,
        ));
        issued.card.gift_points = pack.points;
    }
    if pack.credit.amount() > Decimal::ZERO {
        issued.credit = Some(grant(
            AccountKind::Credit,
            credit,
            pack.credit.amount(),
            None,
            EntryKind::GiftPack,
            &links,
            ctx.now,
        ));
        issued.card.gift_credit = pack.credit;
    }
    let item = |kind: &str, name: &String| GiftItem {
        kind: kind.to_owned(),
        name: name.clone(),
        state: "unused".to_owned(),
    };
    issued.coupons = pack.coupons.clone();
    issued.card.gift_items = pack
        .coupons
        .iter()
        .map(|c| item("coupon", c))
        .chain(pack.gifts.iter().map(|g| item("gift", g)))
        .collect();
    Ok(match &ctx.renewing {
        Some(held) => carry_over(issued, held),
        None => issued,
    })
}

/// A renewal keeps the held card's number and first day, and adds this purchase's payment
/// and gift pack to what the card already carries (a refund reclaims from both).
fn carry_over(mut issued: Issued, held: &MemberCard) -> Issued {
    let card = &mut issued.card;
    card.card_no = held.card_no.clone();
    card.gift_pack_issued |= held.gift_pack_issued;
    card.gift_points = card.gift_points.saturating_add(held.gift_points);
    card.gift_credit = Money::from_stored(card.gift_credit.amount() + held.gift_credit.amount());
    let mut items = held.gift_items.clone();
    items.append(&mut card.gift_items);
    card.gift_items = items;
    card.paid = match (held.paid, card.paid) {
        (Some(a), Some(b)) => Some(Money::from_stored(a.amount() + b.amount())),
        (a, b) => a.or(b),
    };
    issued
}

#[cfg(test)]
mod issue_tests {
    use super::*;

    fn def(kind: CardKind) -> CardDef {
        CardDef {
            card_id: "gold".into(),
            kind,
            name: "Gold".into(),
            description: String::new(),
            service_phone: String::new(),
            validity: Validity::Days(30),
            benefits: serde_json::json!([]),
            gift_pack: GiftPack {
                points: 100,
                credit: Money::from_stored(Decimal::new(500, 2)),
                coupons: vec!["WELCOME10".into()],
                gifts: vec!["tote bag".into()],
            },
            require_phone: false,
            price: None,
            rule: None,
            enabled: true,
            listed: true,
            holders: 0,
            stock_shards: 1,
            version: 1,
        }
    }

    /// A card of `kind` issued onto empty accounts.
    fn issue_new(kind: CardKind, claimed_before: bool) -> Issued {
        issue(
            &def(kind),
            Account::default(),
            Account::default(),
            &ctx(claimed_before),
        )
        .unwrap()
    }

    fn ctx(claimed_before: bool) -> IssueContext {
        IssueContext {
            now: DateTime::parse_from_rfc3339("2026-04-01T13:21:00+08:00")
                .unwrap()
                .with_timezone(&Utc),
            tz: ShopTz::parse("Asia/Kuala_Lumpur").unwrap(),
            card_no: "1234".into(),
            claimed_before,
            paid: None,
            purchase_id: None,
            stock_shard: None,
            renewing: None,
        }
    }

    #[test]
    fn a_member_receiving_a_card_holds_it_remembers_the_claim_and_gets_the_gift_pack() {
        // 000: GIVEN a member without the card WHEN it is issued THEN the profile holds it,
        // it counts as claimed (no second gift pack after a return), the accounts carry the
        // gift pack, and the credit card number is due with the first credit (001).
        let mut member = crate::member::Member::new(
            crate::member::Profile::default(),
            Account::default(),
            Account::default(),
        );
        let issued = issue_new(CardKind::Free, false);
        assert!(!member.receive_card(issued));
        assert!(member.profile.cards.contains_key("gold"));
        assert!(member.profile.claimed.contains("gold"));
        assert_eq!(member.points.balance(), 100);
        assert!(member.needs_credit_card_no());
        let changes = member.into_changes();
        assert!(changes.points.is_some() && changes.credit.is_some());
    }

    #[test]
    fn a_first_claim_brings_the_whole_gift_pack_into_accounts_and_items() {
        let issued = issue_new(CardKind::Free, false);
        assert!(issued.card.gift_pack_issued);
        let (points, moves) = issued.points.unwrap();
        assert_eq!(points.balance(), 100);
        assert_eq!(moves[0].kind, EntryKind::GiftPack);
        assert_eq!(moves[0].links["card_id"], "gold");
        assert_eq!(issued.credit.unwrap().0.balance(), Decimal::new(500, 2));
        assert_eq!(issued.card.gift_items.len(), 2);
        assert!(issued.card.gift_items.iter().all(|g| g.state == "unused"));
    }

    #[test]
    fn a_second_claim_of_a_free_card_brings_no_gift_pack_but_a_purchase_does() {
        let again = issue_new(CardKind::Free, true);
        assert!(!again.card.gift_pack_issued);
        assert!(again.points.is_none() && again.credit.is_none());
        let bought = issue_new(CardKind::Paid, true);
        assert!(bought.card.gift_pack_issued);
    }
}
