//! What the reports read (API 1.2 "Reports"): movement counters per shop, shard and
//! shop-local day, added to in the same transaction as the ledger entries they count (so a
//! report is exact at every instant: it reads committed counters, never a stream's lagging
//! sum), and the shop's ledger in time order through GSI1, sharded by member.

use std::collections::{BTreeMap, HashMap};

use futures::{StreamExt, TryStreamExt};

use domain::chrono::{DateTime, NaiveDate, Utc};
use domain::coupon_report::{self, CouponCounted, Held};
use domain::report::{self, Carried, Counted};
use domain::{AccountKind, Decimal, ShopId, ShopTz};

use crate::item::{self, Item};
use crate::keys::{self, Key, GSI1, GSI1PK, GSI1SK};
use crate::{ledger, sdk, Snapshot, Store, StoreError, Write};

/// A counter attribute: `m_<account>_<kind>`.
const PREFIX: &str = "m_";
/// A carried balance attribute: `b_<account>`.
const CARRIED: &str = "b_";
/// A coupon counter attribute: `k_<coupon_id>_<move>` (coupon ids hold `_`: the move is
/// after the last one).
const COUPON: &str = "k_";
/// Coupons held through a carried month's end: `h_<coupon_id>`.
const HELD: &str = "h_";
/// Set on every day of a closed month, before its balances are carried.
const SEALED: &str = "sealed";

fn attr(account: AccountKind, kind: &str) -> String {
    format!("{PREFIX}{}_{kind}", account.as_str())
}

type Sums = BTreeMap<Key, BTreeMap<String, Decimal>>;

/// The counter updates for the ledger entries among `writes` and the wallets they change
/// (`before` holds the wallets as read): one update per counter item (shard and shop-local
/// day), adding each account and kind's sum and each coupon count. Added to the same
/// transaction, they commit or fail with what they count.
pub fn counter_writes(
    shop: &ShopId,
    tz: ShopTz,
    writes: &[Write],
    before: Option<&Snapshot>,
    now: DateTime<Utc>,
) -> Vec<Write> {
    let mut sums = Sums::new();
    ledger_sums(shop, tz, writes, &mut sums);
    if let Some(before) = before {
        coupon_sums(shop, tz, writes, before, now, &mut sums);
    }
    sums.into_iter()
        .map(|(key, adds)| counter_update(shop, key, adds))
        .collect()
}

/// The coupons report's counts (`domain::coupon_report::moves`) of every wallet `writes`
/// puts, against the wallet as read.
fn coupon_sums(
    shop: &ShopId,
    tz: ShopTz,
    writes: &[Write],
    before: &Snapshot,
    now: DateTime<Utc>,
    sums: &mut Sums,
) {
    for w in writes {
        let Write::Put { item, .. } = w else {
            continue;
        };
        let Some(key) = item::key_of(item).filter(|k| k.sk == keys::WALLET_SK) else {
            continue;
        };
        let Some((_, member)) = keys::parse_member_pk(&key.pk) else {
            continue;
        };
        let after = Snapshot::of([(key, item.clone())]);
        let (Ok(was), Ok(now_held)) = (
            crate::coupons::wallet(before, shop, &member),
            crate::coupons::wallet(&after, shop, &member),
        ) else {
            continue;
        };
        let shard = keys::report_shard(&member);
        for (day, id, m, n) in coupon_report::moves(&was, &now_held, tz, now) {
            *sums
                .entry(keys::counters(shop, shard, day))
                .or_default()
                .entry(format!("{COUPON}{id}_{}", m.as_str()))
                .or_default() += n;
        }
    }
}

fn ledger_sums(shop: &ShopId, tz: ShopTz, writes: &[Write], sums: &mut Sums) {
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
}

fn counter_update(shop: &ShopId, key: Key, adds: BTreeMap<String, Decimal>) -> Write {
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
        // A day whose month is closed is sealed: a movement dated in it is refused
        // (the operation answers contention and is decided again at a later
        // instant), never left out of the balance carried past it (issue 34).
        condition: Some(format!("attribute_not_exists({SEALED})")),
        names,
        values,
    }
}

/// The counted movements and coupon counts of one counter item.
pub fn decode_counters(found: &Item, out: &mut Counts) -> Result<(), StoreError> {
    let sk = item::get_s(found, keys::SK)?;
    let day = keys::counter_day(sk)
        .ok_or_else(|| StoreError::Corrupt(format!("a counter's day {sk:?}")))?;
    for name in found.keys().filter(|k| k.starts_with(COUPON)) {
        let (id, m) = name[COUPON.len()..]
            .rsplit_once('_')
            .and_then(|(id, m)| Some((id, coupon_report::Move::parse(m)?)))
            .ok_or_else(|| StoreError::Corrupt(format!("a coupon counter {name:?}")))?;
        out.coupons
            .push((day, id.to_owned(), m, item::get_decimal(found, name)?));
    }
    for name in found.keys().filter(|k| k.starts_with(PREFIX)) {
        let rest = &name[PREFIX.len()..];
        let (account, kind) = rest
            .split_once('_')
            .and_then(|(a, k)| Some((AccountKind::parse(a)?, k)))
            .ok_or_else(|| StoreError::Corrupt(format!("a counter {name:?}")))?;
        out.counted.push((
            day,
            account,
            kind.to_owned(),
            item::get_decimal(found, name)?,
        ));
    }
    Ok(())
}

