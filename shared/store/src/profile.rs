//! The member profile: the cards the member holds (and held), and which cards they ever
//! claimed, in one item so a claim is one conditional write.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::cards::{CardKind, GiftItem, HeldStatus, MemberCard, MemberTotals, Term};
use domain::{AccountKind, Decimal, MemberId, Money, ShopId};

use crate::item::{self, Item};
use crate::keys;
use crate::{Cond, Key, Snapshot, StoreError, Write};

/// The profile is a domain type; this module maps it to and from its item.
pub use domain::member::Profile;

/// The member's profile for an operation on them: an erased member refuses every one
/// (`StoreError::MemberErased`, 409 `member_erased`).
pub fn read(snapshot: &Snapshot, shop: &ShopId, member: &MemberId) -> Result<Profile, StoreError> {
    let profile = read_any(snapshot, shop, member)?;
    if profile.erased_at.is_some() {
        return Err(StoreError::MemberErased);
    }
    Ok(profile)
}

/// The profile as stored, erased or not (reads that show it, and the erasure itself).
pub fn read_any(
    snapshot: &Snapshot,
    shop: &ShopId,
    member: &MemberId,
) -> Result<Profile, StoreError> {
    let Some(found) = snapshot.get(&keys::profile(shop, member)) else {
        return Ok(Profile::default());
    };
    let mut profile = Profile {
        version: item::get_u64_or_zero(found, "version")?,
        totals: MemberTotals {
            spend: match found.get("total_spend") {
                Some(_) => item::get_decimal(found, "total_spend")?,
                None => Decimal::ZERO,
            },
            orders: item::get_u64_or_zero(found, "total_orders")?,
            points: 0,
            recharge: match found.get("total_recharge") {
                Some(_) => item::get_decimal(found, "total_recharge")?,
                None => Decimal::ZERO,
            },
        },
        ..Profile::default()
    };
    if let (Some(id), Some(name)) = (
        item::opt_s(found, "level_id"),
        item::opt_s(found, "level_name"),
    ) {
        profile.card_level = Some((id.to_owned(), name.to_owned()));
    }
    if let Some(text) = item::opt_s(found, "standing") {
        profile.standing = serde_json::from_str(text)
            .map_err(|e| StoreError::Corrupt(format!("profile standing: {e}")))?;
    }
    profile.birthday = item::opt_s(found, "birthday").and_then(|b| b.parse().ok());
    if found.contains_key("registered_at") {
        profile.registered_at = Some(item::get_time(found, "registered_at")?);
    }
    profile.directory_only = matches!(
        found.get("directory_only"),
        Some(AttributeValue::Bool(true))
    );
    profile.credit_card_no = item::opt_s(found, "credit_card_no").map(str::to_owned);
    profile.email = item::opt_s(found, "email").map(str::to_owned);
    profile.member_no = item::opt_s(found, "member_no").map(str::to_owned);
    profile.name = item::opt_s(found, "name").map(str::to_owned);
    profile.phone = item::opt_s(found, "phone").map(str::to_owned);
    if found.contains_key("erased_at") {
        profile.erased_at = Some(item::get_time(found, "erased_at")?);
    }
    if let Some(AttributeValue::Ss(ids)) = found.get("claimed") {
        profile.claimed = ids.iter().cloned().collect();
    }
    if let Some(cards) = item::get_map(found, "cards")? {
        for (card_id, v) in cards {
            let m = v
                .as_m()
                .map_err(|_| StoreError::Corrupt("profile card".into()))?;
            profile
                .cards
                .insert(card_id.clone(), decode_card(card_id, m)?);
        }
    }
    Ok(profile)
}

