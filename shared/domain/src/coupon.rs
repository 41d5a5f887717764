//! Coupons (优惠券: seeds 000 gift packs, 002, 003 level rewards and recharge gifts; API 1.3).
//! A shop defines a coupon (a template: its terms, stock, per-member limit, whether members
//! may take it); each issue copies the terms onto a coupon the member holds, so editing the
//! definition never changes what a member holds. A member's coupons live in their wallet,
//! one document, so "one order per coupon" and "at most `per_member` claims" are conditions
//! of one versioned write, never a read followed by a hope.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::Value;

use crate::card_document::RawValidity;
use crate::cards::{Term, Validity, MAX_NAME_CHARS};
use crate::document::DocumentError;
use crate::{Currency, Decimal, Money, Refusal, ShopTz};

/// A shop's definitions at most (API 1.3: the 301st is 409 `coupon_limit_reached`).
pub const MAX_DEFINITIONS: u64 = 300;
/// Coupons one staff issue hands out at most.
pub const MAX_QUANTITY: u32 = 50;
/// More coupons than any drop hands out.
pub const MAX_STOCK: u64 = 10_000_000;
/// Stock counters a coupon is split over unless the merchant says (a drop of thousands of
/// claims a second needs more; `stock_shards` up to `stock::MAX_SHARDS`).
pub const DEFAULT_SHARDS: u16 = 4;
/// The longest `text` a coupon shows.
pub const MAX_TEXT_CHARS: usize = 500;
/// Categories a coupon names at most.
pub const MAX_CATEGORIES: usize = 50;
/// Days a `days` validity may count at most.
pub const MAX_DAYS: u32 = crate::time::MAX_VALIDITY_DAYS;

/// What a coupon gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Benefit {
    /// A fixed amount off the eligible lines, never more than they pay.
    AmountOff(Money),
    /// What the member pays, in percent (80 = 20 % off), as card discounts; at most
    /// `max_discount` off.
    PercentOff {
        percent: u32,
        max_discount: Option<Money>,
    },
    /// The order's shipping.
    FreeShipping,
    /// An item handed over at the till: never money off an order.
    Gift(String),
}

impl Benefit {
    pub fn kind(&self) -> &'static str {
        match self {
            Benefit::AmountOff(_) => "amount_off",
            Benefit::PercentOff { .. } => "percent_off",
            Benefit::FreeShipping => "free_shipping",
            Benefit::Gift(_) => "gift",
        }
    }
}

/// What a coupon is and where it applies: copied onto every coupon issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub benefit: Benefit,
    pub min_spend: Money,
    /// Only lines of these categories (`None`: every category).
    pub categories: Option<Vec<String>>,
    pub exclude_categories: Vec<String>,
    /// Lines sold at a member price take the coupon only if true.
    pub member_price_lines: bool,
    /// Usable together with the card or level benefit; otherwise the quote compares.
    pub with_benefit: bool,
}

/// A coupon definition (the template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub coupon_id: String,
    pub name: String,
    pub text: String,
    pub terms: Terms,
    pub validity: Validity,
    /// Every issue at most (`None`: unlimited).
    pub stock: Option<u64>,
    /// A member's own claims at most (`None`: unlimited).
    pub per_member: Option<u32>,
    pub claimable: bool,
    pub enabled: bool,
    pub stock_shards: u16,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

impl Definition {
    /// Whether a new issue may happen at all (stock is the counters' business).
    pub fn check_issuable(&self) -> Result<(), Refusal> {
        if !self.enabled {
            return Err(Refusal::CouponDisabled);
        }
        Ok(())
    }

    /// A member taking it themselves: enabled, claimable, and under their own limit
    /// (`claimed`: how many they took before, from their wallet).
    pub fn check_claim(&self, claimed: u32) -> Result<(), Refusal> {
        self.check_issuable()?;
        if !self.claimable {
            return Err(Refusal::CouponNotClaimable);
        }
        match self.per_member {
            Some(limit) if claimed >= limit => Err(Refusal::CouponLimitReached(format!(
                "a member may take this coupon {limit} time(s)"
            ))),
            _ => Ok(()),
        }
    }

