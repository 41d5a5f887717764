//! Ledger entry items and the paged, newest-first listing.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::{AccountKind, Currency, EntryId, EntryKind, LedgerEntry, MemberId, Movement, ShopId};

use crate::item::{self, Item};
use crate::keys::{self, LSI1, LSI1SK, PK, SK};
use crate::{sdk, Cond, Store, StoreError, Write};

/// `currency` is recorded on money entries so a listing can render them without reading
/// the shop's settings.
pub fn put(
    shop: &ShopId,
    member: &MemberId,
    entry: &LedgerEntry,
    currency: Option<&Currency>,
) -> Write {
    let m = &entry.movement;
    let mut it = item::with_key(&keys::ledger_entry(shop, member, &entry.entry_id), "ledger");
    it.insert(
        LSI1SK.into(),
        item::s(keys::ledger_by_account_sk(m.account, &entry.entry_id)),
    );
    it.insert("entry_id".into(), item::s(entry.entry_id.as_str()));
    // The shop's ledger in time order, for the export (API 1.2 "Reports").
    it.insert(
        keys::GSI1PK.into(),
        item::s(keys::ledger_index_pk(shop, keys::report_shard(member))),
    );
    it.insert(keys::GSI1SK.into(), item::s(entry.entry_id.as_str()));
    it.insert("account".into(), item::s(m.account.as_str()));
    it.insert("kind".into(), item::s(m.kind.as_str()));
    it.insert("amount".into(), item::n(m.amount));
    it.insert("balance_after".into(), item::n(m.balance_after));
    it.insert("reason".into(), item::s(&m.reason));
    it.insert("actor".into(), item::s(&entry.actor));
    it.insert("at".into(), item::time(entry.at));
    // Money entries, credit and stored value alike: DynamoDB trims a number's trailing
    // zeros, so the currency is what renders "50" as "50.00".
    if let (AccountKind::Credit | AccountKind::Value, Some(c)) = (m.account, currency) {
        it.insert("currency".into(), item::s(c.code()));
    }
    if !m.links.is_empty() {
        it.insert(
            "links".into(),
            AttributeValue::M(
                m.links
                    .iter()
                    .map(|(k, v)| (k.clone(), item::s(v)))
                    .collect(),
            ),
        );
    }
    Write::Put {
        item: it,
        cond: Cond::NotExists,
    }
}

/// A listed entry and the currency its money amounts are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub entry: LedgerEntry,
    pub currency: Option<Currency>,
}

pub fn decode(found: &Item) -> Result<Listed, StoreError> {
    let currency = item::opt_s(found, "currency").and_then(|c| Currency::parse(c).ok());
    let account = AccountKind::parse(item::get_s(found, "account")?)
        .ok_or_else(|| StoreError::Corrupt("ledger account".into()))?;
    let kind = EntryKind::parse(item::get_s(found, "kind")?)
        .ok_or_else(|| StoreError::Corrupt("ledger kind".into()))?;
    let mut links = BTreeMap::new();
    if let Some(map) = item::get_map(found, "links")? {
        for (k, v) in map {
            if let Ok(v) = v.as_s() {
                links.insert(k.clone(), v.clone());
            }
        }
    }
    let entry = LedgerEntry {
        entry_id: EntryId::from_stored(item::get_s(found, "entry_id")?.to_owned()),
        at: item::get_time(found, "at")?,
        actor: item::get_s(found, "actor")?.to_owned(),
        movement: Movement {
            account,
            kind,
            amount: item::get_decimal(found, "amount")?,
            balance_after: item::get_decimal(found, "balance_after")?,
            reason: item::get_s(found, "reason")?.to_owned(),
            links,
        },
    };
    Ok(Listed { entry, currency })
}

/// One page of a member's ledger, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub items: Vec<Listed>,
    /// The last entry id of this page when more may follow.
    pub next: Option<EntryId>,
}

impl Store {
    /// One Query, newest first: over LSI1 for one account, over the table for all. `after`
    /// is the last entry id of the previous page; the partition key always comes from the
    /// caller's shop, so a forged cursor cannot reach another tenant.
    pub async fn ledger_page(
        &self,
        shop: &ShopId,
        member: &MemberId,
        account: Option<AccountKind>,
        limit: i32,
        after: Option<&EntryId>,
    ) -> Result<Page, StoreError> {
        let pk = keys::member_pk(shop, member);
        let mut query = self
            .newest_first(limit)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", item::s(&pk));
        let mut start = None;
        query = match account {
            Some(kind) => {
                if let Some(id) = after {
                    start = Some(Item::from([
                        (PK.to_owned(), item::s(&pk)),
                        (
                            SK.to_owned(),
                            item::s(keys::ledger_entry(shop, member, id).sk),
                        ),
                        (
                            LSI1SK.to_owned(),
                            item::s(keys::ledger_by_account_sk(kind, id)),
                        ),
                    ]));
                }
                query
                    .index_name(LSI1)
                    .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                    .expression_attribute_names("#sk", LSI1SK)
                    .expression_attribute_values(
                        ":prefix",
                        item::s(keys::ledger_by_account_prefix(kind)),
                    )
            }
            None => {
                if let Some(id) = after {
                    start = Some(item::key_attrs(&keys::ledger_entry(shop, member, id)));
                }
                query
                    .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                    .expression_attribute_names("#sk", SK)
                    .expression_attribute_values(":prefix", item::s(keys::LEDGER_PREFIX))
            }
        };
        let out = query
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(sdk)?;
        let items = out
            .items
            .unwrap_or_default()
            .iter()
            .map(decode)
            .collect::<Result<Vec<_>, _>>()?;
        let next = match out.last_evaluated_key {
            Some(_) => items.last().map(|e| e.entry.entry_id.clone()),
            None => None,
        };
        Ok(Page { items, next })
    }
}
