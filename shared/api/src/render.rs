//! Answers out: each reply a `Serialize` type, money by one type ([`Money`], a string in the
//! currency's minor units), a balance or movement by another ([`Amount`], points as JSON
//! integers), instants as the API writes them.

use std::collections::BTreeMap;
use std::fmt;

use domain::cards::MemberCard;
use domain::chrono::{DateTime, SecondsFormat, Utc};
use domain::{AccountKind, Currency, Decimal, MemberId};
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::ApiError;

/// A reply as the JSON it is stored (for replay) and sent as. Our reply types serialise
/// without fail (string keys, no custom errors); a failure would be a bug, answered 500.
pub fn body(reply: &impl Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(reply).map_err(|e| ApiError::Internal(format!("reply: {e}")))
}

/// A list answer: `{"items": [...]}`.
#[derive(Debug, Clone, Serialize)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// A page of a longer list: its items and the cursor of the next page (`null`: the last).
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// Money as the API shows it, one type for every answer (`domain::money::Shown`, which the
/// domain's documents use too).
pub use domain::money::Shown as Money;

/// A balance or a movement of an account: points as a JSON integer, money as [`Money`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    kind: AccountKind,
    value: Decimal,
    currency: Option<Currency>,
}

impl Amount {
    pub fn new(kind: AccountKind, value: Decimal, currency: Option<&Currency>) -> Self {
        Self {
            kind,
            value,
            currency: currency.copied(),
        }
    }
}

impl Amount {
    /// Points as the whole number they are; `None` for money (and for a points value beyond
    /// i64, never stored, which is shown as it is rather than lost).
    fn points(&self) -> Option<i64> {
        match self.kind {
            AccountKind::Points => i64::try_from(self.value.trunc()).ok(),
            AccountKind::Credit | AccountKind::Value => None,
        }
    }
}

impl fmt::Display for Amount {
    /// As a cell shows it (a CSV): the number, or the money without quotes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, self.points()) {
            (_, Some(points)) => fmt::Display::fmt(&points, f),
            (AccountKind::Points, None) => fmt::Display::fmt(&self.value, f),
            _ => fmt::Display::fmt(&Money::new(self.value, self.currency.as_ref()), f),
        }
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.points() {
            Some(points) => s.serialize_i64(points),
            None => s.collect_str(self),
        }
    }
}

/// An instant as the API writes it: UTC, milliseconds.
pub fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An instant to the second, UTC (a card's term).
fn second(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// How a member card is shown to its holder and to staff.
#[derive(Debug, Clone, Serialize)]
pub struct HeldCard {
    pub card_no: String,
    pub card_id: String,
    pub member_id: MemberId,
    pub valid_from: String,
    pub valid_until: Option<String>,
    pub status: &'static str,
    pub gift_pack_issued: bool,
}

impl HeldCard {
    pub fn new(card: &MemberCard, member: &MemberId, now: DateTime<Utc>) -> Self {
        Self {
            card_no: card.card_no.clone(),
            card_id: card.card_id.clone(),
            member_id: member.clone(),
            valid_from: second(card.term.valid_from),
            valid_until: card.term.valid_until.map(second),
            status: card.status_at(now),
            gift_pack_issued: card.gift_pack_issued,
        }
    }
}

/// A purchase waiting for its payment, as buying answers it (a card, a level, an online
/// recharge: each adds what it buys).
#[derive(Debug, Clone, Serialize)]
pub struct Pending<'a> {
    pub purchase_id: &'a str,
    pub member_id: &'a str,
    pub amount: Money,
    pub currency: &'a str,
    pub status: &'static str,
    pub expires_at: String,
}

impl<'a> Pending<'a> {
    pub fn of(purchase: &'a domain::purchase::Purchase, currency: &'a Currency) -> Self {
        Self {
            purchase_id: &purchase.purchase_id,
            member_id: &purchase.member_id,
            amount: Money::of(purchase.amount, currency),
            currency: currency.code(),
            status: "pending",
            expires_at: second(purchase.expires_at),
        }
    }
}

/// A level change (003) as answers show it: from, to, when it takes effect, why.
#[derive(Debug, Clone, Serialize)]
pub struct LevelChange {
    pub from: Option<String>,
    pub to: String,
    pub effective_at: String,
    pub cause: &'static str,
}

pub fn level_changes(
    changes: &[domain::level::LevelChange],
    tz: domain::ShopTz,
) -> Vec<LevelChange> {
    changes
        .iter()
        .map(|c| LevelChange {
            from: c.from.clone(),
            to: c.to.clone(),
            effective_at: tz.format(c.at),
            cause: c.cause.as_str(),
        })
        .collect()
}

/// What a payment provider's event is answered (both webhooks): settled now, or already.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Settled {
    pub status: &'static str,
}

pub const PROCESSED: Settled = Settled {
    status: "processed",
};
pub const DUPLICATE: Settled = Settled {
    status: "duplicate",
};
/// An event that concerns nothing sold here.
pub const IGNORED: Settled = Settled { status: "ignored" };

/// A ledger entry as this API shows it (GET /members/{id}/ledger and the messages).
#[derive(Debug, Clone, Serialize)]
pub struct LedgerEntry<'a> {
    pub entry_id: &'a str,
    pub account: &'static str,
    pub amount: Amount,
    pub balance_after: Amount,
    pub kind: &'static str,
    pub reason: &'a str,
    pub actor: &'a str,
    pub at: String,
    pub links: &'a BTreeMap<String, String>,
}

pub fn ledger_entry(listed: &store::ledger::Listed) -> LedgerEntry<'_> {
    let entry = &listed.entry;
    let m = &entry.movement;
    let shown = |v| Amount::new(m.account, v, listed.currency.as_ref());
    LedgerEntry {
        entry_id: entry.entry_id.as_str(),
        account: m.account.as_str(),
        amount: shown(m.amount),
        balance_after: shown(m.balance_after),
        kind: m.kind.as_str(),
        reason: &m.reason,
        actor: &entry.actor,
        at: instant(entry.at),
        links: &m.links,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_its_minor_units_and_points_are_integers() {
        let myr = Currency::parse("MYR").unwrap();
        let amount = |kind, value, currency| body(&Amount::new(kind, value, currency)).unwrap();
        assert_eq!(
            amount(AccountKind::Credit, Decimal::new(125, 1), Some(&myr)),
            Value::String("12.50".into())
        );
        assert_eq!(
            amount(AccountKind::Points, Decimal::from(3098), None),
            Value::from(3098)
        );
    }

    #[test]
    fn money_serialises_as_the_string_it_shows_in_its_currency_or_as_stored() {
        let jpy = Currency::parse("JPY").unwrap();
        let myr = Currency::parse("MYR").unwrap();
        let shown = |m: Money| serde_json::to_value(m).unwrap();
        assert_eq!(shown(Money::new(Decimal::new(5, 0), Some(&myr))), "5.00");
        assert_eq!(shown(Money::new(Decimal::new(1200, 0), Some(&jpy))), "1200");
        // Before the shop has a currency: as stored.
        assert_eq!(shown(Money::new(Decimal::new(125, 1), None)), "12.5");
        // A cell of a CSV shows an amount without quotes.
        let credit = Amount::new(AccountKind::Credit, Decimal::new(3, 0), Some(&myr));
        assert_eq!(credit.to_string(), "3.00");
        assert_eq!(
            Amount::new(AccountKind::Points, Decimal::from(-40), None).to_string(),
            "-40"
        );
    }
}
