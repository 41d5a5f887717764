//! The card definition as a request document: `POST /admin/cards` and `PATCH
//! /admin/cards/{card_id}` bodies parsed into a `CardDef`, every limit checked here once
//! (000: kinds, validity, benefits, gift pack, price and stock, rules, the phone check).

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::cards::{CardDef, CardKind, CardRule, GiftPack, Validity, MAX_NAME_CHARS};
use crate::document::DocumentError;
use crate::{Currency, Money};

/// More units than any flash sale sells.
pub const MAX_STOCK: u64 = 10_000_000;

fn invalid(msg: impl Into<String>) -> DocumentError {
    DocumentError::Invalid(msg.into())
}

/// A validity as a request writes it (cards, and coupons, which refuse `permanent`).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum RawValidity {
    Permanent,
    Days {
        days: u32,
    },
    Range {
        #[serde(deserialize_with = "crate::time::serde_date::deserialize")]
        from: NaiveDate,
        #[serde(deserialize_with = "crate::time::serde_date::deserialize")]
        until: NaiveDate,
    },
}

#[derive(Debug, Clone, Deserialize, Default)]
struct RawGiftPack {
    #[serde(default)]
    points: i64,
    #[serde(default)]
    credit: Option<String>,
    #[serde(default)]
    coupons: Vec<String>,
    #[serde(default)]
    gifts: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawRule {
    #[serde(default)]
    cumulative_spend: Option<String>,
    #[serde(default)]
    orders: Option<u64>,
    #[serde(default)]
    points: Option<i64>,
    #[serde(default)]
    level: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawCard {
    kind: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    service_phone: String,
    #[serde(default)]
    validity: Option<RawValidity>,
    #[serde(default)]
    benefits: Option<Value>,
    #[serde(default)]
    gift_pack: Option<RawGiftPack>,
    #[serde(default)]
    require_phone: bool,
    #[serde(default)]
    price: Option<String>,
    #[serde(default)]
    stock: Option<u64>,
    #[serde(default)]
    stock_shards: Option<u16>,
    #[serde(default)]
    rule: Option<RawRule>,
}

#[derive(Debug, Deserialize, Default)]
struct RawPatch {
    name: Option<String>,
    description: Option<String>,
    service_phone: Option<String>,
    validity: Option<RawValidity>,
    benefits: Option<Value>,
    gift_pack: Option<RawGiftPack>,
    require_phone: Option<bool>,
    status: Option<String>,
    listed: Option<bool>,
    stock: Option<u64>,
    stock_shards: Option<u16>,
}

/// API 1.1: a paid card's stock is split over 1..64 counters (default 1).
fn shards(raw: Option<u16>) -> Result<u16, DocumentError> {
    match raw.unwrap_or(1) {
        n @ 1..=crate::stock::MAX_SHARDS => Ok(n),
        _ => Err(invalid(format!(
            "stock_shards is 1-{}",
            crate::stock::MAX_SHARDS
        ))),
    }
}

pub(crate) fn validity(raw: Option<RawValidity>) -> Result<Validity, DocumentError> {
    let v = match raw {
        None | Some(RawValidity::Permanent) => Validity::Permanent,
        Some(RawValidity::Days { days }) => Validity::Days(days),
        Some(RawValidity::Range { from, until }) => Validity::Range { from, until },
    };
    v.check().map_err(|e| invalid(e.to_string()))?;
    Ok(v)
}

fn name(raw: &str) -> Result<String, DocumentError> {
    let n = raw.trim();
    if n.is_empty() || n.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "name must be 1-{MAX_NAME_CHARS} characters"
        )));
    }
    Ok(n.to_owned())
}

/// 000: free shipping, discount (80 = 20 % off), points multiplier, trial, custom text.
fn benefits(raw: Option<Value>) -> Result<Value, DocumentError> {
    let Some(raw) = raw else {
        return Ok(json!([]));
    };
    let list = raw
        .as_array()
        .ok_or_else(|| invalid("benefits must be a list"))?;
    for b in list {
        match b["kind"].as_str() {
            Some("discount") => match b["percent"].as_u64() {
                Some(p) if (1..=99).contains(&p) => {}
                _ => return Err(invalid("a discount's percent is 1-99 (80 = 20% off)")),
            },
            Some("points_multiplier") => match b["factor"]
                .as_str()
                .and_then(|f| f.parse::<crate::Decimal>().ok())
            {
                Some(f) if f > crate::Decimal::ONE && f <= crate::Decimal::from(100) => {}
                _ => {
                    return Err(invalid(
                        "a points multiplier's factor is a decimal string above 1",
                    ))
                }
            },
            Some("custom") if b["text"].as_str().is_some_and(|t| !t.trim().is_empty()) => {}
            Some("free_shipping") | Some("trial") => {}
            _ => return Err(invalid(format!("unknown or incomplete benefit {b}"))),
        }
    }
    Ok(raw)
}

