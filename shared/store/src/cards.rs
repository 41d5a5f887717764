//! Card definitions, the shop's card counter, paid-card stock, card numbers, claim and
//! return records.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::cards::{CardDef, CardKind, CardRule, GiftPack, Validity, MAX_CARDS_PER_SHOP};
use domain::chrono::{DateTime, NaiveDate, Utc};
use domain::stock::MAX_SHARDS;
use domain::{Decimal, Money, ShopId};

use crate::item::{self, Item};
use crate::keys::{self, RecordKind, PK, SK};
use crate::{sdk, Cond, Snapshot, Store, StoreError, Write};

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("card {what}"))
}

pub fn read(
    snapshot: &Snapshot,
    shop: &ShopId,
    card_id: &str,
) -> Result<Option<CardDef>, StoreError> {
    snapshot
        .get(&keys::card(shop, card_id))
        .map(decode)
        .transpose()
}

pub fn decode(found: &Item) -> Result<CardDef, StoreError> {
    let validity = {
        let v = item::get_map(found, "validity")?.ok_or_else(|| corrupt("validity"))?;
        match item::get_s(v, "kind")? {
            "permanent" => Validity::Permanent,
            "days" => Validity::Days(
                u32::try_from(item::get_i64(v, "days")?).map_err(|_| corrupt("days"))?,
            ),
            "range" => Validity::Range {
                from: date(item::get_s(v, "from")?)?,
                until: date(item::get_s(v, "until")?)?,
            },
            _ => return Err(corrupt("validity kind")),
        }
    };
    let gift_pack = match item::get_map(found, "gift_pack")? {
        None => GiftPack::default(),
        Some(g) => GiftPack {
            points: item::get_i64(g, "points").unwrap_or(0),
            credit: Money::from_stored(item::get_decimal(g, "credit").unwrap_or_default()),
            coupons: strings(g, "coupons"),
            gifts: strings(g, "gifts"),
        },
    };
    let rule = match item::get_map(found, "rule")? {
        None => None,
        Some(r) => Some(match item::get_s(r, "kind")? {
            "cumulative_spend" => CardRule::CumulativeSpend(item::get_decimal(r, "value")?),
            "orders" => CardRule::Orders(
                u64::try_from(item::get_i64(r, "value")?).map_err(|_| corrupt("rule"))?,
            ),
            "points" => CardRule::Points(item::get_i64(r, "value")?),
            "level" => CardRule::Level(item::get_s(r, "value")?.to_owned()),
            _ => return Err(corrupt("rule kind")),
        }),
    };
    let bool_of = |attr: &str| {
        found
            .get(attr)
            .and_then(|v| v.as_bool().ok().copied())
            .unwrap_or(false)
    };
    Ok(CardDef {
        card_id: item::get_s(found, "card_id")?.to_owned(),
        kind: CardKind::parse(item::get_s(found, "kind")?).ok_or_else(|| corrupt("kind"))?,
        name: item::get_s(found, "name")?.to_owned(),
        description: item::opt_s(found, "description")
            .unwrap_or_default()
            .to_owned(),
        service_phone: item::opt_s(found, "service_phone")
            .unwrap_or_default()
            .to_owned(),
        validity,
        benefits: serde_json_value(item::opt_s(found, "benefits"))?,
        gift_pack,
        require_phone: bool_of("require_phone"),
        price: match found.get("price") {
            Some(_) => Some(Money::from_stored(item::get_decimal(found, "price")?)),
            None => None,
        },
        rule,
        enabled: item::get_s(found, "status")? == "enabled",
        listed: bool_of("listed"),
        holders: item::get_u64_or_zero(found, "holders")?,
        version: item::get_u64_or_zero(found, "version")?,
        stock_shards: match item::get_u64_or_zero(found, "stock_shards")? {
            0 => 1,
            n => u16::try_from(n).unwrap_or(MAX_SHARDS).min(MAX_SHARDS),
        },
    })
}

fn serde_json_value(text: Option<&str>) -> Result<serde_json::Value, StoreError> {
    match text {
        None => Ok(serde_json::Value::Array(vec![])),
        Some(t) => serde_json::from_str(t).map_err(|_| corrupt("benefits")),
    }
}

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse().map_err(|_| corrupt("date"))
}

