//! Coupons (API 1.3) as items: a definition per coupon in the shop's partition (listed by
//! prefix), a counter for the 300-definition limit, stock counters split over partitions of
//! their own (a drop is a flash sale: `domain::stock`), a member's wallet as one versioned
//! item in the member's partition, and one item per coupon number (unique in the shop by a
//! conditional write, and the till's way from a scanned number to its holder).
//!
//! Definitions and wallets keep their terms as one JSON attribute: they are read and written
//! whole, and never queried by a field.

use std::collections::{BTreeMap, HashMap};

use domain::cards::Validity;
use domain::chrono::{DateTime, Utc};
use domain::coupon::{
    Benefit, CouponNo, Definition, MemberCoupon, Source, State, Terms, Wallet, MAX_DEFINITIONS,
};
use domain::{Decimal, MemberId, Money, ShopId};
use serde_json::{json, Value};

use crate::item::{self, Item};
use crate::keys::{self, Key};
use crate::{Cond, Snapshot, StoreError, Write};

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("coupon {what}"))
}

fn money(v: &Value) -> Option<Money> {
    v.as_str()?.parse::<Decimal>().ok().map(Money::from_stored)
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn text_time(t: DateTime<Utc>) -> Value {
    json!(t.to_rfc3339_opts(domain::chrono::SecondsFormat::Millis, true))
}

// ---- terms and validity as JSON ----

fn terms_json(t: &Terms) -> Value {
    let mut v = json!({
        "kind": t.benefit.kind(),
        "min_spend": t.min_spend.amount().to_string(),
        "categories": t.categories,
        "exclude_categories": t.exclude_categories,
        "member_price_lines": t.member_price_lines,
        "with_benefit": t.with_benefit,
    });
    match &t.benefit {
        Benefit::AmountOff(m) => v["amount"] = json!(m.amount().to_string()),
        Benefit::PercentOff {
            percent,
            max_discount,
        } => {
            v["percent"] = json!(percent);
            v["max_discount"] = json!(max_discount.map(|m| m.amount().to_string()));
        }
        Benefit::FreeShipping => {}
        Benefit::Gift(g) => v["gift"] = json!(g),
    }
    v
}

fn terms_of(v: &Value) -> Option<Terms> {
    let benefit = match v["kind"].as_str()? {
        "amount_off" => Benefit::AmountOff(money(&v["amount"])?),
        "percent_off" => Benefit::PercentOff {
            percent: u32::try_from(v["percent"].as_u64()?).ok()?,
            max_discount: money(&v["max_discount"]),
        },
        "free_shipping" => Benefit::FreeShipping,
        "gift" => Benefit::Gift(v["gift"].as_str()?.to_owned()),
        _ => return None,
    };
    let strings = |v: &Value| -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    Some(Terms {
        benefit,
        min_spend: money(&v["min_spend"])?,
        categories: match &v["categories"] {
            Value::Null => None,
            list => Some(strings(list)?),
        },
        exclude_categories: strings(&v["exclude_categories"]).unwrap_or_default(),
        member_price_lines: v["member_price_lines"].as_bool().unwrap_or(false),
        with_benefit: v["with_benefit"].as_bool().unwrap_or(false),
    })
}

fn validity_of(v: &Value) -> Option<Validity> {
    Some(match v["kind"].as_str()? {
        "days" => Validity::Days(u32::try_from(v["days"].as_u64()?).ok()?),
        "range" => Validity::Range {
            from: v["from"].as_str()?.parse().ok()?,
            until: v["until"].as_str()?.parse().ok()?,
        },
        _ => Validity::Permanent,
    })
}

// ---- definitions ----

fn definition_doc(def: &Definition) -> Value {
    json!({
        "name": def.name,
        "text": def.text,
        "terms": terms_json(&def.terms),
        "validity": def.validity.view(),
        "stock": def.stock,
        "per_member": def.per_member,
        "claimable": def.claimable,
        "enabled": def.enabled,
        "stock_shards": def.stock_shards,
        "created_at": text_time(def.created_at),
    })
}

pub fn decode_definition(found: &Item) -> Result<Definition, StoreError> {
    let doc: Value =
        serde_json::from_str(item::get_s(found, "doc")?).map_err(|_| corrupt("definition"))?;
    let parsed = (|| {
        Some(Definition {
            coupon_id: item::opt_s(found, "coupon_id")?.to_owned(),
            name: doc["name"].as_str()?.to_owned(),
            text: doc["text"].as_str().unwrap_or_default().to_owned(),
            terms: terms_of(&doc["terms"])?,
            validity: validity_of(&doc["validity"])?,
            stock: doc["stock"].as_u64(),
            per_member: doc["per_member"]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok()),
            claimable: doc["claimable"].as_bool().unwrap_or(false),
            enabled: doc["enabled"].as_bool().unwrap_or(true),
            stock_shards: u16::try_from(doc["stock_shards"].as_u64()?).ok()?.max(1),
            created_at: time(&doc["created_at"])?,
            version: 0,
        })
    })();
    let mut def = parsed.ok_or_else(|| corrupt("definition"))?;
    def.version = item::get_u64_or_zero(found, "version")?;
    Ok(def)
}

