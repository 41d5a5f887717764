//! Program items (points, credit). Only the switch and name are read here so far; the
//! programs' rules are added by the operations that use them.

use domain::ShopId;

use crate::item;
use crate::keys::{self, Program};
use crate::Snapshot;

/// Whether the program exists and is switched on.
pub fn enabled(snapshot: &Snapshot, shop: &ShopId, program: Program) -> bool {
    snapshot
        .get(&keys::program(shop, program))
        .and_then(|it| it.get("enabled"))
        .and_then(|v| v.as_bool().ok().copied())
        .unwrap_or(false)
}

/// The custom name of the program's unit ("Points", "Stars"), if one was set.
pub fn name(snapshot: &Snapshot, shop: &ShopId, program: Program) -> Option<String> {
    snapshot
        .get(&keys::program(shop, program))
        .and_then(|it| item::opt_s(it, "name"))
        .map(str::to_owned)
}

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::chrono::{DateTime, Utc};
use domain::points::{
    BirthdayScope, Earn, EarnRules, Match, PointsExpiry, PointsProgram, ProgramVersions,
    RedeemTiers, RedeemWindows,
};
use domain::Money;

use crate::{Cond, StoreError, Write};

/// The points program with its kept versions, and the item version it was read at.
pub fn read_points(
    snapshot: &Snapshot,
    shop: &ShopId,
) -> Result<(ProgramVersions, u64), StoreError> {
    let Some(found) = snapshot.get(&keys::program(shop, Program::Points)) else {
        return Ok((ProgramVersions::default(), 0));
    };
    let corrupt = || StoreError::Corrupt("points program version".into());
    let mut versions = ProgramVersions::default();
    if let Some(AttributeValue::L(list)) = found.get("versions") {
        for v in list {
            let m = v.as_m().map_err(|_| corrupt())?;
            let num = |attr: &str| item::get_i64(m, attr);
            let months = num("expiry_months")?;
            versions.versions.push((
                item::get_time(m, "from")?,
                PointsProgram {
                    enabled: m
                        .get("enabled")
                        .and_then(|b| b.as_bool().ok().copied())
                        .unwrap_or(false),
                    name: item::get_s(m, "name")?.to_owned(),
                    earn_per_unit: u32::try_from(num("earn")?).map_err(|_| corrupt())?,
                    redeem_per_unit: u32::try_from(num("redeem")?).map_err(|_| corrupt())?,
                    expiry: if months == 0 {
                        PointsExpiry::Never
                    } else {
                        PointsExpiry::Months(u32::try_from(months).map_err(|_| corrupt())?)
                    },
                    max_redeem_points: num("max_points").ok(),
                    max_redeem_percent: num("max_percent").ok().and_then(|p| u32::try_from(p).ok()),
                    windows: match item::opt_s(m, "windows") {
                        None => RedeemWindows::default(),
                        Some(text) => decode_windows(text).ok_or_else(corrupt)?,
                    },
                    earn_rules: match item::opt_s(m, "earn_rules") {
                        None => EarnRules::default(),
                        Some(text) => decode_earn_rules(text).ok_or_else(corrupt)?,
                    },
                    reset_yearly: m
                        .get("reset_yearly")
                        .and_then(|b| b.as_bool().ok().copied())
                        .unwrap_or(false),
                    pending_days: num("pending_days")
                        .ok()
                        .and_then(|d| u32::try_from(d).ok())
                        .unwrap_or(0),
                    tiers: match m.get("tiers") {
                        Some(AttributeValue::L(tiers)) => RedeemTiers(
                            tiers
                                .iter()
                                .map(|t| {
                                    let t = t.as_m().map_err(|_| corrupt())?;
                                    Ok((
                                        item::get_i64(t, "points")?,
                                        Money::from_stored(item::get_decimal(t, "discount")?),
                                    ))
                                })
                                .collect::<Result<Vec<_>, StoreError>>()?,
                        ),
                        _ => RedeemTiers::default(),
                    },
                },
            ));
        }
    }
    Ok((versions, item::get_u64_or_zero(found, "version")?))
}