fn strings(m: &Item, attr: &str) -> Vec<String> {
    match m.get(attr) {
        Some(AttributeValue::L(list)) => {
            list.iter().filter_map(|v| v.as_s().ok().cloned()).collect()
        }
        _ => Vec::new(),
    }
}

fn string_list(values: &[String]) -> AttributeValue {
    AttributeValue::L(values.iter().map(item::s).collect())
}

/// The definition's item. `holders` is not written here: claims and refunds move it with
/// in-place ADDs so concurrent claims of one card do not conflict on the definition.
pub fn item_of(shop: &ShopId, def: &CardDef) -> Item {
    let mut it = item::with_key(&keys::card(shop, &def.card_id), "card");
    it.insert("card_id".into(), item::s(&def.card_id));
    it.insert("kind".into(), item::s(def.kind.as_str()));
    it.insert("name".into(), item::s(&def.name));
    it.insert("description".into(), item::s(&def.description));
    it.insert("service_phone".into(), item::s(&def.service_phone));
    let validity: Item = match def.validity {
        Validity::Permanent => HashMap::from([("kind".to_owned(), item::s("permanent"))]),
        Validity::Days(d) => HashMap::from([
            ("kind".to_owned(), item::s("days")),
            ("days".to_owned(), item::n(d)),
        ]),
        Validity::Range { from, until } => HashMap::from([
            ("kind".to_owned(), item::s("range")),
            ("from".to_owned(), item::s(from.to_string())),
            ("until".to_owned(), item::s(until.to_string())),
        ]),
    };
    it.insert("validity".into(), AttributeValue::M(validity));
    it.insert("benefits".into(), item::s(def.benefits.to_string()));
    let g = &def.gift_pack;
    it.insert(
        "gift_pack".into(),
        AttributeValue::M(HashMap::from([
            ("points".to_owned(), item::n(g.points)),
            ("credit".to_owned(), item::n(g.credit.amount())),
            ("coupons".to_owned(), string_list(&g.coupons)),
            ("gifts".to_owned(), string_list(&g.gifts)),
        ])),
    );
    it.insert(
        "require_phone".into(),
        AttributeValue::Bool(def.require_phone),
    );
    if let Some(price) = def.price {
        it.insert("price".into(), item::n(price.amount()));
    }
    if let Some(rule) = &def.rule {
        let (kind, value) = match rule {
            CardRule::CumulativeSpend(v) => ("cumulative_spend", item::n(v)),
            CardRule::Orders(v) => ("orders", item::n(v)),
            CardRule::Points(v) => ("points", item::n(v)),
            CardRule::Level(l) => ("level", item::s(l)),
        };
        it.insert(
            "rule".into(),
            AttributeValue::M(HashMap::from([
                ("kind".to_owned(), item::s(kind)),
                ("value".to_owned(), value),
            ])),
        );
    }
    it.insert(
        "status".into(),
        item::s(if def.enabled { "enabled" } else { "disabled" }),
    );
    it.insert("listed".into(), AttributeValue::Bool(def.listed));
    it.insert("version".into(), item::n(def.version));
    if def.stock_shards > 1 {
        it.insert("stock_shards".into(), item::n(def.stock_shards));
    }
    it
}

/// Creates a definition: it must not exist yet.
pub fn create(shop: &ShopId, def: &CardDef) -> Write {
    let mut it = item_of(shop, def);
    it.insert("holders".into(), item::n(0));
    Write::Put {
        item: it,
        cond: Cond::NotExists,
    }
}

/// Replaces a definition read at `read.version`, keeping its holder count as it is now.
pub fn update(shop: &ShopId, def: &CardDef, read_version: u64) -> Write {
    let it = item_of(shop, def);
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    let mut sets = Vec::new();
    for (i, (attr, value)) in it.into_iter().enumerate() {
        if attr == PK || attr == SK {
            continue;
        }
        names.insert(format!("#a{i}"), attr);
        values.insert(format!(":v{i}"), value);
        sets.push(format!("#a{i} = :v{i}"));
    }
    values.insert(":read_version".into(), item::n(read_version));
    Write::Update {
        key: keys::card(shop, &def.card_id),
        update: format!("SET {}", sets.join(", ")),
        condition: Some("version = :read_version".into()),
        names,
        values,
    }
}

/// Deletes a definition nobody holds, as read.
pub fn delete(shop: &ShopId, card_id: &str, read_version: u64) -> Write {
    Write::Delete {
        key: keys::card(shop, card_id),
        condition: Some("version = :v AND holders = :zero".into()),
        values: HashMap::from([
            (":v".to_owned(), item::n(read_version)),
            (":zero".to_owned(), item::n(0)),
        ]),
    }
}