    /// The coupon this definition issues at `at`: its terms copied, valid per the
    /// validity from that instant (a range already over issues nothing: `None`).
    pub fn issue(
        &self,
        coupon_no: CouponNo,
        source: Source,
        shard: u16,
        at: DateTime<Utc>,
        tz: ShopTz,
    ) -> Option<MemberCoupon> {
        let Term {
            valid_from,
            valid_until,
        } = self.validity.term_from(at, tz).ok()?;
        Some(MemberCoupon {
            coupon_no,
            coupon_id: self.coupon_id.clone(),
            name: self.name.clone(),
            terms: self.terms.clone(),
            valid_from,
            valid_until: valid_until?,
            source,
            state: State::Held,
            issued_at: at,
            shard,
        })
    }
}

/// Where a member's coupon came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    GiftPack,
    LevelReward,
    Recharge,
    Staff,
    Claim,
}

impl Source {
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::GiftPack => "gift_pack",
            Source::LevelReward => "level_reward",
            Source::Recharge => "recharge",
            Source::Staff => "staff",
            Source::Claim => "claim",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        use Source::*;
        [GiftPack, LevelReward, Recharge, Staff, Claim]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// What happened to a held coupon (expiry needs no state: it is read off the clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Held,
    /// Spent on an order (`order_id`) or, a gift, handed over at the till (`None`).
    Used {
        order_id: Option<String>,
        at: DateTime<Utc>,
        /// What it took off the order, shipping included (zero for a gift): the coupons
        /// report's discount, taken back if the coupon is.
        discount: Decimal,
    },
    /// The member's data was erased.
    Void {
        at: DateTime<Utc>,
    },
}

/// A coupon a member holds: the definition's terms as they were at issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberCoupon {
    pub coupon_no: CouponNo,
    pub coupon_id: String,
    pub name: String,
    pub terms: Terms,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub source: Source,
    pub state: State,
    pub issued_at: DateTime<Utc>,
    /// The stock counter it was taken from, where its use is counted.
    pub shard: u16,
}

impl MemberCoupon {
    /// `available` | `used` | `expired` | `void` at `now`: a held coupon past its last
    /// instant reads expired, no job needed.
    pub fn status(&self, now: DateTime<Utc>) -> &'static str {
        match self.state {
            State::Used { .. } => "used",
            State::Void { .. } => "void",
            State::Held if now > self.valid_until => "expired",
            State::Held => "available",
        }
    }

    pub fn is_available(&self, now: DateTime<Utc>) -> bool {
        self.status(now) == "available"
    }

    /// Whether it can be spent now, or the refusal that says why not.
    pub fn check_usable(&self, now: DateTime<Utc>) -> Result<(), Refusal> {
        match self.status(now) {
            "used" => Err(Refusal::CouponUsed),
            "void" => Err(Refusal::CouponExpired("this coupon is void".into())),
            "expired" => Err(Refusal::CouponExpired("this coupon has expired".into())),
            _ if now < self.valid_from => Err(Refusal::CouponNotStarted),
            _ => Ok(()),
        }
    }

    /// The order this coupon was spent on, if any.
    pub fn order_id(&self) -> Option<&str> {
        match &self.state {
            State::Used { order_id, .. } => order_id.as_deref(),
            _ => None,
        }
    }
}

/// A member's coupons and how many of each definition they took themselves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Wallet {
    pub coupons: Vec<MemberCoupon>,
    /// Claims per definition, for `per_member` (issues by staff or grants do not count).
    pub claims: BTreeMap<String, u32>,
    /// The member was told of every held coupon ending up to this instant (the daily
    /// `coupon.expiring` notice).
    pub told_until: Option<DateTime<Utc>>,
    pub version: u64,
}

/// How long before its end a member hears a coupon is expiring (API 1.3: 3 days).
pub const EXPIRING_NOTICE_DAYS: i64 = 3;

impl Wallet {
    /// When the daily notice should next look at the wallet: the end of the first held
    /// coupon the member was not told of yet.
    pub fn next_notice(&self) -> Option<DateTime<Utc>> {
        self.coupons
            .iter()
            .filter(|c| c.state == State::Held)
            .map(|c| c.valid_until)
            .filter(|end| self.told_until.is_none_or(|t| *end > t))
            .min()
    }