/// The definition as read, or `None`.
pub fn read(
    snapshot: &Snapshot,
    shop: &ShopId,
    coupon_id: &str,
) -> Result<Option<Definition>, StoreError> {
    snapshot
        .get(&keys::coupon(shop, coupon_id))
        .map(decode_definition)
        .transpose()
}

/// Writes a definition read at `def.version` (0: a new one, which must not exist yet).
pub fn put(shop: &ShopId, def: &Definition) -> Write {
    let mut it = item::with_key(&keys::coupon(shop, &def.coupon_id), "coupon");
    it.insert("coupon_id".into(), item::s(&def.coupon_id));
    it.insert("doc".into(), item::s(definition_doc(def).to_string()));
    it.insert("version".into(), item::n(def.version + 1));
    Write::Put {
        item: it,
        cond: Cond::Version(def.version),
    }
}

/// Deletes a definition as read.
pub fn delete(shop: &ShopId, def: &Definition) -> Write {
    Write::Delete {
        key: keys::coupon(shop, &def.coupon_id),
        condition: Some("version = :v".into()),
        values: HashMap::from([(":v".to_owned(), item::n(def.version))]),
    }
}

/// How many definitions the shop has (the 300 limit).
pub fn count(snapshot: &Snapshot, shop: &ShopId) -> Result<u64, StoreError> {
    match snapshot.get(&keys::coupon_counter(shop)) {
        Some(it) => item::get_u64_or_zero(it, "count"),
        None => Ok(0),
    }
}

/// Counts a definition in (`delta` 1, refusing the 301st) or out (-1).
pub fn count_by(shop: &ShopId, delta: i64) -> Write {
    let names = HashMap::from([("#count".to_owned(), "count".to_owned())]);
    let mut values = HashMap::from([(":d".to_owned(), item::n(delta))]);
    let condition = (delta > 0).then(|| {
        values.insert(":max".to_owned(), item::n(MAX_DEFINITIONS));
        "attribute_not_exists(#count) OR #count < :max".to_owned()
    });
    Write::Update {
        key: keys::coupon_counter(shop),
        update: "ADD #count :d".into(),
        condition,
        names,
        values,
    }
}

// ---- stock counters ----

/// A definition's counters summed over its shards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub issued: u64,
    pub used: u64,
    /// What is left to issue (`None`: unlimited).
    pub left: Option<u64>,
}

/// The keys of every shard of `def`.
pub fn shard_keys(shop: &ShopId, def: &Definition) -> Vec<Key> {
    (0..def.stock_shards)
        .map(|k| keys::coupon_stock(shop, &def.coupon_id, k))
        .collect()
}

/// What is left on shard `k` as read (0 when never written: a limited coupon's shards are
/// written when it is defined).
pub fn shard_left(snapshot: &Snapshot, shop: &ShopId, coupon_id: &str, k: u16) -> u64 {
    snapshot
        .get(&keys::coupon_stock(shop, coupon_id, k))
        .and_then(|it| item::get_u64_or_zero(it, "left").ok())
        .unwrap_or(0)
}

pub fn counts(snapshot: &Snapshot, shop: &ShopId, def: &Definition) -> Result<Counts, StoreError> {
    let mut c = Counts::default();
    let mut left = 0;
    for key in shard_keys(shop, def) {
        if let Some(it) = snapshot.get(&key) {
            c.issued += item::get_u64_or_zero(it, "issued")?;
            c.used += item::get_u64_or_zero(it, "used")?;
            left += item::get_u64_or_zero(it, "left")?;
        }
    }
    c.left = def.stock.map(|_| left);
    Ok(c)
}