/// Counts a new definition in, refusing the 301st (000) without counting anything.
pub fn count_in(shop: &ShopId) -> Write {
    Write::Update {
        key: keys::card_counter(shop),
        update: "ADD #count :one".into(),
        condition: Some("attribute_not_exists(#count) OR #count < :max".into()),
        names: HashMap::from([("#count".to_owned(), "count".to_owned())]),
        values: HashMap::from([
            (":one".to_owned(), item::n(1)),
            (":max".to_owned(), item::n(MAX_CARDS_PER_SHOP)),
        ]),
    }
}

pub fn count_out(shop: &ShopId) -> Write {
    Write::Update {
        key: keys::card_counter(shop),
        update: "ADD #count :minus".into(),
        condition: None,
        names: HashMap::from([("#count".to_owned(), "count".to_owned())]),
        values: HashMap::from([(":minus".to_owned(), item::n(-1))]),
    }
}

/// One more (or fewer) holder, only while the card is in the state the decision assumed.
pub fn holders(shop: &ShopId, card_id: &str, delta: i64, require_enabled: bool) -> Write {
    let mut values = HashMap::from([(":d".to_owned(), item::n(delta))]);
    let mut names = HashMap::new();
    let condition = if require_enabled {
        names.insert("#status".to_owned(), "status".to_owned());
        values.insert(":enabled".to_owned(), item::s("enabled"));
        "attribute_exists(PK) AND #status = :enabled"
    } else {
        "attribute_exists(PK)"
    };
    Write::Update {
        key: keys::card(shop, card_id),
        update: "ADD holders :d".into(),
        condition: Some(condition.into()),
        names,
        values,
    }
}

/// The summary is a domain type (what accrual needs from the shop's cards).
pub use domain::cards::CardSummary;

fn summary_attr(card_id: &str) -> String {
    format!("c#{card_id}")
}

/// Keeps the summary in step with a definition, in the definition's own transaction: the
/// cards accrual and checkout need (`CardDef::in_summary`) are listed, without their
/// display-only text, so 300 of them stay far below DynamoDB's item limit.
pub fn summary_write(shop: &ShopId, def: &CardDef) -> Write {
    let names = HashMap::from([("#c".to_owned(), summary_attr(&def.card_id))]);
    if !def.in_summary() {
        return summary_remove(shop, &def.card_id);
    }
    let mut it = item_of(shop, def);
    for attr in [PK, SK, "description", "service_phone"] {
        it.remove(attr);
    }
    Write::Update {
        key: keys::card_summary(shop),
        update: "SET #c = :v".into(),
        condition: None,
        names,
        values: HashMap::from([(":v".to_owned(), AttributeValue::M(it))]),
    }
}

pub fn summary_remove(shop: &ShopId, card_id: &str) -> Write {
    Write::Update {
        key: keys::card_summary(shop),
        update: "REMOVE #c".into(),
        condition: None,
        names: HashMap::from([("#c".to_owned(), summary_attr(card_id))]),
        values: HashMap::new(),
    }
}

pub fn read_summary(snapshot: &Snapshot, shop: &ShopId) -> Result<CardSummary, StoreError> {
    let mut summary = CardSummary::default();
    let Some(found) = snapshot.get(&keys::card_summary(shop)) else {
        return Ok(summary);
    };
    for (attr, v) in found {
        if !attr.starts_with("c#") {
            continue;
        }
        let def = decode(v.as_m().map_err(|_| corrupt("summary"))?)?;
        if let Some(f) = def.points_multiplier().filter(|_| def.enabled) {
            summary.multipliers.insert(def.card_id.clone(), f);
        }
        if def.kind == CardKind::Rule {
            summary.rule_cards.push(def.clone());
        }
        summary.cards.insert(def.card_id.clone(), def);
    }
    // A stable order: the lowest thresholds first, so the last issued is the highest level.
    summary.rule_cards.sort_by(|a, b| {
        let rank = |d: &CardDef| match &d.rule {
            Some(CardRule::CumulativeSpend(v)) => (0, *v),
            Some(CardRule::Orders(v)) => (1, Decimal::from(*v)),
            Some(CardRule::Points(v)) => (2, Decimal::from(*v)),
            Some(CardRule::Level(_)) => (3, Decimal::ZERO),
            None => (4, Decimal::ZERO),
        };
        rank(a).cmp(&rank(b)).then(a.card_id.cmp(&b.card_id))
    });
    Ok(summary)
}