    /// The held coupons still valid at `now` that end within the notice's days and were not
    /// told yet; marks them told (through the notice's horizon).
    pub fn tell_expiring(&mut self, now: DateTime<Utc>) -> Vec<&MemberCoupon> {
        let horizon = now + chrono::Duration::days(EXPIRING_NOTICE_DAYS);
        let since = self.told_until;
        self.told_until = Some(since.map_or(horizon, |t| t.max(horizon)));
        self.coupons
            .iter()
            .filter(|c| c.state == State::Held && c.valid_until >= now)
            .filter(|c| c.valid_until <= horizon && since.is_none_or(|t| c.valid_until > t))
            .collect()
    }

    pub fn claimed(&self, coupon_id: &str) -> u32 {
        self.claims.get(coupon_id).copied().unwrap_or(0)
    }

    pub fn add(&mut self, coupon: MemberCoupon) {
        if coupon.source == Source::Claim {
            *self.claims.entry(coupon.coupon_id.clone()).or_default() += 1;
        }
        self.coupons.push(coupon);
    }

    pub fn find(&self, no: &CouponNo) -> Option<&MemberCoupon> {
        self.coupons.iter().find(|c| &c.coupon_no == no)
    }

    pub fn find_mut(&mut self, no: &CouponNo) -> Option<&mut MemberCoupon> {
        self.coupons.iter_mut().find(|c| &c.coupon_no == no)
    }

    /// Newest first, as the wallet lists them.
    pub fn newest_first(&self) -> Vec<&MemberCoupon> {
        let mut all: Vec<&MemberCoupon> = self.coupons.iter().collect();
        all.sort_by(|a, b| (b.issued_at, &b.coupon_no.0).cmp(&(a.issued_at, &a.coupon_no.0)));
        all
    }

    /// How many are available now and the soonest of their ends (`GET /members/{id}`).
    pub fn summary(&self, now: DateTime<Utc>) -> (usize, Option<DateTime<Utc>>) {
        let available = self.coupons.iter().filter(|c| c.is_available(now));
        let (n, next) =
            available.fold((0, None), |(n, next): (usize, Option<DateTime<Utc>>), c| {
                (
                    n + 1,
                    Some(next.map_or(c.valid_until, |x| x.min(c.valid_until))),
                )
            });
        (n, next)
    }

    /// The coupon the order spent, if any.
    pub fn spent_on(&self, order_id: &str) -> Option<&MemberCoupon> {
        self.coupons.iter().find(|c| c.order_id() == Some(order_id))
    }

    /// The coupon order `order_id` spent, back in the wallet (a cancellation, a whole
    /// refund: API 1.3): held again, so it reads available while still valid and expired
    /// after. Returns it, or `None` when the order spent none.
    pub fn give_back(&mut self, order_id: &str) -> Option<&MemberCoupon> {
        let coupon = self
            .coupons
            .iter_mut()
            .find(|c| c.order_id() == Some(order_id))?;
        coupon.state = State::Held;
        Some(coupon)
    }

    /// A gift coupon handed over at the till (API 1.3 "Gift coupons at the till").
    pub fn use_gift(
        &mut self,
        no: &CouponNo,
        now: DateTime<Utc>,
    ) -> Result<&MemberCoupon, Refusal> {
        let coupon = self.find_mut(no).ok_or(Refusal::CouponNotFound)?;
        if !matches!(coupon.terms.benefit, Benefit::Gift(_)) {
            return Err(Refusal::CouponNotApplicable(
                "only a gift coupon is used at the till".into(),
            ));
        }
        coupon.check_usable(now)?;
        coupon.state = State::Used {
            order_id: None,
            at: now,
            discount: Decimal::ZERO,
        };
        Ok(coupon)
    }

    /// Erasure (API 1.2, 1.3): every coupon not used is void. Returns how many.
    pub fn void_all(&mut self, now: DateTime<Utc>) -> usize {
        let mut n = 0;
        for c in &mut self.coupons {
            if c.state == State::Held {
                c.state = State::Void { at: now };
                n += 1;
            }
        }
        n
    }
}

