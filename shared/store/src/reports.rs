//! What the reports read (API 1.2 "Reports"): movement counters per shop, shard and
//! shop-local day, added to in the same transaction as the ledger entries they count (so a
//! report is exact at every instant: it reads committed counters, never a stream's lagging
//! sum), and the shop's ledger in time order through GSI1, sharded by member.

use std::collections::{BTreeMap, HashMap};

use domain::chrono::NaiveDate;
use domain::report::Counted;
use domain::{AccountKind, Decimal, ShopId, ShopTz};

use crate::item::{self, Item};
use crate::keys::{self, Key, GSI1, GSI1PK, GSI1SK};
use crate::{ledger, sdk, Store, StoreError, Write};

/// A counter attribute: `m_<account>_<kind>`.
const PREFIX: &str = "m_";

fn attr(account: AccountKind, kind: &str) -> String {
    format!("{PREFIX}{}_{kind}", account.as_str())
}

/// The counter updates for the ledger entries among `writes`: one update per counter item
/// (shard and shop-local day), adding each account and kind's sum. Added to the same
/// transaction, they commit or fail with the entries.
pub fn counter_writes(shop: &ShopId, tz: ShopTz, writes: &[Write]) -> Vec<Write> {
    let mut sums: BTreeMap<Key, BTreeMap<String, Decimal>> = BTreeMap::new();
    for w in writes {
        let Write::Put { item, .. } = w else {
            continue;
        };
        if item::opt_s(item, "entity_type") != Some("ledger") {
            continue;
        }
        let (Some(key), Ok(listed)) = (item::key_of(item), ledger::decode(item)) else {
            continue;
        };
        let Some((_, member)) = keys::parse_member_pk(&key.pk) else {
            continue;
        };
        let m = &listed.entry.movement;
        let day = tz.local_date(listed.entry.at);
        let counter = keys::counters(shop, keys::report_shard(&member), day);
        *sums
            .entry(counter)
            .or_default()
            .entry(attr(m.account, m.kind.as_str()))
            .or_default() += m.amount;
    }
    sums.into_iter()
        .map(|(key, adds)| {
            let mut names = HashMap::new();
            let mut values: Item = HashMap::from([
                (":entity".to_owned(), item::s("counters")),
                (":shop".to_owned(), item::s(shop.as_str())),
            ]);
            let mut add = Vec::new();
            for (i, (name, sum)) in adds.into_iter().enumerate() {
                names.insert(format!("#a{i}"), name);
                values.insert(format!(":a{i}"), item::n(sum));
                add.push(format!("#a{i} :a{i}"));
            }
            Write::Update {
                key,
                update: format!(
                    "SET entity_type = :entity, shop = :shop ADD {}",
                    add.join(", ")
                ),
                condition: None,
                names,
                values,
            }
        })
        .collect()
}

/// The counted movements of one counter item.
pub fn decode_counters(found: &Item) -> Result<Vec<Counted>, StoreError> {
    let sk = item::get_s(found, keys::SK)?;
    let day: NaiveDate = sk
        .strip_prefix("D#")
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("a counter's day {sk:?}")))?;
    let mut out = Vec::new();
    for name in found.keys().filter(|k| k.starts_with(PREFIX)) {
        let rest = &name[PREFIX.len()..];
        let (account, kind) = rest
            .split_once('_')
            .and_then(|(a, k)| Some((AccountKind::parse(a)?, k)))
            .ok_or_else(|| StoreError::Corrupt(format!("a counter {name:?}")))?;
        out.push((
            day,
            account,
            kind.to_owned(),
            item::get_decimal(found, name)?,
        ));
    }
    Ok(out)
}

/// One page of the shop's ledger export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportPage {
    /// Oldest first, with the member each entry belongs to.
    pub items: Vec<(domain::MemberId, ledger::Listed)>,
    /// The entry id to continue after, when more may follow.
    pub next: Option<String>,
}