/// Sets the stock left to issue, split over the shards (`domain::stock::split`), each
/// conditioned on what was read there so a claim in between makes this re-decide.
pub fn set_left(
    snapshot: &Snapshot,
    shop: &ShopId,
    def: &Definition,
    left: Option<u64>,
) -> Vec<Write> {
    let split = left.map(|l| domain::stock::split(l, def.stock_shards));
    (0..def.stock_shards)
        .map(|k| {
            let key = keys::coupon_stock(shop, &def.coupon_id, k);
            let was = snapshot.get(&key).and_then(|it| it.get("left").cloned());
            let mut values = HashMap::new();
            let condition = match was {
                Some(v) => {
                    values.insert(":was".to_owned(), v);
                    "#left = :was".to_owned()
                }
                None => "attribute_not_exists(#left)".to_owned(),
            };
            let update = match &split {
                Some(parts) => {
                    values.insert(":left".to_owned(), item::n(parts[usize::from(k)]));
                    "SET #left = :left".to_owned()
                }
                None => "REMOVE #left".to_owned(),
            };
            Write::Update {
                key,
                update,
                condition: Some(condition),
                names: HashMap::from([("#left".to_owned(), "left".to_owned())]),
                values,
            }
        })
        .collect()
}

/// Issues `n` from shard `k`: with a stock, only while that many are left there (the
/// condition is the guard: no read decides it), always counted as issued, and only from a
/// counter that exists (a deleted definition's counters are gone with it).
pub fn take(shop: &ShopId, coupon_id: &str, k: u16, n: u64, limited: bool) -> Write {
    let values = HashMap::from([(":n".to_owned(), item::n(n))]);
    let (update, condition, names) = if limited {
        (
            "SET #left = #left - :n ADD issued :n",
            Some("#left >= :n".to_owned()),
            HashMap::from([("#left".to_owned(), "left".to_owned())]),
        )
    } else {
        (
            "ADD issued :n",
            Some("attribute_exists(PK)".to_owned()),
            HashMap::new(),
        )
    };
    Write::Update {
        key: keys::coupon_stock(shop, coupon_id, k),
        update: update.to_owned(),
        condition,
        names,
        values,
    }
}

/// Counts a use (or, `delta` -1, a use given back) on the coupon's shard.
pub fn count_use(shop: &ShopId, coupon_id: &str, k: u16, delta: i64) -> Write {
    Write::Update {
        key: keys::coupon_stock(shop, coupon_id, k),
        update: "ADD used :d".into(),
        condition: None,
        names: HashMap::new(),
        values: HashMap::from([(":d".to_owned(), item::n(delta))]),
    }
}

// ---- wallets ----

// A wallet holds many coupons of few definitions: each distinct (definition, name, terms)
// is written once in `kinds` and the coupons point at it, with instants in epoch seconds,
// so a wallet of 50 coupons is a few KB (2 WCU a KB in a transaction), not 20.

fn secs(t: DateTime<Utc>) -> Value {
    json!(t.timestamp())
}

fn at_secs(v: &Value) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(v.as_i64()?, 0)
}

fn kind_json(c: &MemberCoupon) -> Value {
    json!({"id": c.coupon_id, "name": c.name, "terms": terms_json(&c.terms)})
}

fn coupon_json(c: &MemberCoupon, kind: usize) -> Value {
    let mut v = json!({"no": c.coupon_no.as_str(), "k": kind, "from": secs(c.valid_from),
        "until": secs(c.valid_until), "src": c.source.as_str(), "iss": secs(c.issued_at)});
    if c.shard > 0 {
        v["sh"] = json!(c.shard);
    }
    match &c.state {
        State::Held => {}
        State::Used {
            order_id,
            at,
            discount,
        } => {
            v["used"] = secs(*at);
            v["order"] = json!(order_id);
            if !discount.is_zero() {
                v["off"] = json!(discount.to_string());
            }
        }
        State::Void { at } => v["void"] = secs(*at),
    }
    v
}

