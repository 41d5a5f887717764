//! The card being bought, as read for one purchase: its definition, stock and price, and the
//! last four digits hint. Apart from the decision, which only reserves and charges.

use api::purchasing::Lookup;
use api::ApiError;
use domain::stock::{Pick, Search};
use domain::{Refusal, ShopId};
use std::collections::BTreeMap;
use std::sync::Mutex;
use store::{cards, Snapshot};

/// The shard count last seen per card in this instance: only where the next buyer's first
/// read looks (`domain::stock::Search`); a stale or missing hint costs a round, never a unit.
pub(crate) fn hint(card: &str, learned: Option<u16>) -> u16 {
    static SEEN: Mutex<BTreeMap<String, u16>> = Mutex::new(BTreeMap::new());
    let Ok(mut seen) = SEEN.lock() else {
        return 1;
    };
    match learned {
        Some(n) => {
            seen.insert(card.to_owned(), n);
            n
        }
        None => seen.get(card).copied().unwrap_or(1),
    }
}

/// One buyer's purchase across its rounds: what is bought, and what each round learned
/// (who buys is the operation's `Acting`).
pub(crate) struct Buying {
    pub(crate) card_id: String,
    pub(crate) purchase_id: String,
    pub(crate) search: Search,
    pub(crate) open: Lookup,
    /// This round: the shard chosen, or shards all empty (read others).
    pub(crate) chosen: Option<u16>,
    pub(crate) read_more: bool,
}

impl Buying {
    /// A shard among those read with a unit left (API 1.1); all empty: read others, or none
    /// anywhere: sold out.
    pub(crate) fn take_shard(
        &mut self,
        shop: &ShopId,
        stock_shards: u16,
        shards: &[u16],
        snapshot: &Snapshot,
    ) -> Result<u16, ApiError> {
        let card_id = &self.card_id;
        // A shard asked for and not found holds nothing.
        let seen: Vec<(u16, i64)> = shards
            .iter()
            .map(|&k| {
                (
                    k,
                    cards::shard_stock(snapshot, shop, card_id, k).unwrap_or(0),
                )
            })
            .collect();
        let shard = match self.search.choose(stock_shards, &seen) {
            Pick::Take(k) => k,
            Pick::SoldOut => return Err(Refusal::CardSoldOut.into()),
            Pick::ReadMore => {
                self.read_more = true;
                return Err(Refusal::CardSoldOut.into());
            }
        };
        self.chosen = Some(shard);
        Ok(shard)
    }
}
