//! A card's return as answered, kept in the card's records and told (`card.refunded`).

use api::render::{Amount, Money};
use domain::{AccountKind, Decimal, MemberId};
use serde::Serialize;

#[derive(Serialize)]
pub(crate) struct Returned<'a> {
    pub(crate) card_no: &'a str,
    pub(crate) card_id: &'a str,
    pub(crate) member_id: &'a MemberId,
    pub(crate) kind: &'static str,
    pub(crate) refund_amount: Option<Money>,
    pub(crate) paid: Option<Money>,
    pub(crate) reclaimed: Reclaimed,
    pub(crate) reason: &'a str,
    pub(crate) actor: &'a str,
    pub(crate) at: String,
}

/// What of the gift pack was taken back: points, credit, and the items listed as reclaimed.
#[derive(Serialize)]
pub(crate) struct Reclaimed {
    pub(crate) points: i64,
    pub(crate) credit: Amount,
    pub(crate) items: Vec<Item>,
}

impl Default for Reclaimed {
    /// Nothing taken: credit shown as "0" as it always was, whatever the currency.
    fn default() -> Self {
        Self {
            points: 0,
            credit: Amount::new(AccountKind::Credit, Decimal::ZERO, None),
            items: Vec::new(),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct Item {
    pub(crate) kind: String,
    pub(crate) name: String,
}