/// Earning rules are configuration, written and read as one JSON text.
fn encode_earn_rules(r: &EarnRules) -> String {
    let rules: Vec<serde_json::Value> = r
        .rules
        .iter()
        .map(|(m, e)| {
            let (on, key) = match m {
                Match::Special(s) => ("special", s),
                Match::Product(s) => ("product", s),
                Match::Category(c) => ("category", c),
            };
            let (how, value) = match e {
                Earn::PerUnit(v) => ("per_unit", i64::from(*v)),
                Earn::Fixed(v) => ("fixed", *v),
                Earn::PercentOfPrice(v) => ("percent", i64::from(*v)),
            };
            serde_json::json!({"on": on, "key": key, "how": how, "value": value})
        })
        .collect();
    serde_json::json!({
        "rules": rules,
        "exclude_promotional": r.exclude_promotional,
        "exclude_member_price": r.exclude_member_price,
        "exclude_campaign": r.exclude_campaign,
        "exclude_no_sku": r.exclude_no_sku,
        "multipliers": r.multipliers.iter()
            .map(|(f, u, x)| [f.to_string(), u.to_string(), x.to_string()])
            .collect::<Vec<_>>(),
        "holidays": r.holidays.iter()
            .map(|(d, x)| [d.to_string(), x.to_string()])
            .collect::<Vec<_>>(),
        "levels": r.levels.iter()
            .map(|(l, x)| [l.clone(), x.to_string()])
            .collect::<Vec<_>>(),
        "birthday": r.birthday.map(|(scope, x)| [
            match scope { BirthdayScope::Day => "day", BirthdayScope::Month => "month" }.to_owned(),
            x.to_string(),
        ]),
    })
    .to_string()
}