/// The balances carried through `month`, as absolute figures (writing them again is the
/// same).
fn carry_item(shop: &ShopId, shard: u32, month: NaiveDate, carried: &Carry) -> Item {
    let mut it = item::with_key(&keys::carry(shop, shard, month), "carry");
    it.insert("shop".into(), item::s(shop.as_str()));
    for (account, balance) in &carried.balances {
        it.insert(format!("{CARRIED}{}", account.as_str()), item::n(balance));
    }
    for (id, n) in &carried.held {
        it.insert(format!("{HELD}{id}"), item::n(n));
    }
    it
}

/// Lists the shop for the jobs that visit every shop; saved with its settings.
pub fn list_shop(shop: &ShopId) -> Write {
    let mut it = item::with_key(&keys::shop_listed(shop), "shop");
    it.insert("shop".into(), item::s(shop.as_str()));
    Write::Put {
        item: it,
        cond: crate::Cond::None,
    }
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

/// What a shard carried through a month's end: each account's balance, each definition's
/// coupons held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Carry {
    pub balances: Carried,
    pub held: Held,
}

impl Carry {
    /// Carried on through `month`, from its days' counts.
    fn through(&self, days: &Counts, month: NaiveDate) -> Carry {
        Carry {
            balances: report::carry_forward(&self.balances, &days.counted, month),
            held: coupon_report::carry_held(&self.held, &days.coupons, month),
        }
    }

    fn add(&mut self, other: Carry) {
        for (account, balance) in other.balances {
            *self.balances.entry(account).or_default() += balance;
        }
        for (id, n) in other.held {
            *self.held.entry(id).or_default() += n;
        }
    }
}

/// What a carry item holds.
fn decode_carry(found: &Item) -> Result<Carry, StoreError> {
    let mut out = Carry::default();
    for name in found.keys().filter(|k| k.starts_with(CARRIED)) {
        let account = AccountKind::parse(&name[CARRIED.len()..])
            .ok_or_else(|| StoreError::Corrupt(format!("a carried balance {name:?}")))?;
        out.balances
            .insert(account, item::get_decimal(found, name)?);
    }
    for name in found.keys().filter(|k| k.starts_with(HELD)) {
        out.held.insert(
            name[HELD.len()..].to_owned(),
            item::get_decimal(found, name)?,
        );
    }
    Ok(out)
}

fn decode_days(items: &[Item]) -> Result<Counts, StoreError> {
    let mut out = Counts::default();
    for it in items {
        decode_counters(it, &mut out)?;
    }
    Ok(out)
}

/// What a report starts from: what was carried through a month's end before its period
/// (nothing when no month was closed before it), and the counts of every day after that
/// month through the period's end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub carried: Carry,
    pub counted: Vec<Counted>,
    pub coupons: Vec<CouponCounted>,
    /// Items read and the read capacity they cost by DynamoDB's rule (strongly consistent:
    /// a unit per 4 KB a Query returns, at least one), for the report's log and benchmark.
    pub items: usize,
    pub read_units: u64,
}

/// An item's size as DynamoDB bills it: each attribute's name and value (numbers about a
/// byte per two digits).
fn billed_size(it: &Item) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    it.iter()
        .map(|(name, v)| {
            name.len()
                + match v {
                    V::S(s) => s.len(),
                    V::N(n) => n.len() / 2 + 1,
                    _ => 1,
                }
        })
        .sum()
}

fn read_units(items: &[Item]) -> u64 {
    let bytes: usize = items.iter().map(billed_size).sum();
    bytes.div_ceil(4096).max(1) as u64
}