fn coupon_of(v: &Value, kinds: &[Value]) -> Option<MemberCoupon> {
    let kind = kinds.get(usize::try_from(v["k"].as_u64()?).ok()?)?;
    let state = match (v.get("used"), v.get("void")) {
        (Some(at), _) => State::Used {
            order_id: v["order"].as_str().map(str::to_owned),
            at: at_secs(at)?,
            discount: match v.get("off") {
                Some(off) => off.as_str()?.parse().ok()?,
                None => Decimal::ZERO,
            },
        },
        (None, Some(at)) => State::Void { at: at_secs(at)? },
        (None, None) => State::Held,
    };
    Some(MemberCoupon {
        coupon_no: CouponNo::parse(v["no"].as_str()?)?,
        coupon_id: kind["id"].as_str()?.to_owned(),
        name: kind["name"].as_str()?.to_owned(),
        terms: terms_of(&kind["terms"])?,
        valid_from: at_secs(&v["from"])?,
        valid_until: at_secs(&v["until"])?,
        source: Source::parse(v["src"].as_str()?)?,
        state,
        issued_at: at_secs(&v["iss"])?,
        shard: u16::try_from(v["sh"].as_u64().unwrap_or(0)).ok()?,
    })
}

/// The member's wallet as read (empty, version 0, when they never held a coupon).
pub fn wallet(snapshot: &Snapshot, shop: &ShopId, member: &MemberId) -> Result<Wallet, StoreError> {
    let Some(it) = snapshot.get(&keys::wallet(shop, member)) else {
        return Ok(Wallet::default());
    };
    let parse = |attr: &str| -> Result<Value, StoreError> {
        serde_json::from_str(item::opt_s(it, attr).unwrap_or("[]")).map_err(|_| corrupt("wallet"))
    };
    let (kinds, coupons) = (parse("kinds")?, parse("coupons")?);
    let kinds = kinds.as_array().map(Vec::as_slice).unwrap_or_default();
    let claims: BTreeMap<String, u32> =
        serde_json::from_str(item::opt_s(it, "claims").unwrap_or("{}"))
            .map_err(|_| corrupt("wallet claims"))?;
    Ok(Wallet {
        coupons: coupons
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|c| coupon_of(c, kinds))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| corrupt("wallet"))?,
        claims,
        told_until: match item::opt_s(it, "told_until") {
            Some(t) => Some(item::parse_time("told_until", t)?),
            None => None,
        },
        version: item::get_u64_or_zero(it, "version")?,
    })
}

/// Writes the wallet read at `wallet.version`: two changes to one member's coupons never
/// both land (one order per coupon, `per_member` claims).
pub fn put_wallet(shop: &ShopId, member: &MemberId, wallet: &Wallet) -> Write {
    let mut it = item::with_key(&keys::wallet(shop, member), "coupon_wallet");
    let mut kinds: Vec<Value> = Vec::new();
    let coupons: Vec<Value> = wallet
        .coupons
        .iter()
        .map(|c| {
            let kind = kind_json(c);
            let k = kinds.iter().position(|x| *x == kind).unwrap_or_else(|| {
                kinds.push(kind);
                kinds.len() - 1
            });
            coupon_json(c, k)
        })
        .collect();
    it.insert("kinds".into(), item::s(Value::Array(kinds).to_string()));
    it.insert("coupons".into(), item::s(Value::Array(coupons).to_string()));
    it.insert("claims".into(), item::s(json!(wallet.claims).to_string()));
    it.insert("version".into(), item::n(wallet.version + 1));
    if let Some(t) = wallet.told_until {
        it.insert("told_until".into(), item::time(t));
    }
    // Sparse index for the daily expiring notice (`keys::coupon_due_pk`): listed under the
    // UTC day of the first held coupon's end the member was not told of.
    if let Some(next) = wallet.next_notice() {
        let key = keys::wallet(shop, member);
        it.insert(
            keys::GSI2PK.into(),
            item::s(keys::coupon_due_pk(
                next.date_naive(),
                keys::due_shard(&key.pk),
            )),
        );
        it.insert(
            keys::GSI2SK.into(),
            item::s(keys::due_index_sk(&item::sortable_time(next), &key.pk)),
        );
    }
    Write::Put {
        item: it,
        cond: Cond::Version(wallet.version),
    }
}