/// A coupon's number: 60 random bits as 12 Crockford base32 characters, short enough to
/// type at a till and never guessable (2^60 numbers per shop).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CouponNo(String);

/// Crockford's base32 alphabet: no I, L, O or U, so what a cashier reads is what they type.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a coupon number (60 bits).
pub const COUPON_NO_LEN: usize = 12;

impl CouponNo {
    /// The number for 60 bits of the operating system's random source (the caller draws
    /// them: the domain does no I/O).
    pub fn from_random(bits: u64) -> Self {
        let mut out = String::with_capacity(COUPON_NO_LEN);
        for i in (0..COUPON_NO_LEN).rev() {
            out.push(CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char);
        }
        CouponNo(out)
    }

    /// A number as typed: case-insensitive, hyphens and spaces ignored, and the letters
    /// Crockford reads as digits (I and L as 1, O as 0). Anything else is no number at all.
    pub fn parse(typed: &str) -> Option<Self> {
        let mut out = String::with_capacity(COUPON_NO_LEN);
        for ch in typed.chars() {
            let c = match ch.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'I' | 'L' => '1',
                'O' => '0',
                c if c.is_ascii_alphanumeric() && c != 'U' => c,
                _ => return None,
            };
            out.push(c);
            if out.len() > COUPON_NO_LEN {
                return None;
            }
        }
        (out.len() == COUPON_NO_LEN).then_some(CouponNo(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CouponNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

// ---- The definition as a request document ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefinition {
    name: String,
    kind: String,
    #[serde(default)]
    amount: Option<String>,
    #[serde(default)]
    percent: Option<u32>,
    #[serde(default)]
    max_discount: Option<String>,
    #[serde(default)]
    gift: Option<String>,
    #[serde(default)]
    min_spend: Option<String>,
    #[serde(default)]
    categories: Option<Vec<String>>,
    #[serde(default)]
    exclude_categories: Vec<String>,
    #[serde(default)]
    member_price_lines: bool,
    #[serde(default)]
    with_benefit: bool,
    validity: RawValidity,
    #[serde(default)]
    stock: Option<u64>,
    #[serde(default)]
    per_member: Option<u32>,
    #[serde(default)]
    claimable: bool,
    #[serde(default)]
    text: String,
    #[serde(default)]
    stock_shards: Option<u16>,
}

fn invalid(msg: impl Into<String>) -> DocumentError {
    DocumentError::Invalid(msg.into())
}

fn check_name(name: &str) -> Result<String, DocumentError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!("name is 1-{MAX_NAME_CHARS} characters")));
    }
    Ok(name.to_owned())
}

fn check_text(text: &str) -> Result<String, DocumentError> {
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid(format!(
            "text is at most {MAX_TEXT_CHARS} characters"
        )));
    }
    Ok(text.trim().to_owned())
}

fn check_stock(stock: Option<u64>) -> Result<Option<u64>, DocumentError> {
    match stock {
        Some(s) if s > MAX_STOCK => Err(invalid(format!("stock is at most {MAX_STOCK}"))),
        s => Ok(s),
    }
}

fn check_per_member(n: Option<u32>) -> Result<Option<u32>, DocumentError> {
    match n {
        Some(0) => Err(invalid("per_member is at least 1 (null: unlimited)")),
        Some(n) if n > 1_000 => Err(invalid("per_member is at most 1000")),
        n => Ok(n),
    }
}

fn categories(list: Vec<String>, field: &str) -> Result<Vec<String>, DocumentError> {
    if list.len() > MAX_CATEGORIES {
        return Err(invalid(format!("{field} lists at most {MAX_CATEGORIES}")));
    }
    list.into_iter()
        .map(|c| {
            let c = c.trim().to_owned();
            if c.is_empty() || c.chars().count() > 64 {
                Err(invalid(format!(
                    "{field}: each category is 1-64 characters"
                )))
            } else {
                Ok(c)
            }
        })
        .collect()
}