fn gift_pack(
    raw: Option<RawGiftPack>,
    currency: Option<&Currency>,
) -> Result<GiftPack, DocumentError> {
    let Some(raw) = raw else {
        return Ok(GiftPack::default());
    };
    if raw.points < 0 || raw.points > 1_000_000_000 {
        return Err(invalid("gift pack points must be 0-1000000000"));
    }
    let credit = match raw.credit {
        None => Money::ZERO,
        Some(text) => {
            let currency = currency.ok_or(DocumentError::NotConfigured)?;
            Money::parse_non_negative(&text, currency)?
        }
    };
    let clean = |v: Vec<String>| -> Result<Vec<String>, DocumentError> {
        if v.len() > 20 || v.iter().any(|s| s.trim().is_empty() || s.len() > 100) {
            return Err(invalid(
                "coupons and gifts: at most 20 names of 1-100 characters",
            ));
        }
        Ok(v)
    };
    Ok(GiftPack {
        points: raw.points,
        credit,
        coupons: clean(raw.coupons)?,
        gifts: clean(raw.gifts)?,
    })
}

/// A new definition (with the id the caller generated) and its initial stock.
pub fn parse_new(
    body: &Value,
    card_id: String,
    currency: Option<&Currency>,
) -> Result<(CardDef, Option<u64>), DocumentError> {
    let raw: RawCard = DocumentError::from_json(body)?;
    let kind = CardKind::parse(&raw.kind).ok_or_else(|| invalid("kind is free, paid or rule"))?;
    let (price, stock) = match kind {
        CardKind::Paid => {
            let currency = currency.ok_or(DocumentError::NotConfigured)?;
            let price = Money::parse_non_negative(
                raw.price
                    .as_deref()
                    .ok_or_else(|| invalid("a paid card needs a price"))?,
                currency,
            )?;
            if price.is_zero() {
                return Err(invalid("a paid card's price must be above zero"));
            }
            let stock = raw
                .stock
                .ok_or_else(|| invalid("a paid card needs a stock"))?;
            if stock > MAX_STOCK {
                return Err(invalid(format!("stock is at most {MAX_STOCK}")));
            }
            (Some(price), Some(stock))
        }
        _ if raw.price.is_some() || raw.stock.is_some() || raw.stock_shards.is_some() => {
            return Err(invalid("only paid cards have a price and stock"))
        }
        _ => (None, None),
    };
    let rule = match (kind, raw.rule) {
        (CardKind::Rule, Some(r)) => {
            Some(match (r.cumulative_spend, r.orders, r.points, r.level) {
                (None, None, None, Some(level)) => CardRule::Level(
                    crate::LevelId::parse(&level)
                        .map_err(|e| DocumentError::Invalid(e.to_string()))?
                        .to_string(),
                ),
                (Some(s), None, None, None) => {
                    let currency = currency.ok_or(DocumentError::NotConfigured)?;
                    CardRule::CumulativeSpend(Money::parse_non_negative(&s, currency)?.amount())
                }
                (None, Some(o), None, None) if o > 0 => CardRule::Orders(o),
                (None, None, Some(p), None) if p > 0 => CardRule::Points(p),
                _ => {
                    return Err(invalid(
                        "a rule is one of cumulative_spend, orders, points or level",
                    ))
                }
            })
        }
        (CardKind::Rule, None) => return Err(invalid("a rule card needs a rule")),
        (_, Some(_)) => return Err(invalid("only rule cards have a rule")),
        (_, None) => None,
    };
    if raw.require_phone && kind != CardKind::Free {
        return Err(invalid(
            "only free cards are claimed, so only they can require a phone",
        ));
    }
    Ok((
        CardDef {
            card_id,
            kind,
            name: name(&raw.name)?,
            description: raw.description,
            service_phone: raw.service_phone,
            validity: validity(raw.validity)?,
            benefits: benefits(raw.benefits)?,
            gift_pack: gift_pack(raw.gift_pack, currency)?,
            require_phone: raw.require_phone,
            price,
            rule,
            enabled: true,
            listed: true,
            holders: 0,
            version: 1,
            stock_shards: shards(raw.stock_shards)?,
        },
        stock,
    ))
}

/// A `PATCH` body: any of the fields; `kind`, `price` and `rule` cannot change.
#[derive(Debug)]
pub struct CardPatch(RawPatch);

impl CardPatch {
    pub fn parse(body: &Value) -> Result<Self, DocumentError> {
        DocumentError::from_json(body).map(CardPatch)
    }