/// A coupon number, unique in the shop (a collision fails the transaction, which draws
/// again), pointing at its holder for the till.
pub fn number(shop: &ShopId, no: &CouponNo, member: &MemberId) -> Write {
    let mut it = item::with_key(&keys::coupon_no(shop, no.as_str()), "coupon_no");
    it.insert("member_id".into(), item::s(member.as_str()));
    Write::Put {
        item: it,
        cond: Cond::NotExists,
    }
}

impl crate::Store {
    /// The wallets with a held coupon ending on UTC `day` by `until` that the member was not
    /// told of (`put_wallet` lists them), from the sparse index: no scan.
    pub async fn due_wallets(
        &self,
        day: domain::chrono::NaiveDate,
        until: DateTime<Utc>,
    ) -> Result<Vec<(ShopId, MemberId)>, StoreError> {
        let mut out = Vec::new();
        for shard in 0..keys::DUE_SHARDS {
            let pk = keys::coupon_due_pk(day, shard);
            for it in self.due_index(&pk, &item::sortable_time(until)).await? {
                let pk = item::get_s(&it, keys::PK)?;
                out.push(
                    keys::parse_member_pk(pk)
                        .ok_or_else(|| StoreError::Corrupt(format!("a wallet's key {pk}")))?,
                );
            }
        }
        Ok(out)
    }
}

/// Every definition of the shop, oldest first (one query: at most 300 small items).
pub async fn list(store: &crate::Store, shop: &ShopId) -> Result<Vec<Definition>, StoreError> {
    let (first, last) = keys::coupon_range();
    let mut all = store
        .partition(&keys::shop_partition(shop), first, last)
        .await?
        .iter()
        .map(decode_definition)
        .collect::<Result<Vec<_>, _>>()?;
    all.sort_by(|a, b| (a.created_at, &a.coupon_id).cmp(&(b.created_at, &b.coupon_id)));
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::coupon::Benefit;

    fn coupon(n: u64, id: &str, state: State) -> MemberCoupon {
        let at = |s: i64| DateTime::from_timestamp(1_790_000_000 + s, 0).unwrap();
        MemberCoupon {
            coupon_no: CouponNo::from_random(n),
            coupon_id: id.into(),
            name: format!("{id} name"),
            terms: Terms {
                benefit: Benefit::AmountOff(Money::from_stored(Decimal::new(1000, 2))),
                min_spend: Money::ZERO,
                categories: Some(vec!["milk".into()]),
                exclude_categories: vec![],
                member_price_lines: false,
                with_benefit: true,
            },
            valid_from: at(0),
            valid_until: at(86_400),
            source: Source::Claim,
            state,
            issued_at: at(0),
            shard: (n % 3) as u16,
        }
    }

    /// A wallet reads back as written: coupons sharing a definition share its terms once.
    #[test]
    fn a_wallet_reads_back_as_written_with_shared_terms() {
        let (shop, member) = (ShopId::parse("s1").unwrap(), MemberId::parse("m1").unwrap());
        let used = State::Used {
            order_id: Some("o1".into()),
            at: DateTime::from_timestamp(1_790_000_100, 0).unwrap(),
            discount: Decimal::new(250, 2),
        };
        let wallet = Wallet {
            coupons: vec![
                coupon(1, "c1", State::Held),
                coupon(2, "c1", used),
                coupon(
                    3,
                    "c2",
                    State::Void {
                        at: DateTime::from_timestamp(1_790_000_200, 0).unwrap(),
                    },
                ),
            ],
            claims: BTreeMap::from([("c1".to_owned(), 2)]),
            told_until: DateTime::from_timestamp(1_790_000_300, 0),
            version: 0,
        };
        let Write::Put { item, .. } = put_wallet(&shop, &member, &wallet) else {
            panic!("a put");
        };
        let kinds: Value = serde_json::from_str(item::get_s(&item, "kinds").unwrap()).unwrap();
        assert_eq!(kinds.as_array().unwrap().len(), 2);
        let snapshot = Snapshot::of([(keys::wallet(&shop, &member), item)]);
        let back = super::wallet(&snapshot, &shop, &member).unwrap();
        assert_eq!(
            (back.coupons, back.claims, back.version),
            (wallet.coupons, wallet.claims, 1)
        );
    }
}