impl Store {
    /// What a report over `from..=to` (shop-local days) reads: per shard, the latest balance
    /// carried through a month before `from`'s, then the days from that month's end through
    /// `to`. Two strongly consistent Queries per shard, the shards side by side: the cost is
    /// the period's days and at most a month more, never the shop's age or its members.
    pub async fn counts(
        &self,
        shop: &ShopId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Counts, StoreError> {
        let shards = (0..keys::REPORT_SHARDS).map(|shard| self.shard_counts(shop, shard, from, to));
        let mut out = Counts::default();
        for shard in futures::future::try_join_all(shards).await? {
            out.carried.add(shard.carried);
            out.counted.extend(shard.counted);
            out.coupons.extend(shard.coupons);
            out.items += shard.items;
            out.read_units += shard.read_units;
        }
        Ok(out)
    }

    async fn shard_counts(
        &self,
        shop: &ShopId,
        shard: u32,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Counts, StoreError> {
        let carry = self
            .latest_carry(shop, shard, report::previous_month(from))
            .await?;
        let first = carry.as_ref().map_or_else(
            || keys::DAYS.0.to_owned(),
            |(month, _)| keys::counters_sk(report::next_month(*month)),
        );
        let items = self
            .partition(
                &keys::counters_pk(shop, shard),
                &first,
                &keys::counters_sk(to),
            )
            .await?;
        Ok(Counts {
            items: items.len() + usize::from(carry.is_some()),
            // The carry's Query: one unit, found or not.
            read_units: read_units(&items) + 1,
            carried: carry.map(|(_, c)| c).unwrap_or_default(),
            ..decode_days(&items)?
        })
    }

    /// The latest balance a shard carried through a month no later than `month`, and that
    /// month: one Query, newest first, one item.
    async fn latest_carry(
        &self,
        shop: &ShopId,
        shard: u32,
        month: NaiveDate,
    ) -> Result<Option<(NaiveDate, Carry)>, StoreError> {
        let pk = keys::counters_pk(shop, shard);
        let last = keys::carry_sk(month);
        let Some(found) = self.edge(&pk, (keys::CARRIES, &last), true).await? else {
            return Ok(None);
        };
        let sk = item::get_s(&found, keys::SK)?;
        let month = keys::carry_month(sk)
            .ok_or_else(|| StoreError::Corrupt(format!("a carry's month {sk:?}")))?;
        Ok(Some((month, decode_carry(&found)?)))
    }

    /// Closes a shard's months through `through` (a month's first day) that are not closed
    /// yet, oldest first, at most `limit` of them: each month's days are sealed (every day,
    /// with movements or not, each with a write of its own), then read, and the balance
    /// carried through its end is written. Closing again writes the same figures. Returns
    /// the months closed.
    pub async fn close_months(
        &self,
        shop: &ShopId,
        shard: u32,
        through: NaiveDate,
        limit: u32,
    ) -> Result<u32, StoreError> {
        let pk = keys::counters_pk(shop, shard);
        let (mut month, mut carried) = match self.latest_carry(shop, shard, through).await? {
            Some((month, carried)) => (report::next_month(month), carried),
            // Never closed: from the shard's first counted day, if any.
            None => match self.first_day(&pk).await? {
                Some(day) => (report::month_of(day), Carry::default()),
                None => return Ok(0),
            },
        };
        let mut closed = 0;
        while month <= through && closed < limit {
            let end = report::next_month(month).pred_opt().unwrap_or(month);
            let days: Vec<NaiveDate> = month.iter_days().take_while(|d| *d <= end).collect();
            // Each day on its own (a seal needs no other's company), a few at a time.
            futures::stream::iter(days.into_iter().map(|day| self.seal(shop, shard, day)))
                .buffer_unordered(8)
                .try_collect::<Vec<()>>()
                .await?;
            let days = self
                .partition(&pk, &keys::counters_sk(month), &keys::counters_sk(end))
                .await?;
            carried = carried.through(&decode_days(&days)?, month);
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(carry_item(shop, shard, month, &carried)))
                .send()
                .await
                .map_err(sdk)?;
            closed += 1;
            month = report::next_month(month);
        }
        Ok(closed)
    }

    /// Seals one day of a closed month: created if nothing was counted on it, so no
    /// movement can start its counter later.
    async fn seal(&self, shop: &ShopId, shard: u32, day: NaiveDate) -> Result<(), StoreError> {
        let key = keys::counters(shop, shard, day);
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(item::key_attrs(&key)))
            .update_expression(format!(
                "SET entity_type = :entity, shop = :shop, {SEALED} = :t"
            ))
            .expression_attribute_values(":entity", item::s("counters"))
            .expression_attribute_values(":shop", item::s(shop.as_str()))
            .expression_attribute_values(":t", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    /// The first day a shard counted movements on.
    async fn first_day(&self, pk: &str) -> Result<Option<NaiveDate>, StoreError> {
        Ok(self
            .edge(pk, keys::DAYS, false)
            .await?
            .and_then(|it| keys::counter_day(item::opt_s(&it, keys::SK)?)))
    }

    /// The first item of a partition's sort-key range, or its last when `newest`: one
    /// strongly consistent Query for one item.
    async fn edge(
        &self,
        pk: &str,
        (first, last): (&str, &str),
        newest: bool,
    ) -> Result<Option<Item>, StoreError> {
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("PK = :pk AND SK BETWEEN :first AND :last")
            .expression_attribute_values(":pk", item::s(pk))
            .expression_attribute_values(":first", item::s(first))
            .expression_attribute_values(":last", item::s(last))
            .scan_index_forward(!newest)
            .limit(1)
            .send()
            .await
            .map_err(sdk)?;
        Ok(page.items.unwrap_or_default().into_iter().next())
    }

    /// Every shop listed (`keys::SHOPS_PK`): the shops whose settings were saved.
    pub async fn shops(&self) -> Result<Vec<ShopId>, StoreError> {
        let (first, last) = keys::SHOPS_RANGE;
        let items = self.partition(keys::SHOPS_PK, first, last).await?;
        items
            .iter()
            .map(|it| {
                let sk = item::get_s(it, keys::SK)?;
                keys::listed_shop(sk)
                    .ok_or_else(|| StoreError::Corrupt(format!("a listed shop {sk:?}")))
            })
            .collect()
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