fn decode_card(card_id: &str, m: &Item) -> Result<MemberCard, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("member card {what}"));
    let money = |attr: &str| -> Result<Option<Money>, StoreError> {
        match m.get(attr) {
            None => Ok(None),
            Some(_) => Ok(Some(Money::from_stored(item::get_decimal(m, attr)?))),
        }
    };
    let items = match m.get("gift_items") {
        Some(AttributeValue::L(list)) => list
            .iter()
            .map(|v| {
                let g = v.as_m().map_err(|_| corrupt("gift item"))?;
                Ok(GiftItem {
                    kind: item::get_s(g, "kind")?.to_owned(),
                    name: item::get_s(g, "name")?.to_owned(),
                    state: item::get_s(g, "state")?.to_owned(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?,
        _ => Vec::new(),
    };
    Ok(MemberCard {
        card_id: card_id.to_owned(),
        card_no: item::get_s(m, "card_no")?.to_owned(),
        kind: CardKind::parse(item::get_s(m, "kind")?).ok_or_else(|| corrupt("kind"))?,
        term: Term {
            valid_from: item::get_time(m, "valid_from")?,
            valid_until: match m.get("valid_until") {
                Some(_) => Some(item::get_time(m, "valid_until")?),
                None => None,
            },
        },
        status: match item::get_s(m, "status")? {
            "active" => HeldStatus::Active,
            "refunded" => HeldStatus::Refunded,
            _ => return Err(corrupt("status")),
        },
        gift_pack_issued: m
            .get("gift_pack_issued")
            .and_then(|v| v.as_bool().ok().copied())
            .unwrap_or(false),
        gift_points: item::get_i64(m, "gift_points").unwrap_or(0),
        gift_credit: money("gift_credit")?.unwrap_or(Money::ZERO),
        gift_items: items,
        paid: money("paid")?,
        purchase_id: item::opt_s(m, "purchase_id").map(str::to_owned),
        stock_shard: match m.get("stock_shard") {
            Some(_) => Some(u16::try_from(item::get_u64_or_zero(m, "stock_shard")?).unwrap_or(0)),
            None => None,
        },
        issued_at: item::get_time(m, "issued_at")?,
    })
}

fn encode_card(card: &MemberCard) -> AttributeValue {
    let mut m: Item = HashMap::new();
    m.insert("card_no".into(), item::s(&card.card_no));
    m.insert("kind".into(), item::s(card.kind.as_str()));
    m.insert("valid_from".into(), item::time(card.term.valid_from));
    if let Some(until) = card.term.valid_until {
        m.insert("valid_until".into(), item::time(until));
    }
    m.insert(
        "status".into(),
        item::s(match card.status {
            HeldStatus::Active => "active",
            HeldStatus::Refunded => "refunded",
        }),
    );
    m.insert(
        "gift_pack_issued".into(),
        AttributeValue::Bool(card.gift_pack_issued),
    );
    m.insert("gift_points".into(), item::n(card.gift_points));
    m.insert("gift_credit".into(), item::n(card.gift_credit.amount()));
    if !card.gift_items.is_empty() {
        m.insert(
            "gift_items".into(),
            AttributeValue::L(
                card.gift_items
                    .iter()
                    .map(|g| {
                        AttributeValue::M(HashMap::from([
                            ("kind".to_owned(), item::s(&g.kind)),
                            ("name".to_owned(), item::s(&g.name)),
                            ("state".to_owned(), item::s(&g.state)),
                        ]))
                    })
                    .collect(),
            ),
        );
    }
    if let Some(paid) = card.paid {
        m.insert("paid".into(), item::n(paid.amount()));
    }
    if let Some(k) = card.stock_shard.filter(|k| *k > 0) {
        m.insert("stock_shard".into(), item::n(k));
    }
    if let Some(p) = &card.purchase_id {
        m.insert("purchase_id".into(), item::s(p));
    }
    m.insert("issued_at".into(), item::time(card.issued_at));
    AttributeValue::M(m)
}

/// The profile's write, conditioned on the version it was read at; `profile.version` is
/// that read version.
pub fn put(shop: &ShopId, member: &MemberId, profile: &Profile) -> Write {
    let mut it = item::with_key(&keys::profile(shop, member), "profile");
    it.insert("member_id".into(), item::s(member.as_str()));
    it.insert("version".into(), item::n(profile.version + 1));
    it.insert("total_spend".into(), item::n(profile.totals.spend));
    it.insert("total_orders".into(), item::n(profile.totals.orders));
    if !profile.totals.recharge.is_zero() {
        it.insert("total_recharge".into(), item::n(profile.totals.recharge));
    }
    if let Some((id, name)) = &profile.card_level {
        it.insert("level_id".into(), item::s(id));
        it.insert("level_name".into(), item::s(name));
    }
    if profile.standing != domain::level::Standing::default() {
        it.insert(
            "standing".into(),
            item::s(serde_json::to_string(&profile.standing).unwrap_or_default()),
        );
    }
    // The directory lists registered members by registration time (GSI1), and filters them
    // by the level held when the profile was last written; an erased member is not listed.
    if let (Some(at), None) = (profile.registered_at, profile.erased_at) {
        it.insert(keys::GSI1PK.into(), item::s(keys::registered_pk(shop)));
        it.insert(
            keys::GSI1SK.into(),
            item::s(keys::registered_sk(at.timestamp_millis(), member)),
        );
    }
    if let Some(level) = profile.standing.level_id() {
        it.insert("ladder_level".into(), item::s(level));
    }
    // Sparse index: a profile whose level changes by time alone (a pending upgrade, a
    // lapse) is listed under that UTC day for the hourly job.
    if let Some(due) = profile.standing.due {
        let pk = keys::member_pk(shop, member);
        it.insert(
            keys::GSI2PK.into(),
            item::s(keys::level_due_pk(due.date_naive(), keys::due_shard(&pk))),
        );
        it.insert(
            keys::GSI2SK.into(),
            item::s(keys::due_index_sk(&item::sortable_time(due), &pk)),
        );
    }
    if let Some(b) = profile.birthday {
        it.insert("birthday".into(), item::s(b.to_string()));
    }
    if let Some(at) = profile.erased_at {
        it.insert("erased_at".into(), item::time(at));
    }
    if let Some(at) = profile.registered_at {
        it.insert("registered_at".into(), item::time(at));
    }
    if profile.directory_only {
        it.insert("directory_only".into(), AttributeValue::Bool(true));
    }
    if let Some(no) = &profile.credit_card_no {
        it.insert("credit_card_no".into(), item::s(no));
    }
    if let Some(email) = &profile.email {
        it.insert("email".into(), item::s(email));
    }
    for (attr, v) in [
        ("member_no", &profile.member_no),
        ("name", &profile.name),
        ("phone", &profile.phone),
    ] {
        if let Some(v) = v {
            it.insert(attr.into(), item::s(v));
        }
    }
    if !profile.claimed.is_empty() {
        it.insert(
            "claimed".into(),
            AttributeValue::Ss(profile.claimed.iter().cloned().collect()),
        );
    }
    if !profile.cards.is_empty() {
        it.insert(
            "cards".into(),
            AttributeValue::M(
                profile
                    .cards
                    .iter()
                    .map(|(id, c)| (id.clone(), encode_card(c)))
                    .collect(),
            ),
        );
    }
    Write::Put {
        item: it,
        cond: Cond::Version(profile.version),
    }
}

/// Claims a store-credit card number for a member; the number is unique per shop, so a
/// collision fails the transaction instead of sharing a number.
pub fn credit_card_no_put(shop: &ShopId, no: &str, member: &MemberId) -> Write {
    let mut it = item::with_key(&keys::credit_card_no(shop, no), "credit_card_no");
    it.insert("member_id".into(), item::s(member.as_str()));
    Write::Put {
        item: it,
        cond: Cond::NotExists,
    }
}

/// Retires a number on reset: it stops resolving (001: irreversible).
pub fn credit_card_no_delete(shop: &ShopId, no: &str) -> Write {
    Write::Delete {
        key: keys::credit_card_no(shop, no),
        condition: None,
        values: HashMap::new(),
    }
}

/// The member a credit card number belongs to, if it is current.
pub fn credit_card_holder(snapshot: &Snapshot, shop: &ShopId, no: &str) -> Option<String> {
    snapshot
        .get(&keys::credit_card_no(shop, no))
        .and_then(|it| item::opt_s(it, "member_id"))
        .map(str::to_owned)
}

/// Claims a member number or a phone for a member: the write fails if someone holds it.
pub fn claim_unique(key: Key, member: &MemberId) -> Write {
    let mut it = item::with_key(&key, "unique");
    it.insert("member_id".into(), item::s(member.as_str()));
    Write::Put {
        item: it,
        cond: Cond::NotExists,
    }
}

/// Frees a member number or phone the member no longer uses (only if it is still theirs).
pub fn free_unique(key: Key, member: &MemberId) -> Write {
    Write::Delete {
        key,
        condition: Some("member_id = :m".into()),
        values: HashMap::from([(":m".to_owned(), item::s(member.as_str()))]),
    }
}

/// Who holds a member number, phone or card number item, if anyone.
pub fn holder(snapshot: &Snapshot, key: &Key) -> Option<String> {
    snapshot
        .get(key)
        .and_then(|it| item::opt_s(it, "member_id"))
        .map(str::to_owned)
}

/// One page of the shop's registered members, newest registration first, optionally only
/// those at `level` (as of their last write): a Query on GSI1, never a scan.
pub struct MemberPage {
    pub items: Vec<(MemberId, Profile)>,
    pub next: Option<String>,
}

impl crate::Store {
    pub async fn members_page(
        &self,
        shop: &ShopId,
        level: Option<&str>,
        limit: i32,
        after: Option<&str>,
    ) -> Result<MemberPage, StoreError> {
        let pk = keys::registered_pk(shop);
        // The cursor is the last item's index key; the table key follows from it.
        let start = match after {
            None => None,
            Some(sk) => {
                let member = sk
                    .split_once('#')
                    .and_then(|(_, m)| MemberId::parse(m).ok())
                    .ok_or_else(|| StoreError::Corrupt("cursor".into()))?;
                let key = keys::profile(shop, &member);
                Some(HashMap::from([
                    (keys::PK.to_owned(), item::s(&key.pk)),
                    (keys::SK.to_owned(), item::s(&key.sk)),
                    (keys::GSI1PK.to_owned(), item::s(&pk)),
                    (keys::GSI1SK.to_owned(), item::s(sk)),
                ]))
            }
        };
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", keys::GSI1PK)
            .expression_attribute_values(":pk", item::s(&pk))
            .scan_index_forward(false)
            .limit(limit)
            .set_exclusive_start_key(start);
        if let Some(level) = level {
            query = query
                .filter_expression("ladder_level = :level")
                .expression_attribute_values(":level", item::s(level));
        }
        let page = query.send().await.map_err(crate::sdk)?;
        let mut items = Vec::new();
        for it in page.items.unwrap_or_default() {
            let member = MemberId::parse(item::get_s(&it, "member_id")?)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let snapshot = Snapshot::of([(keys::profile(shop, &member), it)]);
            items.push((member.clone(), read(&snapshot, shop, &member)?));
        }
        let next = match page.last_evaluated_key {
            Some(k) => Some(item::get_s(&k, keys::GSI1SK)?.to_owned()),
            None => None,
        };
        Ok(MemberPage { items, next })
    }
}

/// Whether the snapshot knows the member at all: a profile or any account (a member may
/// have balances before a profile, from an adjustment or an import).
pub fn known(snapshot: &Snapshot, shop: &ShopId, member: &MemberId) -> bool {
    snapshot.get(&keys::profile(shop, member)).is_some()
        || [AccountKind::Points, AccountKind::Credit, AccountKind::Value]
            .into_iter()
            .any(|k| snapshot.get(&keys::account(shop, member, k)).is_some())
}