fn benefit(raw: &RawDefinition, currency: &Currency) -> Result<Benefit, DocumentError> {
    let positive = |field: &str, text: &Option<String>| -> Result<Money, DocumentError> {
        let text = text
            .as_deref()
            .ok_or_else(|| invalid(format!("{field} is required")))?;
        let m = Money::parse_non_negative(text, currency)?;
        if m.is_zero() {
            return Err(invalid(format!("{field} must be above zero")));
        }
        Ok(m)
    };
    Ok(match raw.kind.as_str() {
        "amount_off" => Benefit::AmountOff(positive("amount", &raw.amount)?),
        "percent_off" => {
            let percent = raw.percent.ok_or_else(|| invalid("percent is required"))?;
            if !(1..=99).contains(&percent) {
                return Err(invalid(
                    "percent is what the member pays: 1-99 (80 = 20 % off)",
                ));
            }
            let max_discount = match &raw.max_discount {
                None => None,
                some => Some(positive("max_discount", some)?),
            };
            Benefit::PercentOff {
                percent,
                max_discount,
            }
        }
        "free_shipping" => Benefit::FreeShipping,
        "gift" => {
            let gift = raw.gift.as_deref().map(str::trim).unwrap_or_default();
            if gift.is_empty() || gift.chars().count() > MAX_NAME_CHARS {
                return Err(invalid(format!(
                    "gift names the item: 1-{MAX_NAME_CHARS} characters"
                )));
            }
            Benefit::Gift(gift.to_owned())
        }
        other => {
            return Err(invalid(format!(
                "kind {other:?} is not one of amount_off, percent_off, free_shipping, gift"
            )))
        }
    })
}

/// Days from issue or a range (a coupon always ends), a range not already over.
fn validity(raw: &RawValidity, today: NaiveDate) -> Result<Validity, DocumentError> {
    if matches!(raw, RawValidity::Permanent) {
        return Err(invalid("a coupon's validity is days or a range"));
    }
    let v = crate::card_document::validity(Some(raw.clone()))?;
    if let Validity::Range { until, .. } = v {
        if until < today {
            return Err(invalid("the validity range has already ended"));
        }
    }
    Ok(v)
}

