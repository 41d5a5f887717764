//! The level ladder as a request document (`PUT /admin/levels`, API.md "Levels") parsed into
//! a `Ladder` with every rule checked once, the ladder as the API shows it, and a member's
//! standing as the member read shows it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::document::{grant_amounts, DocumentError};
use crate::level::{
    Downgrade, Ladder, Level, LevelDiscount, Metric, PaidUpgrade, Reward, Standing,
    MAX_VALIDITY_DAYS,
};
use crate::points::MAX_GRANT_POINTS;
use crate::{Currency, Decimal, LevelId, Money, ShopTz};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLadder {
    upgrade_by: String,
    #[serde(default = "one")]
    growth_per_unit: u32,
    #[serde(default)]
    default_till: Option<String>,
    #[serde(default)]
    default_online: Option<String>,
    levels: Vec<RawLevel>,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    level_id: String,
    name: String,
    rank: u32,
    threshold: Value,
    #[serde(default)]
    discount: Option<RawDiscount>,
    #[serde(default = "yes")]
    earns_points: bool,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    validity_days: Option<u32>,
    #[serde(default)]
    downgrade: Option<RawDowngrade>,
    #[serde(default)]
    paid_upgrade: Option<RawPaid>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDiscount {
    percent: u32,
    #[serde(default)]
    categories: Option<Vec<String>>,
    #[serde(default)]
    exclude_categories: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDowngrade {
    kind: String,
    #[serde(default)]
    level_id: Option<String>,
    #[serde(default)]
    ranges: Option<Vec<RawRange>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    min: String,
    level_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaid {
    price: String,
    #[serde(default)]
    reward: Option<RawReward>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawReward {
    #[serde(default)]
    points: i64,
    #[serde(default)]
    credit: Option<String>,
    #[serde(default)]
    coupons: Vec<String>,
}

const MAX_NAME: usize = 60;
const MAX_TEXT: usize = 1000;
const MAX_LIST: usize = 100;

/// A ladder from `PUT /admin/levels`; money (spend thresholds, prices, rewards, balance
/// ranges) needs the shop's currency.
pub fn parse(body: &Value, currency: &Currency) -> Result<Ladder, DocumentError> {
    let raw: RawLadder = DocumentError::from_json(body)?;
    let invalid = |m: String| DocumentError::Invalid(m);
    let metric = Metric::parse(&raw.upgrade_by).ok_or_else(|| {
        invalid("upgrade_by is growth, points, cumulative_spend or cumulative_recharge".into())
    })?;
    if raw.growth_per_unit > 1_000_000 {
        return Err(invalid("growth_per_unit is 0-1000000".into()));
    }
    let money = |text: &str, what: &str| -> Result<Money, DocumentError> {
        Money::parse_non_negative(text, currency).map_err(|e| invalid(format!("{what}: {e}")))
    };
    let id = |text: &str| -> Result<String, DocumentError> {
        LevelId::parse(text)
            .map(|l| l.to_string())
            .map_err(|e| invalid(e.to_string()))
    };
    let names = |list: &[String], what: &str| -> Result<(), DocumentError> {
        if list.len() > MAX_LIST
            || list
                .iter()
                .any(|c| c.is_empty() || c.chars().count() > MAX_NAME)
        {
            return Err(invalid(format!(
                "{what}: at most {MAX_LIST} names of 1-{MAX_NAME} characters"
            )));
        }
        Ok(())
    };
    let mut levels = Vec::with_capacity(raw.levels.len());
    for l in &raw.levels {
        let level_id = id(&l.level_id)?;
        let at = |m: &str| invalid(format!("level {level_id}: {m}"));
        if l.name.trim().is_empty() || l.name.chars().count() > MAX_NAME {
            return Err(at(&format!("name is 1-{MAX_NAME} characters")));
        }
        let threshold = match (&l.threshold, metric.is_money()) {
            (Value::String(s), true) => money(s, "threshold")?.amount(),
            (Value::Number(n), false) => match n.as_i64() {
                Some(v) if (0..=MAX_GRANT_POINTS).contains(&v) => Decimal::from(v),
                _ => return Err(at("threshold is a whole number from 0")),
            },
            (_, true) => return Err(at("threshold is a decimal string (money)")),
            (_, false) => return Err(at("threshold is a whole number")),
        };
        let discount = match &l.discount {
            None => None,
            Some(d) => {
                if !(1..=100).contains(&d.percent) {
                    return Err(at("discount percent is what the member pays, 1-100"));
                }
                if let Some(c) = &d.categories {
                    names(c, "discount categories")?;
                }
                names(&d.exclude_categories, "exclude_categories")?;
                Some(LevelDiscount {
                    percent: d.percent,
                    categories: d.categories.as_ref().map(|c| c.iter().cloned().collect()),
                    exclude: d.exclude_categories.iter().cloned().collect(),
                })
            }
        };
        if l.text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TEXT)
        {
            return Err(at(&format!("text is at most {MAX_TEXT} characters")));
        }
        if l.validity_days
            .is_some_and(|d| d == 0 || d > MAX_VALIDITY_DAYS)
        {
            return Err(at(&format!("validity_days is 1-{MAX_VALIDITY_DAYS}")));
        }
        let downgrade = match &l.downgrade {
            None => None,
            Some(d) => Some(match (d.kind.as_str(), &d.level_id, &d.ranges) {
                ("recompute", None, None) => Downgrade::Recompute,
                ("to_level", Some(to), None) => Downgrade::ToLevel(id(to)?),
                ("by_balance", None, Some(ranges)) => {
                    if ranges.is_empty() || ranges.len() > MAX_LIST {
                        return Err(at("by_balance needs 1-100 ranges"));
                    }
                    let mut seen = BTreeSet::new();
                    let mut out = Vec::new();
                    for r in ranges {
                        let min = money(&r.min, "range min")?.amount();
                        if !seen.insert(min) {
                            return Err(at("two balance ranges start at the same min"));
                        }
                        out.push((min, id(&r.level_id)?));
                    }
                    Downgrade::ByBalance(out)
                }
                _ => {
                    return Err(at(
                        "downgrade is {\"kind\":\"recompute\"}, {\"kind\":\"to_level\",\"level_id\"} or {\"kind\":\"by_balance\",\"ranges\"}",
                    ))
                }
            }),
        };
        // 003: growth and points ladders recompute by default when a validity is set.
        let downgrade = match (downgrade, l.validity_days, metric.is_money()) {
            (None, Some(_), false) => Some(Downgrade::Recompute),
            (None, Some(_), true) => {
                return Err(at(
                    "a validity on a spend or recharge ladder needs a downgrade (to_level or by_balance)",
                ))
            }
            (d, _, _) => d,
        };
        let paid_upgrade = match &l.paid_upgrade {
            None => None,
            Some(p) => {
                let price = money(&p.price, "price")?;
                if price.is_zero() {
                    return Err(at("a paid upgrade has a price above zero"));
                }
                let r = p.reward.as_ref();
                let given = r.map_or((0, None), |r| (r.points, r.credit.as_deref()));
                let place = format!("level {level_id}");
                let (points, credit) = grant_amounts(given, currency, &place, "reward")?;
                let coupons = r.map(|r| r.coupons.clone()).unwrap_or_default();
                names(&coupons, "reward coupons")?;
                Some(PaidUpgrade {
                    price,
                    reward: Reward {
                        points,
                        credit,
                        coupons,
                    },
                })
            }
        };
        levels.push(Level {
            level_id,
            name: l.name.trim().to_owned(),
            rank: l.rank,
            threshold,
            discount,
            earns_points: l.earns_points,
            text: l.text.clone(),
            validity_days: l.validity_days,
            downgrade,
            paid_upgrade,
        });
    }
    levels.sort_by_key(|l| l.rank);
    let ladder = Ladder {
        metric,
        growth_per_unit: raw.growth_per_unit,
        default_till: raw.default_till.as_deref().map(id).transpose()?,
        default_online: raw.default_online.as_deref().map(id).transpose()?,
        levels,
    };
    let wrong = ladder.check();
    if !wrong.is_empty() {
        return Err(invalid(wrong.join("; ")));
    }
    Ok(ladder)
}

/// A threshold or count in the metric's unit: integers for growth and points, money
/// strings for spend and recharge.
pub fn metric_value(metric: Metric, value: Decimal, currency: &Currency) -> Value {
    if metric.is_money() {
        json!(crate::money::Shown::new(value, Some(currency)))
    } else {
        json!(rust_decimal::prelude::ToPrimitive::to_i64(&value.trunc()).unwrap_or(i64::MAX))
    }
}

/// The ladder as stored and answered: the request's own shape.
pub fn view(ladder: &Ladder, currency: &Currency) -> Value {
    let money = |m: &Money| crate::money::Shown::of(*m, currency);
    let levels: Vec<Value> = ladder
        .levels
        .iter()
        .map(|l| {
            json!({
                "level_id": l.level_id,
                "name": l.name,
                "rank": l.rank,
                "threshold": metric_value(ladder.metric, l.threshold, currency),
                "discount": l.discount.as_ref().map(|d| json!({
                    "percent": d.percent,
                    "categories": d.categories,
                    "exclude_categories": d.exclude,
                })),
                "earns_points": l.earns_points,
                "text": l.text,
                "validity_days": l.validity_days,
                "downgrade": l.downgrade.as_ref().map(|d| match d {
                    Downgrade::Recompute => json!({"kind": "recompute"}),
                    Downgrade::ToLevel(to) => json!({"kind": "to_level", "level_id": to}),
                    Downgrade::ByBalance(ranges) => json!({"kind": "by_balance", "ranges":
                        ranges.iter().map(|(min, id)| json!({
                            "min": crate::money::Shown::new(*min, Some(currency)),
                            "level_id": id,
                        })).collect::<Vec<_>>()}),
                }),
                "paid_upgrade": l.paid_upgrade.as_ref().map(|p: &PaidUpgrade| json!({
                    "price": money(&p.price),
                    "reward": {
                        "points": p.reward.points,
                        "credit": money(&p.reward.credit),
                        "coupons": p.reward.coupons,
                    },
                })),
            })
        })
        .collect();
    json!({
        "upgrade_by": ladder.metric.as_str(),
        "growth_per_unit": ladder.growth_per_unit,
        "default_till": ladder.default_till,
        "default_online": ladder.default_online,
        "levels": levels,
    })
}

/// The ladder as a shop page may show it (API 1.2 "Storefront", `GET /levels`): names,
/// thresholds and benefits to show progress against, a paid upgrade's price; no defaults by
/// channel, downgrade rules or rewards.
pub fn public_view(ladder: &Ladder, currency: &Currency) -> Value {
    const SHOWN: [&str; 8] = [
        "level_id",
        "name",
        "rank",
        "threshold",
        "discount",
        "earns_points",
        "text",
        "validity_days",
    ];
    let full = view(ladder, currency);
    let levels: Vec<Value> = full["levels"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            let mut v = json!({"paid_upgrade": l["paid_upgrade"].get("price").map(|p| json!({"price": p}))});
            for field in SHOWN {
                v[field] = l[field].clone();
            }
            v
        })
        .collect();
    json!({"upgrade_by": full["upgrade_by"], "currency": currency.code(), "levels": levels})
}

/// The member read's `level` (API.md "Levels"): the level held, since when and until when,
/// a pending upgrade, and the progress toward the next level. `standing` is settled to now.
pub fn standing_view(
    standing: &Standing,
    ladder: &Ladder,
    tz: ShopTz,
    currency: &Currency,
) -> Value {
    let Some(held) = &standing.level else {
        return Value::Null;
    };
    let name = ladder
        .level(&held.level_id)
        .map_or(held.level_id.as_str(), |l| l.name.as_str());
    let progress = standing.progress(ladder);
    let at = |t: DateTime<Utc>| tz.format(t);
    json!({
        "level_id": held.level_id,
        "name": name,
        "since": at(held.since),
        "valid_until": held.valid_until.map(at),
        "pending": standing.pending.as_ref().map(|p| json!({
            "level_id": p.level_id,
            "effective_at": at(p.effective_at),
        })),
        "progress": {
            "metric": ladder.metric.as_str(),
            "value": metric_value(ladder.metric, progress.value, currency),
            "next_level_id": progress.next.map(|l| l.level_id.as_str()),
            "needed": progress.needed.map(|n| metric_value(ladder.metric, n, currency)),
        },
    })
}