/// The inclusive id bounds of a period's entries: from the first millisecond of the
/// period (or just after `cursor`, an id the previous page ended with) through the last.
/// Entry ids are 13 digits of Unix milliseconds, then letters and digits, all one length:
/// `!` sorts below every character an id has, `~` above.
pub fn export_bounds(
    from_millis: i64,
    until_millis: i64,
    cursor: Option<&str>,
) -> (String, String) {
    let from = match cursor {
        Some(c) => format!("{c}!"),
        None => format!("{:013}", from_millis.max(0)),
    };
    (from, format!("{:013}~", (until_millis - 1).max(0)))
}

impl Store {
    /// Every counted movement of the shop through `to` (shop-local): one strongly consistent
    /// Query per shard, so the cost is the shop's days, never its members.
    pub async fn counted_through(
        &self,
        shop: &ShopId,
        to: NaiveDate,
    ) -> Result<Vec<Counted>, StoreError> {
        // The shards side by side: one round trip's time, not eight.
        let shards = (0..keys::REPORT_SHARDS).map(|shard| self.counted_shard(shop, shard, to));
        Ok(futures::future::try_join_all(shards)
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    async fn counted_shard(
        &self,
        shop: &ShopId,
        shard: u32,
        to: NaiveDate,
    ) -> Result<Vec<Counted>, StoreError> {
        let items = self
            .partition(
                &keys::counters_pk(shop, shard),
                "D#",
                &keys::counters_sk(to),
            )
            .await?;
        let mut out = Vec::new();
        for it in &items {
            out.extend(decode_counters(it)?);
        }
        Ok(out)
    }

    /// The shop's ledger entries with ids from `from` through `until` (inclusive bounds, see
    /// `export_bounds`), oldest first, at most `limit`, only `account`'s when given. Each shard is read from where the page starts;
    /// the first `limit` of their union are the page (ids order entries in time across
    /// shards), so nothing is skipped or repeated between pages.
    pub async fn ledger_export_page(
        &self,
        shop: &ShopId,
        from: &str,
        until: &str,
        account: Option<AccountKind>,
        limit: usize,
    ) -> Result<ExportPage, StoreError> {
        let mut all = Vec::new();
        let mut more = false;
        for shard in 0..keys::REPORT_SHARDS {
            let (found, left) = self
                .ledger_shard(shop, shard, from, until, account, limit)
                .await?;
            more |= left;
            all.extend(found);
        }
        all.sort_by(|a: &(domain::MemberId, ledger::Listed), b| {
            a.1.entry.entry_id.cmp(&b.1.entry.entry_id)
        });
        if all.len() > limit {
            all.truncate(limit);
            more = true;
        }
        let next = more
            .then(|| {
                all.last()
                    .map(|(_, l)| l.entry.entry_id.as_str().to_owned())
            })
            .flatten();
        Ok(ExportPage { items: all, next })
    }

    /// Up to `limit` entries of one shard from `from`, and whether it has more.
    async fn ledger_shard(
        &self,
        shop: &ShopId,
        shard: u32,
        from: &str,
        until: &str,
        account: Option<AccountKind>,
        limit: usize,
    ) -> Result<(Vec<(domain::MemberId, ledger::Listed)>, bool), StoreError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(GSI1)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :until")
                .expression_attribute_names("#pk", GSI1PK)
                .expression_attribute_names("#sk", GSI1SK)
                .expression_attribute_values(":pk", item::s(keys::ledger_index_pk(shop, shard)))
                .expression_attribute_values(":from", item::s(from))
                .expression_attribute_values(":until", item::s(until))
                .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start);
            if let Some(a) = account {
                query = query
                    .filter_expression("#account = :account")
                    .expression_attribute_names("#account", "account")
                    .expression_attribute_values(":account", item::s(a.as_str()));
            }
            let page = query.send().await.map_err(sdk)?;
            for it in page.items.unwrap_or_default() {
                let key =
                    item::key_of(&it).ok_or_else(|| StoreError::Corrupt("a ledger key".into()))?;
                let (_, member) = keys::parse_member_pk(&key.pk)
                    .ok_or_else(|| StoreError::Corrupt("a ledger entry's member".into()))?;
                out.push((member, ledger::decode(&it)?));
            }
            match page.last_evaluated_key {
                Some(k) if out.len() < limit => start = Some(k),
                Some(_) => return Ok((out, true)),
                None => return Ok((out, false)),
            }
        }
    }
}
