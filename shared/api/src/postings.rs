//! Turns decided account changes into their writes: the account (conditioned on the version
//! it was read at) and one ledger entry per movement.

use domain::chrono::{DateTime, Utc};
use domain::{
    Account, AccountKind, Currency, EntryId, LedgerEntry, MemberId, Movement, Quantity, ShopId,
};
use std::collections::BTreeMap;

use store::accounts::StoredQuantity;
use store::{accounts, ledger, Snapshot, Write};

use crate::ApiError;

pub struct Posting<'a> {
    pub shop: &'a ShopId,
    pub member: &'a MemberId,
    pub actor: &'a str,
    pub currency: Option<&'a Currency>,
    pub now: DateTime<Utc>,
}

impl Posting<'_> {
    /// The writes for one account's new state (conditioned on the version it was read at,
    /// which the account carries) and movements; returns the ids given to the ledger
    /// entries, in order. `ids` is shared by every posting of one operation.
    pub fn post<Q: Quantity>(
        &self,
        kind: AccountKind,
        account: &Account<Q>,
        movements: Vec<Movement>,
        ids: &mut impl Iterator<Item = EntryId>,
        writes: &mut Vec<Write>,
    ) -> Vec<EntryId> {
        writes.push(accounts::put(self.shop, self.member, kind, account));
        let mut posted = Vec::new();
        for (movement, id) in movements.into_iter().zip(ids) {
            let entry = LedgerEntry {
                entry_id: id,
                at: self.now,
                actor: self.actor.to_owned(),
                movement,
            };
            writes.push(ledger::put(self.shop, self.member, &entry, self.currency));
            posted.push(entry.entry_id);
        }
        posted
    }

    /// 000: takes up to `amount` back from the account (a gift pack being reclaimed), as far
    /// as the balance still holds it; posts it when anything moved. Returns what was taken.
    #[allow(clippy::too_many_arguments)]
    pub fn take_back<Q: StoredQuantity>(
        &self,
        snapshot: &Snapshot,
        kind: AccountKind,
        amount: Q,
        links: &BTreeMap<String, String>,
        ids: &mut impl Iterator<Item = EntryId>,
        writes: &mut Vec<Write>,
    ) -> Result<Q, ApiError> {
        let mut account = accounts::read::<Q>(snapshot, self.shop, self.member, kind)?;
        let (taken, moves) = account.reclaim(kind, amount, links, self.now);
        if !moves.is_empty() {
            self.post(kind, &account, moves, ids, writes);
        }
        Ok(taken)
    }
}
