//! Stored value (003): the value program item (the API's own JSON, like the credit
//! program) and recharge records, kept for their refunds.

use std::collections::BTreeSet;

use domain::chrono::{DateTime, Utc};
use domain::stored_value::{self, ValueProgram};
use domain::{Currency, Money, ShopId};
use serde_json::Value;

use crate::item::{self, Item};
use crate::keys::{self, Program};
use crate::{Cond, Snapshot, StoreError, Write};

/// The program and the version it was read at (0: none yet). The levels a stored program
/// names were checked when it was set; reading it again does not depend on the ladder.
pub fn read_program(
    snapshot: &Snapshot,
    shop: &ShopId,
    currency: &Currency,
) -> Result<(Option<ValueProgram>, u64), StoreError> {
    let Some(found) = snapshot.get(&keys::program(shop, Program::Value)) else {
        return Ok((None, 0));
    };
    let version = item::get_u64_or_zero(found, "version")?;
    let v: Value = serde_json::from_str(item::get_s(found, "program")?)
        .map_err(|_| StoreError::Corrupt("value program".into()))?;
    let named: BTreeSet<String> = v["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| {
            let levels = r["levels"].as_array().cloned().unwrap_or_default();
            levels
                .into_iter()
                .chain(std::iter::once(r["upgrade_to"].clone()))
        })
        .filter_map(|l| l.as_str().map(str::to_owned))
        .collect();
    let program = stored_value::parse(&v, currency, &named)
        .map_err(|e| StoreError::Corrupt(format!("value program: {e}")))?;
    Ok((Some(program), version))
}

pub fn put_program(
    shop: &ShopId,
    p: &ValueProgram,
    currency: &Currency,
    read_version: u64,
) -> Write {
    let mut it = item::with_key(&keys::program(shop, Program::Value), "program");
    it.insert(
        "program".into(),
        item::s(stored_value::view(p, currency).to_string()),
    );
    it.insert("version".into(), item::n(read_version + 1));
    Write::Put {
        item: it,
        cond: Cond::Version(read_version),
    }
}

/// A recharge as recorded: what was paid and given, for a refund to take back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RechargeRecord {
    pub recharge_id: String,
    pub member_id: String,
    pub rule_id: Option<String>,
    pub paid: Money,
    pub gift_value: Money,
    pub gift_points: i64,
    pub gift_credit: Money,
    pub channel: String,
    pub at: DateTime<Utc>,
    pub refunded: bool,
    pub version: u64,
}

pub fn read_recharge(
    snapshot: &Snapshot,
    shop: &ShopId,
    recharge_id: &str,
) -> Result<Option<RechargeRecord>, StoreError> {
    let Some(it) = snapshot.get(&keys::recharge(shop, recharge_id)) else {
        return Ok(None);
    };
    let money = |attr: &str| item::get_decimal(it, attr).map(Money::from_stored);
    Ok(Some(RechargeRecord {
        recharge_id: recharge_id.to_owned(),
        member_id: item::get_s(it, "member_id")?.to_owned(),
        rule_id: item::opt_s(it, "rule_id").map(str::to_owned),
        paid: money("paid")?,
        gift_value: money("gift_value")?,
        gift_points: item::get_i64(it, "gift_points")?,
        gift_credit: money("gift_credit")?,
        channel: item::get_s(it, "channel")?.to_owned(),
        at: item::get_time(it, "at")?,
        refunded: item::opt_s(it, "status") == Some("refunded"),
        version: item::get_u64_or_zero(it, "version")?,
    }))
}

/// Writes a recharge record: new (`version` 0, never overwriting) or its refund.
pub fn put_recharge(shop: &ShopId, r: &RechargeRecord) -> Write {
    let mut it: Item = item::with_key(&keys::recharge(shop, &r.recharge_id), "recharge");
    it.insert("member_id".into(), item::s(&r.member_id));
    if let Some(rule) = &r.rule_id {
        it.insert("rule_id".into(), item::s(rule));
    }
    it.insert("paid".into(), item::n(r.paid.amount()));
    it.insert("gift_value".into(), item::n(r.gift_value.amount()));
    it.insert("gift_points".into(), item::n(r.gift_points));
    it.insert("gift_credit".into(), item::n(r.gift_credit.amount()));
    it.insert("channel".into(), item::s(&r.channel));
    it.insert("at".into(), item::time(r.at));
    it.insert(
        "status".into(),
        item::s(if r.refunded { "refunded" } else { "done" }),
    );
    it.insert("version".into(), item::n(r.version + 1));
    Write::Put {
        item: it,
        cond: if r.version == 0 {
            Cond::NotExists
        } else {
            Cond::Version(r.version)
        },
    }
}

/// The once-per-member marker: its write fails if the member used the rule before.
pub fn put_rule_use(
    shop: &ShopId,
    member: &domain::MemberId,
    rule_id: &str,
    recharge_id: &str,
) -> Write {
    let mut it = item::with_key(&keys::rule_use(shop, member, rule_id), "rule_use");
    it.insert("recharge_id".into(), item::s(recharge_id));
    Write::Put {
        item: it,
        cond: Cond::NotExists,
    }
}