/// Sets shard `k`; with `was`, only if it still holds what was read (a re-split that keeps
/// the total must not undo a purchase made meanwhile: the transaction fails and is retried).
fn set_shard(shop: &ShopId, card_id: &str, k: u16, stock: u64, was: Option<Option<i64>>) -> Write {
    let mut values = HashMap::from([(":s".to_owned(), item::n(stock))]);
    let condition = was.map(|w| match w {
        Some(w) => {
            values.insert(":was".to_owned(), item::n(w));
            "stock = :was".to_owned()
        }
        None => "attribute_not_exists(stock)".to_owned(),
    });
    Write::Update {
        key: keys::stock_shard(shop, card_id, k),
        update: "SET stock = :s".into(),
        condition,
        names: HashMap::new(),
        values,
    }
}

/// Sets a paid card's stock to `stock`, split over its shards (`domain::stock::split`).
/// With a snapshot (an edit of an existing card), every shard it read is written: shards
/// beyond the count are emptied, and with `keep` each write requires the shard to hold what
/// was read, so moving the same total over a new count loses no concurrent purchase.
pub fn set_stock(
    read: Option<(&Snapshot, bool)>,
    shop: &ShopId,
    def: &CardDef,
    stock: u64,
) -> Vec<Write> {
    let id = &def.card_id;
    let keep = read.is_some_and(|(_, keep)| keep);
    let was = |k: u16| keep.then(|| read.and_then(|(s, _)| shard_stock(s, shop, id, k)));
    let mut writes: Vec<Write> = domain::stock::split(stock, def.stock_shards)
        .into_iter()
        .zip(0u16..)
        .map(|(s, k)| set_shard(shop, id, k, s, was(k)))
        .collect();
    if let Some((snapshot, _)) = read {
        for (k, _) in read_shards(snapshot, shop, id, def.stock_shards..MAX_SHARDS) {
            writes.push(set_shard(shop, id, k, 0, was(k)));
        }
    }
    writes
}

/// Takes one unit from shard `k` with an atomic conditional decrement: no
/// read-modify-write, so concurrent buyers can never take more than there is (invariant 5).
pub fn take_stock(shop: &ShopId, card_id: &str, k: u16) -> Write {
    Write::Update {
        key: keys::stock_shard(shop, card_id, k),
        update: "SET stock = stock - :one".into(),
        condition: Some("stock >= :one".into()),
        names: HashMap::new(),
        values: HashMap::from([(":one".to_owned(), item::n(1))]),
    }
}

/// Gives one unit back to shard `k`.
pub fn return_stock(shop: &ShopId, card_id: &str, k: u16) -> Write {
    Write::Update {
        key: keys::stock_shard(shop, card_id, k),
        update: "ADD stock :one".into(),
        condition: None,
        names: HashMap::new(),
        values: HashMap::from([(":one".to_owned(), item::n(1))]),
    }
}

/// Every shard key a card can have: what an admin read of one card asks for (it cannot know
/// the count before the definition is read, and one batch is one round trip).
pub fn all_shard_keys(shop: &ShopId, card_id: &str) -> Vec<keys::Key> {
    (0..MAX_SHARDS)
        .map(|k| keys::stock_shard(shop, card_id, k))
        .collect()
}

/// The shards a paid card's stock lives in now (its definition's count): what a list reads
/// to show the stock of many cards in one batch.
pub fn stock_keys(shop: &ShopId, def: &CardDef) -> Vec<keys::Key> {
    if def.kind != CardKind::Paid {
        return Vec::new();
    }
    (0..def.stock_shards.max(1))
        .map(|k| keys::stock_shard(shop, &def.card_id, k))
        .collect()
}

/// What is on sale of a paid card: the sum of the shards `stock_keys` names, as the snapshot
/// holds them.
pub fn selling_stock(snapshot: &Snapshot, shop: &ShopId, def: &CardDef) -> i64 {
    read_shards(snapshot, shop, &def.card_id, 0..def.stock_shards.max(1))
        .iter()
        .map(|(_, s)| s)
        .sum()
}

