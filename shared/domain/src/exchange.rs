//! Points for gifts at the till (seed 003 积分兑换礼品): the shop's exchange rules, set with
//! the points program. An exchange spends points earliest-expiring first; a gift with stock
//! is a conditional counter (the store's), so concurrent exchanges never give more than
//! there is. 003: at the till only, never online.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::document::DocumentError;
use crate::points::MAX_GRANT_POINTS;

pub const MAX_RULES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRule {
    pub rule_id: String,
    pub points: i64,
    pub gift: String,
    /// `None`: no stock kept (unlimited).
    pub stock: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    rule_id: String,
    points: i64,
    gift: String,
    #[serde(default)]
    stock: Option<u64>,
}

/// The `exchange` list of `PUT /admin/programs/points`.
pub fn parse(v: &Value) -> Result<Vec<ExchangeRule>, DocumentError> {
    let raw: Vec<Raw> = DocumentError::from_json(v)?;
    if raw.len() > MAX_RULES {
        return Err(DocumentError::Invalid(format!(
            "at most {MAX_RULES} exchange rules"
        )));
    }
    let mut seen = BTreeSet::new();
    raw.into_iter()
        .map(|r| {
            let id = crate::RuleId::parse(&r.rule_id)
                .map_err(|e| DocumentError::Invalid(e.to_string()))?
                .to_string();
            let wrong = |m: &str| DocumentError::Invalid(format!("exchange rule {id}: {m}"));
            if !seen.insert(id.clone()) {
                return Err(wrong("its id is used twice"));
            }
            if !(1..=MAX_GRANT_POINTS).contains(&r.points) {
                return Err(wrong("points are above zero"));
            }
            if r.gift.trim().is_empty() || r.gift.chars().count() > 60 {
                return Err(wrong("gift is 1-60 characters"));
            }
            if r.stock.is_some_and(|s| s > 1_000_000_000) {
                return Err(wrong("stock is at most 1000000000"));
            }
            Ok(ExchangeRule {
                rule_id: id.clone(),
                points: r.points,
                gift: r.gift.trim().to_owned(),
                stock: r.stock,
            })
        })
        .collect()
}

/// The rules as set (stock as set; what is left is read from the counters).
pub fn view(rules: &[ExchangeRule]) -> Value {
    Value::Array(
        rules
            .iter()
            .map(|r| json!({"rule_id": r.rule_id, "points": r.points, "gift": r.gift, "stock": r.stock}))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_003_exchange_rules_are_checked_whole() {
        let ok = parse(
            &json!([{"rule_id": "tote", "points": 500, "gift": "Tote bag", "stock": 100},
                               {"rule_id": "mug", "points": 200, "gift": "Mug", "stock": null}]),
        )
        .unwrap();
        assert_eq!((ok[0].stock, ok[1].stock), (Some(100), None));
        for (bad, says) in [
            (
                json!([{"rule_id": "a", "points": 0, "gift": "A"}]),
                "above zero",
            ),
            (json!([{"rule_id": "a", "points": 1, "gift": " "}]), "gift"),
            (
                json!([{"rule_id": "a", "points": 1, "gift": "A"}, {"rule_id": "a", "points": 2, "gift": "B"}]),
                "twice",
            ),
            (
                json!([{"rule_id": "a", "points": 1, "gift": "A", "stock": -1}]),
                "invalid",
            ),
        ] {
            let err = parse(&bad).unwrap_err().to_string();
            assert!(err.contains(says) || says == "invalid", "{says}: {err}");
        }
    }
}