    /// The definition as changed, and the new stock if the patch sets one. Editing the
    /// validity never changes cards already held (000): they carry their own term.
    pub fn apply(
        &self,
        current: &CardDef,
        currency: Option<&Currency>,
    ) -> Result<(CardDef, Option<u64>), DocumentError> {
        let raw = &self.0;
        let mut def = current.clone();
        if let Some(n) = &raw.name {
            def.name = name(n)?;
        }
        if let Some(d) = &raw.description {
            def.description = d.clone();
        }
        if let Some(p) = &raw.service_phone {
            def.service_phone = p.clone();
        }
        if let Some(v) = &raw.validity {
            def.validity = validity(Some(v.clone()))?;
        }
        if raw.benefits.is_some() {
            def.benefits = benefits(raw.benefits.clone())?;
        }
        if let Some(g) = &raw.gift_pack {
            def.gift_pack = gift_pack(Some(g.clone()), currency)?;
        }
        if let Some(r) = raw.require_phone {
            def.require_phone = r;
        }
        if let Some(s) = &raw.status {
            def.enabled = match s.as_str() {
                "enabled" => true,
                "disabled" => false,
                _ => return Err(invalid("status is enabled or disabled")),
            };
        }
        if let Some(l) = raw.listed {
            def.listed = l;
        }
        if let Some(s) = raw.stock {
            if def.kind != CardKind::Paid {
                return Err(invalid("only paid cards have stock"));
            }
            if s > MAX_STOCK {
                return Err(invalid(format!("stock is at most {MAX_STOCK}")));
            }
        }
        if let Some(n) = raw.stock_shards {
            if def.kind != CardKind::Paid {
                return Err(invalid("only paid cards have stock"));
            }
            def.stock_shards = shards(Some(n))?;
        }
        def.version = current.version + 1;
        Ok((def, raw.stock))
    }
}

/// `POST /admin/member-cards/{card_no}/refund` (000: refund with money, at most what was
/// paid, or return without; optionally reclaim the unused gift pack).
#[derive(Debug, Deserialize)]
pub struct CardRefundRequest {
    #[serde(default)]
    pub refund_amount: Option<String>,
    #[serde(default)]
    pub reclaim_gifts: bool,
    /// Optional; `null` reads as none.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub reason: String,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

impl CardRefundRequest {
    pub fn parse(body: &Value) -> Result<Self, DocumentError> {
        let raw: CardRefundRequest = DocumentError::from_json(body)?;
        if raw.reason.chars().count() > 500 {
            return Err(invalid("reason is at most 500 characters"));
        }
        Ok(raw)
    }
}

/// What a shop page may show of a card (API 1.2 "Storefront", `GET /cards`): what a member
/// gets and pays; never stock counts, holders or set-up fields.
const PUBLIC_FIELDS: [&str; 10] = [
    "card_id",
    "kind",
    "name",
    "description",
    "service_phone",
    "validity",
    "benefits",
    "gift_pack",
    "require_phone",
    "price",
];

/// A card as a shop page shows it: the public fields of `view`, and whether any are left.
pub fn public_view(def: &CardDef, sold_out: bool, currency: &Currency) -> Value {
    let full = view(def, None, Some(currency));
    let mut v = json!({"currency": currency.code(), "sold_out": sold_out});
    for field in PUBLIC_FIELDS {
        if let Some(value) = full.get(field) {
            v[field] = value.clone();
        }
    }
    v
}

/// The definition as the API shows it.
pub fn view(def: &CardDef, stock: Option<i64>, currency: Option<&Currency>) -> Value {
    let money = |m: Money| crate::money::Shown::new(m.amount(), currency);
    let validity = def.validity.view();
    let mut v = json!({
        "card_id": def.card_id,
        "kind": def.kind.as_str(),
        "name": def.name,
        "description": def.description,
        "service_phone": def.service_phone,
        "validity": validity,
        "benefits": def.benefits,
        "gift_pack": {
            "points": def.gift_pack.points,
            "credit": money(def.gift_pack.credit),
            "coupons": def.gift_pack.coupons,
            "gifts": def.gift_pack.gifts,
        },
        "require_phone": def.require_phone,
        "status": if def.enabled { "enabled" } else { "disabled" },
        "listed": def.listed,
        "holders": def.holders,
    });
    if let Some(price) = def.price {
        v["price"] = json!(money(price));
    }
    if let Some(stock) = stock {
        v["stock"] = json!(stock);
    }
    if def.kind == CardKind::Paid {
        v["stock_shards"] = json!(def.stock_shards);
    }
    if let Some(rule) = &def.rule {
        v["rule"] = match rule {
            CardRule::CumulativeSpend(s) => {
                json!({"cumulative_spend": money(Money::from_stored(*s))})
            }
            CardRule::Orders(o) => json!({"orders": o}),
            CardRule::Points(p) => json!({"points": p}),
            CardRule::Level(l) => json!({"level": l}),
        };
    }
    v
}