fn decode_earn_rules(text: &str) -> Option<EarnRules> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let rules = v["rules"]
        .as_array()?
        .iter()
        .map(|r| {
            let key = r["key"].as_str()?.to_owned();
            let value = r["value"].as_i64()?;
            let on = match r["on"].as_str()? {
                "special" => Match::Special(key),
                "product" => Match::Product(key),
                "category" => Match::Category(key),
                _ => return None,
            };
            let how = match r["how"].as_str()? {
                "per_unit" => Earn::PerUnit(u32::try_from(value).ok()?),
                "fixed" => Earn::Fixed(value),
                "percent" => Earn::PercentOfPrice(u32::try_from(value).ok()?),
                _ => return None,
            };
            Some((on, how))
        })
        .collect::<Option<Vec<_>>>()?;
    let multipliers = v["multipliers"]
        .as_array()?
        .iter()
        .map(|m| {
            Some((
                m[0].as_str()?.parse().ok()?,
                m[1].as_str()?.parse().ok()?,
                m[2].as_str()?.parse().ok()?,
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    // Versions written before holidays, levels and birthdays existed have none.
    let pairs = |attr: &str| -> Option<Vec<(String, String)>> {
        match v[attr].as_array() {
            None => Some(Vec::new()),
            Some(list) => list
                .iter()
                .map(|p| Some((p[0].as_str()?.to_owned(), p[1].as_str()?.to_owned())))
                .collect(),
        }
    };
    let holidays = pairs("holidays")?
        .into_iter()
        .map(|(d, x)| Some((d.parse().ok()?, x.parse().ok()?)))
        .collect::<Option<Vec<_>>>()?;
    let levels = pairs("levels")?
        .into_iter()
        .map(|(l, x)| Some((l, x.parse().ok()?)))
        .collect::<Option<Vec<_>>>()?;
    let birthday = match v["birthday"].as_array() {
        None => None,
        Some(b) => Some((
            match b.first()?.as_str()? {
                "day" => BirthdayScope::Day,
                "month" => BirthdayScope::Month,
                _ => return None,
            },
            b.get(1)?.as_str()?.parse().ok()?,
        )),
    };
    Some(EarnRules {
        rules,
        exclude_promotional: v["exclude_promotional"].as_bool()?,
        exclude_member_price: v["exclude_member_price"].as_bool()?,
        // Versions stored before campaign exclusions existed read as not excluding.
        exclude_campaign: v["exclude_campaign"].as_bool().unwrap_or(false),
        exclude_no_sku: v["exclude_no_sku"].as_bool().unwrap_or(false),
        multipliers,
        holidays,
        birthday,
        levels,
    })
}

/// Windows are configuration, written and read as one JSON text.
fn encode_windows(w: &RedeemWindows) -> String {
    serde_json::json!({
        "dates": w.dates.iter().map(|(f, u)| [f.to_string(), u.to_string()]).collect::<Vec<_>>(),
        "days_of_month": w.days_of_month,
        "days_of_week": w.days_of_week.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
    })
    .to_string()
}

fn decode_windows(text: &str) -> Option<RedeemWindows> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let dates = v["dates"]
        .as_array()?
        .iter()
        .map(|pair| {
            Some((
                pair[0].as_str()?.parse().ok()?,
                pair[1].as_str()?.parse().ok()?,
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    let days_of_month = v["days_of_month"]
        .as_array()?
        .iter()
        .map(|d| d.as_u64().and_then(|d| u32::try_from(d).ok()))
        .collect::<Option<Vec<_>>>()?;
    let days_of_week = v["days_of_week"]
        .as_array()?
        .iter()
        .map(|d| d.as_str()?.parse().ok())
        .collect::<Option<Vec<_>>>()?;
    Some(RedeemWindows {
        dates,
        days_of_month,
        days_of_week,
    })
}

fn encode_version(from: DateTime<Utc>, p: &PointsProgram) -> AttributeValue {
    let mut m = HashMap::from([
        ("from".to_owned(), item::time(from)),
        ("enabled".to_owned(), AttributeValue::Bool(p.enabled)),
        ("name".to_owned(), item::s(&p.name)),
        ("earn".to_owned(), item::n(p.earn_per_unit)),
        ("redeem".to_owned(), item::n(p.redeem_per_unit)),
        (
            "expiry_months".to_owned(),
            item::n(match p.expiry {
                PointsExpiry::Never => 0,
                PointsExpiry::Months(m) => m,
            }),
        ),
    ]);
    if p.reset_yearly {
        m.insert("reset_yearly".to_owned(), AttributeValue::Bool(true));
    }
    if p.pending_days > 0 {
        m.insert("pending_days".to_owned(), item::n(p.pending_days));
    }
    if let Some(max) = p.max_redeem_points {
        m.insert("max_points".to_owned(), item::n(max));
    }
    if let Some(pct) = p.max_redeem_percent {
        m.insert("max_percent".to_owned(), item::n(pct));
    }
    if p.earn_rules != EarnRules::default() {
        m.insert(
            "earn_rules".to_owned(),
            item::s(encode_earn_rules(&p.earn_rules)),
        );
    }
    if p.windows != RedeemWindows::default() {
        m.insert("windows".to_owned(), item::s(encode_windows(&p.windows)));
    }
    if !p.tiers.0.is_empty() {
        m.insert(
            "tiers".to_owned(),
            AttributeValue::L(
                p.tiers
                    .0
                    .iter()
                    .map(|(points, discount)| {
                        AttributeValue::M(HashMap::from([
                            ("points".to_owned(), item::n(points)),
                            ("discount".to_owned(), item::n(discount.amount())),
                        ]))
                    })
                    .collect(),
            ),
        );
    }
    AttributeValue::M(m)
}

/// Writes the program's versions; the current one's switch and name are kept on top for
/// readers that need only those.
pub fn put_points(shop: &ShopId, versions: &ProgramVersions, read_version: u64) -> Write {
    let mut it = item::with_key(&keys::program(shop, Program::Points), "program");
    if let Some(current) = versions.current() {
        it.insert("enabled".into(), AttributeValue::Bool(current.enabled));
        it.insert("name".into(), item::s(&current.name));
    }
    it.insert(
        "versions".into(),
        AttributeValue::L(
            versions
                .versions
                .iter()
                .map(|(from, p)| encode_version(*from, p))
                .collect(),
        ),
    );
    it.insert("version".into(), item::n(read_version + 1));
    Write::Put {
        item: it,
        cond: Cond::Version(read_version),
    }
}