/// `POST /admin/coupons` parsed and checked, every limit here once; `today` is the shop's
/// local date (a range that has ended is refused).
pub fn parse_definition(
    body: &Value,
    coupon_id: String,
    currency: &Currency,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Definition, DocumentError> {
    let raw: RawDefinition = DocumentError::from_json(body)?;
    let benefit = benefit(&raw, currency)?;
    let min_spend = match &raw.min_spend {
        Some(t) => Money::parse_non_negative(t, currency)?,
        None => Money::ZERO,
    };
    let shards = raw.stock_shards.unwrap_or(DEFAULT_SHARDS);
    if shards == 0 || shards > crate::stock::MAX_SHARDS {
        return Err(invalid(format!(
            "stock_shards is 1-{}",
            crate::stock::MAX_SHARDS
        )));
    }
    Ok(Definition {
        coupon_id,
        name: check_name(&raw.name)?,
        text: check_text(&raw.text)?,
        terms: Terms {
            benefit,
            min_spend,
            categories: raw
                .categories
                .map(|c| categories(c, "categories"))
                .transpose()?,
            exclude_categories: categories(raw.exclude_categories, "exclude_categories")?,
            member_price_lines: raw.member_price_lines,
            with_benefit: raw.with_benefit,
        },
        validity: validity(&raw.validity, today)?,
        stock: check_stock(raw.stock)?,
        per_member: check_per_member(raw.per_member)?,
        claimable: raw.claimable,
        enabled: true,
        stock_shards: shards,
        created_at: now,
        version: 0,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPatch {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default, with = "double_option")]
    stock: Option<Option<u64>>,
    #[serde(default, with = "double_option")]
    per_member: Option<Option<u32>>,
    #[serde(default)]
    claimable: Option<bool>,
    #[serde(default)]
    status: Option<String>,
}

/// `null` and absent told apart: `"stock": null` makes the stock unlimited.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// `PATCH /admin/coupons/{id}`: the fields a merchant may change once coupons are out
/// (name, text, stock, per-member limit, claimable, status). The terms are not among them:
/// they were copied onto every coupon issued. `issued` bounds the stock from below.
pub fn apply_patch(def: &mut Definition, body: &Value, issued: u64) -> Result<(), DocumentError> {
    let raw: RawPatch = DocumentError::from_json(body)?;
    if let Some(name) = &raw.name {
        def.name = check_name(name)?;
    }
    if let Some(text) = &raw.text {
        def.text = check_text(text)?;
    }
    if let Some(stock) = raw.stock {
        let stock = check_stock(stock)?;
        if let Some(s) = stock.filter(|s| *s < issued) {
            return Err(invalid(format!(
                "stock {s} is below the {issued} coupons already issued"
            )));
        }
        def.stock = stock;
    }
    if let Some(per_member) = raw.per_member {
        def.per_member = check_per_member(per_member)?;
    }
    if let Some(c) = raw.claimable {
        def.claimable = c;
    }
    match raw.status.as_deref() {
        None => {}
        Some("enabled") => def.enabled = true,
        Some("disabled") => def.enabled = false,
        Some(other) => {
            return Err(invalid(format!(
                "status {other:?} is not one of enabled, disabled"
            )))
        }
    }
    Ok(())
}

// ---- Money off: exact to the minor unit ----

/// Percent off `eligible`: what is taken off when the member pays `percent` %, rounded half
/// to even in minor units (banker's rounding, as the checkout rounds), capped.
pub fn percent_discount(
    eligible: Decimal,
    percent: u32,
    max_discount: Option<Money>,
    currency: &Currency,
) -> Decimal {
    let off = (eligible * Decimal::from(100 - percent.min(100)) / Decimal::from(100))
        .round_dp_with_strategy(
            currency.minor_units(),
            rust_decimal::RoundingStrategy::MidpointNearestEven,
        );
    match max_discount {
        Some(cap) => off.min(cap.amount()),
        None => off,
    }
}

/// Spreads `discount` over lines paying `amounts`, in proportion, in minor units: each line
/// gets the floor of its share, and the units left go one each to the lines with the largest
/// remainders, ties to the earlier line. The parts add up to `discount` exactly, and no
/// line gets more than it pays.
pub fn allocate(discount: Decimal, amounts: &[Decimal], currency: &Currency) -> Vec<Decimal> {
    let scale = Decimal::from(10u64.pow(currency.minor_units()));
    let units = |d: Decimal| (d * scale).trunc().to_i128().unwrap_or(0);
    let total: i128 = amounts.iter().map(|a| units(*a)).sum();
    let to_spread = units(discount).min(total);
    if total <= 0 || to_spread <= 0 {
        return vec![Decimal::ZERO; amounts.len()];
    }
    let mut parts: Vec<i128> = Vec::with_capacity(amounts.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(amounts.len());
    for (i, a) in amounts.iter().enumerate() {
        let share = units(*a) * to_spread;
        parts.push(share / total);
        remainders.push((share % total, i));
    }
    let mut left = to_spread - parts.iter().sum::<i128>();
    // Largest remainder first; among equals, the earlier line.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
        .into_iter()
        .map(|p| Decimal::from_i128_with_scale(p, currency.minor_units()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn myr() -> Currency {
        Currency::parse("MYR").unwrap()
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    fn ten_off() -> Definition {
        let body = json!({"name": "10 off 50", "kind": "amount_off", "amount": "10.00",
            "min_spend": "50.00", "validity": {"kind": "days", "days": 30},
            "stock": 1000, "per_member": 1, "claimable": true, "text": "Spend 50, save 10"});
        parse_definition(
            &body,
            "c10".into(),
            &myr(),
            today(),
            at("2026-12-06T02:00:00Z"),
        )
        .unwrap()
    }

    /// API 1.3: three lines of 10.00 and 1.00 off give 0.34/0.33/0.33, the tie to the
    /// earlier line; the parts always add up to the discount.
    #[test]
    fn a_discount_spreads_over_lines_to_the_cent_ties_to_the_earlier_line() {
        let ten = d("10.00");
        assert_eq!(
            allocate(d("1.00"), &[ten, ten, ten], &myr()),
            vec![d("0.34"), d("0.33"), d("0.33")]
        );
        assert_eq!(
            allocate(d("5.00"), &[d("30.00"), d("10.00")], &myr()),
            vec![d("3.75"), d("1.25")]
        );
        // Never more than the lines pay.
        assert_eq!(
            allocate(d("50.00"), &[d("3.00"), d("2.00")], &myr()),
            vec![d("3.00"), d("2.00")]
        );
        for (discount, lines) in [
            ("7.77", vec!["1.01", "2.02", "3.03", "0.01"]),
            ("0.01", vec!["5.00", "5.00"]),
            ("9.99", vec!["3.33", "3.33", "3.33"]),
        ] {
            let lines: Vec<Decimal> = lines.into_iter().map(d).collect();
            let parts = allocate(d(discount), &lines, &myr());
            assert_eq!(
                parts.iter().copied().sum::<Decimal>(),
                d(discount).min(lines.iter().copied().sum())
            );
            assert!(parts.iter().zip(&lines).all(|(p, l)| p <= l));
        }
    }

    /// Percent off rounds half to even in minor units and stops at the cap.
    #[test]
    fn percent_off_rounds_half_even_and_is_capped() {
        // 80: 20 % off 10.05 is 2.01; 90: 10 % off 0.25 is 0.025 -> 0.02 (even).
        assert_eq!(percent_discount(d("10.05"), 80, None, &myr()), d("2.01"));
        assert_eq!(percent_discount(d("0.25"), 90, None, &myr()), d("0.02"));
        assert_eq!(percent_discount(d("0.35"), 90, None, &myr()), d("0.04"));
        let cap = Some(Money::from_stored(d("5.00")));
        assert_eq!(percent_discount(d("100.00"), 80, cap, &myr()), d("5.00"));
    }

    /// Numbers are 12 Crockford characters; typed in any case, with hyphens, or with the
    /// letters a cashier confuses, they read the same; anything else is no number.
    #[test]
    fn coupon_numbers_read_as_typed_at_a_till() {
        let no = CouponNo::from_random(0x0FED_CBA9_8765_4321);
        assert_eq!(no.as_str().len(), COUPON_NO_LEN);
        assert!(no.as_str().chars().all(|c| CROCKFORD.contains(&(c as u8))));
        let typed = format!("{}-{}", &no.as_str()[..6], &no.as_str()[6..]).to_lowercase();
        assert_eq!(CouponNo::parse(&typed), Some(no.clone()));
        assert_eq!(
            CouponNo::parse("1O1I-L000-0000"),
            CouponNo::parse("1011-1000-0000")
        );
        assert_eq!(CouponNo::parse("short"), None);
        assert_eq!(CouponNo::parse("UUUUUUUUUUUU"), None);
        assert_eq!(CouponNo::parse("0000000000000"), None);
        assert_ne!(CouponNo::from_random(1), CouponNo::from_random(2));
    }

    /// 000, 003: a coupon copies its terms at issue; "30 days" counts the local day of issue
    /// and ends at its last local midnight, never at UTC midnight.
    #[test]
    fn an_issued_coupon_ends_at_the_end_of_a_shop_local_day() {
        let def = ten_off();
        let kl = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
        // 2026-12-06 23:30 in Kuala Lumpur is 15:30 UTC.
        let c = def
            .issue(
                CouponNo::from_random(7),
                Source::Claim,
                0,
                at("2026-12-06T15:30:00Z"),
                kl,
            )
            .unwrap();
        assert_eq!(c.valid_until, at("2027-01-04T15:59:59Z"));
        assert_eq!(c.status(at("2027-01-04T15:59:59Z")), "available");
        assert_eq!(c.status(at("2027-01-04T16:00:00Z")), "expired");
        assert_eq!(
            c.terms.benefit,
            Benefit::AmountOff(Money::from_stored(d("10.00")))
        );
    }

    #[test]
    fn claims_stop_at_the_per_member_limit_and_a_disabled_coupon_issues_nothing() {
        let mut def = ten_off();
        assert!(def.check_claim(0).is_ok());
        assert_eq!(
            def.check_claim(1).unwrap_err().code(),
            "coupon_limit_reached"
        );
        def.claimable = false;
        assert_eq!(
            def.check_claim(0).unwrap_err().code(),
            "coupon_not_claimable"
        );
        def.enabled = false;
        assert_eq!(def.check_claim(0).unwrap_err().code(), "coupon_disabled");
    }

    #[test]
    fn bad_definitions_are_refused_with_the_field_named() {
        let base = json!({"name": "x", "kind": "amount_off", "amount": "1.00",
                          "validity": {"kind": "days", "days": 30}});
        let refused = |patch: Value| {
            let mut body = base.clone();
            for (k, v) in patch.as_object().unwrap() {
                body[k] = v.clone();
            }
            parse_definition(
                &body,
                "c".into(),
                &myr(),
                today(),
                at("2026-12-06T00:00:00Z"),
            )
            .unwrap_err()
            .to_string()
        };
        assert!(refused(json!({"amount": "0.00"})).contains("amount"));
        assert!(refused(json!({"amount": "1.001"})).contains("decimal"));
        assert!(refused(json!({"kind": "percent_off", "percent": 100})).contains("percent"));
        assert!(refused(json!({"kind": "bogus"})).contains("kind"));
        assert!(refused(json!({"kind": "gift"})).contains("gift"));
        assert!(refused(json!({"per_member": 0})).contains("per_member"));
        assert!(refused(
            json!({"validity": {"kind": "range", "from": "2026-01-01", "until": "2026-02-01"}})
        )
        .contains("ended"));
        assert!(refused(json!({"name": ""})).contains("name"));
        assert!(refused(json!({"surprise": 1})).contains("surprise"));
    }

    #[test]
    fn a_patch_never_puts_the_stock_below_what_was_issued() {
        let mut def = ten_off();
        assert!(apply_patch(&mut def, &json!({"stock": 5}), 6).is_err());
        apply_patch(&mut def, &json!({"stock": 6, "status": "disabled"}), 6).unwrap();
        assert_eq!((def.stock, def.enabled), (Some(6), false));
        apply_patch(&mut def, &json!({"stock": null}), 6).unwrap();
        assert_eq!(def.stock, None);
        assert!(apply_patch(&mut def, &json!({"kind": "gift"}), 0).is_err());
    }

    #[test]
    fn a_wallet_counts_claims_spends_gifts_once_and_voids_on_erasure() {
        let def = ten_off();
        let tz = ShopTz::utc();
        let now = at("2026-12-06T02:00:00Z");
        let mut w = Wallet::default();
        w.add(
            def.issue(CouponNo::from_random(1), Source::Claim, 0, now, tz)
                .unwrap(),
        );
        w.add(
            def.issue(CouponNo::from_random(2), Source::Staff, 0, now, tz)
                .unwrap(),
        );
        assert_eq!(w.claimed("c10"), 1);
        assert_eq!(w.summary(now).0, 2);
        // A money coupon is not handed over at the till.
        let no = CouponNo::from_random(1);
        assert_eq!(
            w.use_gift(&no, now).unwrap_err().code(),
            "coupon_not_applicable"
        );
        let mut gift = def.clone();
        gift.terms.benefit = Benefit::Gift("tote bag".into());
        w.add(
            gift.issue(CouponNo::from_random(3), Source::GiftPack, 0, now, tz)
                .unwrap(),
        );
        let g = CouponNo::from_random(3);
        assert_eq!(w.use_gift(&g, now).unwrap().status(now), "used");
        assert_eq!(w.use_gift(&g, now).unwrap_err().code(), "coupon_used");
        // Spent on an order and given back: held again, expired once past its end.
        let spent = CouponNo::from_random(2);
        w.find_mut(&spent).unwrap().state = State::Used {
            order_id: Some("o1".into()),
            at: now,
            discount: Decimal::ONE,
        };
        assert_eq!(w.spent_on("o1").map(|c| &c.coupon_no), Some(&spent));
        assert_eq!(w.give_back("o1").unwrap().status(now), "available");
        assert!(w.give_back("o1").is_none());
        assert_eq!(w.void_all(now), 2);
        assert_eq!(w.summary(now).0, 0);
    }
}