/// Shard `k`'s stock, if the snapshot holds that shard.
pub fn shard_stock(snapshot: &Snapshot, shop: &ShopId, card_id: &str, k: u16) -> Option<i64> {
    let it = snapshot.get(&keys::stock_shard(shop, card_id, k))?;
    Some(item::get_i64(it, "stock").unwrap_or(0))
}

/// The shards among `range` the snapshot holds, with their stock.
pub fn read_shards(
    snapshot: &Snapshot,
    shop: &ShopId,
    card_id: &str,
    range: impl IntoIterator<Item = u16>,
) -> Vec<(u16, i64)> {
    range
        .into_iter()
        .filter_map(|k| Some((k, shard_stock(snapshot, shop, card_id, k)?)))
        .collect()
}

/// A paid card's stock: the sum of every shard the snapshot holds (`None`: no stock item).
pub fn read_stock(
    snapshot: &Snapshot,
    shop: &ShopId,
    card_id: &str,
) -> Result<Option<i64>, StoreError> {
    let shards = read_shards(snapshot, shop, card_id, 0..MAX_SHARDS);
    Ok((!shards.is_empty()).then(|| shards.iter().map(|(_, s)| s).sum()))
}

/// Reserves a card number for its holder: unique per shop, never reused.
pub fn card_no(shop: &ShopId, no: &str, member_id: &str, card_id: &str) -> Write {
    let mut it = item::with_key(&keys::card_no(shop, no), "card_no");
    it.insert("card_no".into(), item::s(no));
    it.insert("member_id".into(), item::s(member_id));
    it.insert("card_id".into(), item::s(card_id));
    Write::Put {
        item: it,
        cond: Cond::NotExists,
    }
}

/// The holder a card number points at: (member id, card id).
pub fn holder_of(
    snapshot: &Snapshot,
    shop: &ShopId,
    no: &str,
) -> Result<Option<(String, String)>, StoreError> {
    snapshot
        .get(&keys::card_no(shop, no))
        .map(|it| {
            Ok((
                item::get_s(it, "member_id")?.to_owned(),
                item::get_s(it, "card_id")?.to_owned(),
            ))
        })
        .transpose()
}

/// A claim or return record: who, when, and the record's own fields.
pub fn record(
    shop: &ShopId,
    card_id: &str,
    kind: RecordKind,
    at: DateTime<Utc>,
    id: &str,
    fields: &serde_json::Value,
) -> Write {
    let key = crate::Key {
        pk: keys::records_pk(shop, card_id, kind),
        sk: keys::card_record_sk(at.timestamp_millis(), id),
    };
    let mut it = item::with_key(&key, "card_record");
    it.insert("record".into(), item::s(fields.to_string()));
    Write::Put {
        item: it,
        cond: Cond::NotExists,
    }
}

/// A page of records and the cursor for the next one.
pub struct RecordPage {
    pub items: Vec<serde_json::Value>,
    pub next: Option<String>,
}

impl Store {
    /// The shop's card definitions, in card-id order (at most 300).
    pub async fn list_cards(&self, shop: &ShopId) -> Result<Vec<CardDef>, StoreError> {
        let items = self
            .query_all(
                self.client
                    .query()
                    .table_name(&self.table)
                    .consistent_read(true)
                    .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                    .expression_attribute_values(":pk", item::s(keys::shop_partition(shop)))
                    .expression_attribute_values(":prefix", item::s(keys::CARD_PREFIX)),
            )
            .await?;
        items.iter().map(decode).collect()
    }

    /// One page of a card's claim or return records, newest first.
    pub async fn records_page(
        &self,
        shop: &ShopId,
        card_id: &str,
        kind: RecordKind,
        limit: i32,
        after: Option<&str>,
    ) -> Result<RecordPage, StoreError> {
        let pk = keys::records_pk(shop, card_id, kind);
        let start = after
            .map(|sk| HashMap::from([(PK.to_owned(), item::s(&pk)), (SK.to_owned(), item::s(sk))]));
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", item::s(&pk))
            .scan_index_forward(false)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(sdk)?;
        let mut items = Vec::new();
        let mut last_sk = None;
        for it in page.items.unwrap_or_default() {
            last_sk = Some(item::get_s(&it, SK)?.to_owned());
            items.push(
                serde_json::from_str(item::get_s(&it, "record")?).map_err(|_| corrupt("record"))?,
            );
        }
        Ok(RecordPage {
            items,
            next: page.last_evaluated_key.and(last_sk),
        })
    }
}
