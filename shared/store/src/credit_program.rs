//! The credit program item: the program as one JSON text (the API's own shape, so the
//! admin function parses its input with the same codec), with the switch and the
//! notification switches on top for readers that need only those.

use aws_sdk_dynamodb::types::AttributeValue;
use domain::store_credit::{
    CreditExpiry, CreditProgram, CumulativeSpend, Grant, NotifySwitches, Rule,
};
use domain::{Currency, Money, ShopId};
use serde_json::{json, Value};

use crate::item;
use crate::keys::{self, Program};
use crate::{Cond, Snapshot, StoreError, Write};
use domain::notice::Event;

/// Reads a credit program from its JSON; the message says what is wrong.
pub fn from_json(v: &Value, currency: &Currency) -> Result<CreditProgram, String> {
    let money = |v: &Value, what: &str| -> Result<Money, String> {
        let text = v
            .as_str()
            .ok_or_else(|| format!("{what} is a decimal string"))?;
        Money::parse_non_negative(text, currency).map_err(|e| format!("{what}: {e}"))
    };
    let expiry = |v: &Value| -> Result<Option<CreditExpiry>, String> {
        if v.is_null() {
            return Ok(None);
        }
        Ok(Some(match v["kind"].as_str() {
            Some("never") => CreditExpiry::Never,
            Some("days") => CreditExpiry::Days(
                v["days"]
                    .as_u64()
                    .and_then(|d| u32::try_from(d).ok())
                    .ok_or("expiry days is a whole number")?,
            ),
            Some("until") => CreditExpiry::Until(
                v["date"]
                    .as_str()
                    .and_then(|d| domain::time::parse_date(d).ok())
                    .ok_or("expiry until needs a date YYYY-MM-DD (years 1900-9999)")?,
            ),
            _ => return Err("expiry kind is never, days or until".into()),
        }))
    };
    let grant = |v: &Value| -> Result<Grant, String> {
        match (&v["fixed"], &v["per"], &v["give"]) {
            (f, Value::Null, Value::Null) if !f.is_null() => Ok(Grant::Fixed(money(f, "fixed")?)),
            (Value::Null, per, give) => Ok(Grant::PerSpend {
                per: money(per, "per")?,
                give: money(give, "give")?,
            }),
            _ => Err("a grant is {\"fixed\"} or {\"per\",\"give\"}".into()),
        }
    };
    let bool_or = |v: &Value, default: bool| v.as_bool().unwrap_or(default);
    let mut p = CreditProgram {
        enabled: v["enabled"].as_bool().ok_or("enabled is required")?,
        expiry: expiry(&v["expiry"])?.unwrap_or(CreditExpiry::Never),
        first_order: None,
        each_order: None,
        registration: None,
        order_count: None,
        cumulative_spend: None,
        notify: NotifySwitches {
            issued: bool_or(&v["notify"]["issued"], true),
            used: bool_or(&v["notify"]["used"], true),
            expiring: bool_or(&v["notify"]["expiring"], true),
            refund: bool_or(&v["notify"]["refund"], true),
        },
    };
    let rules = match &v["rules"] {
        Value::Null => Vec::new(),
        Value::Array(list) => list.clone(),
        _ => return Err("rules is a list".into()),
    };
    for r in &rules {
        let own = expiry(&r["expiry"])?;
        let kind = r["type"].as_str().unwrap_or_default();
        let taken = match kind {
            "first_order" => p
                .first_order
                .replace(Rule {
                    rule: grant(&r["grant"])?,
                    expiry: own,
                })
                .is_some(),
            "each_order" => {
                let min = match &r["min_order"] {
                    Value::Null => Money::ZERO,
                    m => money(m, "min_order")?,
                };
                p.each_order
                    .replace((
                        Rule {
                            rule: grant(&r["grant"])?,
                            expiry: own,
                        },
                        min,
                    ))
                    .is_some()
            }
            "registration" => {
                let fixed = match grant(&r["grant"])? {
                    Grant::Fixed(m) => m,
                    Grant::PerSpend { .. } => {
                        return Err("registration grants a fixed amount".into())
                    }
                };
                p.registration
                    .replace(Rule {
                        rule: fixed,
                        expiry: own,
                    })
                    .is_some()
            }
            "order_count" => {
                let tiers = r["tiers"]
                    .as_array()
                    .ok_or("order_count needs tiers")?
                    .iter()
                    .map(|t| {
                        Ok((
                            t["orders"]
                                .as_u64()
                                .ok_or("a tier's orders is a whole number")?,
                            money(&t["give"], "give")?,
                        ))
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                p.order_count
                    .replace(Rule {
                        rule: tiers,
                        expiry: own,
                    })
                    .is_some()
            }
            "cumulative_spend" => {
                let rule = match (&r["every"], &r["tiers"]) {
                    (every, Value::Null) if !every.is_null() => CumulativeSpend::Every {
                        per: money(&every["per"], "per")?,
                        give: money(&every["give"], "give")?,
                    },
                    (Value::Null, Value::Array(tiers)) => CumulativeSpend::Tiers(
                        tiers
                            .iter()
                            .map(|t| Ok((money(&t["spend"], "spend")?, money(&t["give"], "give")?)))
                            .collect::<Result<Vec<_>, String>>()?,
                    ),
                    _ => return Err("cumulative_spend has every or tiers".into()),
                };
                p.cumulative_spend
                    .replace(Rule { rule, expiry: own })
                    .is_some()
            }
            other => return Err(format!("unknown rule type {other:?}")),
        };
        if taken {
            return Err(format!("one {kind} rule at most"));
        }
    }
    p.check().map_err(|e| e.to_string())?;
    Ok(p)
}

/// The program in the API's shape, amounts in the shop's currency.
pub fn to_json(p: &CreditProgram, currency: &Currency) -> Value {
    let m = |m: &Money| domain::money::Shown::of(*m, currency);
    let expiry = |e: &CreditExpiry| match e {
        CreditExpiry::Never => json!({"kind": "never"}),
        CreditExpiry::Days(d) => json!({"kind": "days", "days": d}),
        CreditExpiry::Until(d) => json!({"kind": "until", "date": d.to_string()}),
    };
    let grant = |g: &Grant| match g {
        Grant::Fixed(f) => json!({"fixed": m(f)}),
        Grant::PerSpend { per, give } => json!({"per": m(per), "give": m(give)}),
    };
    let with_expiry = |mut v: Value, own: &Option<CreditExpiry>| {
        if let Some(e) = own {
            v["expiry"] = expiry(e);
        }
        v
    };
    let mut rules = Vec::new();
    if let Some(r) = &p.first_order {
        rules.push(with_expiry(
            json!({"type": "first_order", "grant": grant(&r.rule)}),
            &r.expiry,
        ));
    }
    if let Some((r, min)) = &p.each_order {
        rules.push(with_expiry(
            json!({"type": "each_order", "grant": grant(&r.rule), "min_order": m(min)}),
            &r.expiry,
        ));
    }
    if let Some(r) = &p.registration {
        rules.push(with_expiry(
            json!({"type": "registration", "grant": {"fixed": m(&r.rule)}}),
            &r.expiry,
        ));
    }
    if let Some(r) = &p.order_count {
        let tiers: Vec<Value> = r
            .rule
            .iter()
            .map(|(n, g)| json!({"orders": n, "give": m(g)}))
            .collect();
        rules.push(with_expiry(
            json!({"type": "order_count", "tiers": tiers}),
            &r.expiry,
        ));
    }
    if let Some(r) = &p.cumulative_spend {
        let v = match &r.rule {
            CumulativeSpend::Every { per, give } => {
                json!({"type": "cumulative_spend", "every": {"per": m(per), "give": m(give)}})
            }
            CumulativeSpend::Tiers(t) => json!({"type": "cumulative_spend", "tiers":
                t.iter().map(|(s, g)| json!({"spend": m(s), "give": m(g)})).collect::<Vec<_>>()}),
        };
        rules.push(with_expiry(v, &r.expiry));
    }
    json!({
        "enabled": p.enabled,
        "expiry": expiry(&p.expiry),
        "rules": rules,
        "notify": {"issued": p.notify.issued, "used": p.notify.used,
                   "expiring": p.notify.expiring, "refund": p.notify.refund},
    })
}

pub fn read(
    snapshot: &Snapshot,
    shop: &ShopId,
    currency: &Currency,
) -> Result<(Option<CreditProgram>, u64), StoreError> {
    let Some(found) = snapshot.get(&keys::program(shop, Program::Credit)) else {
        return Ok((None, 0));
    };
    let version = item::get_u64_or_zero(found, "version")?;
    let text = item::get_s(found, "program")?;
    let v: Value =
        serde_json::from_str(text).map_err(|_| StoreError::Corrupt("credit program".into()))?;
    let p =
        from_json(&v, currency).map_err(|e| StoreError::Corrupt(format!("credit program: {e}")))?;
    Ok((Some(p), version))
}

pub fn put(shop: &ShopId, p: &CreditProgram, currency: &Currency, read_version: u64) -> Write {
    let mut it = item::with_key(&keys::program(shop, Program::Credit), "program");
    it.insert("enabled".into(), AttributeValue::Bool(p.enabled));
    for (event, on) in [
        (Event::Issued, p.notify.issued),
        (Event::Used, p.notify.used),
        (Event::Expiring, p.notify.expiring),
        (Event::Refund, p.notify.refund),
    ] {
        it.insert(
            format!("notify_{}", event.as_str()),
            AttributeValue::Bool(on),
        );
    }
    it.insert("program".into(), item::s(to_json(p, currency).to_string()));
    it.insert("version".into(), item::n(read_version + 1));
    Write::Put {
        item: it,
        cond: Cond::Version(read_version),
    }
}

/// Whether the shop sends this notification: only with a credit program that has the
/// switch on (a disabled program still sends: its credit is still spent and expires).
pub fn notify_enabled(snapshot: &Snapshot, shop: &ShopId, event: Event) -> bool {
    // A level bought is news the member paid for, and a coupon's end is news the contract
    // promises (API 1.3): they have no switch.
    if matches!(
        event,
        Event::LevelUpgraded | Event::Recharge | Event::CouponExpiring
    ) {
        return true;
    }
    snapshot
        .get(&keys::program(shop, Program::Credit))
        .and_then(|it| it.get(&format!("notify_{}", event.as_str())))
        .and_then(|v| v.as_bool().ok().copied())
        .unwrap_or(false)
}
