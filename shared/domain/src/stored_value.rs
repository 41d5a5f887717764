//! Stored value (seed 003 会员储值 / 充值规则): the shop's value program (recharge rules with
//! gifts, levels, channels, stores, dates, recharge days, once per member, auto upgrade;
//! any-amount recharges with a minimum) and the decision of one recharge. Pure.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::document::{grant_amounts, DocumentError};
use crate::level::Channel;
use crate::{Currency, Money, Refusal, ShopTz};

pub const MAX_RULES: usize = 100;

/// What a recharge rule gives on top of the value paid (003 赠送项目, several per rule).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Gifts {
    pub value: Money,
    pub points: i64,
    pub credit: Money,
    pub coupons: Vec<String>,
}

/// 003 可充值周期: the shop-local days a rule may be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RechargeDays {
    /// ISO weekdays, 1 = Monday .. 7 = Sunday.
    Weekdays(BTreeSet<u32>),
    MonthDays(BTreeSet<u32>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RechargeRule {
    pub rule_id: String,
    pub name: String,
    pub pay: Money,
    pub gifts: Gifts,
    /// `None`: every level (and members without one).
    pub levels: Option<BTreeSet<String>>,
    /// `None`: every store (003 使用门店, chains).
    pub stores: Option<BTreeSet<String>>,
    pub channels: BTreeSet<&'static str>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub days: Option<RechargeDays>,
    pub once_per_member: bool,
    pub upgrade_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueProgram {
    pub enabled: bool,
    /// 003 任意金额充值: any amount may be recharged (at least `min_amount`); otherwise
    /// only the rules' fixed amounts.
    pub any_amount: bool,
    pub min_amount: Money,
    pub rules: Vec<RechargeRule>,
}

/// What the member asks to recharge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    Rule(String),
    Amount(Money),
}

/// Where and for whom a recharge happens.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub channel: Channel,
    pub store_id: Option<&'a str>,
    pub level_id: Option<&'a str>,
    pub now: DateTime<Utc>,
    pub tz: ShopTz,
}

/// A recharge decided: what is paid, what lands on the value account, the other gifts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recharge {
    pub rule_id: Option<String>,
    pub paid: Money,
    pub gifts: Gifts,
    pub once_per_member: bool,
    pub upgrade_to: Option<String>,
}

impl ValueProgram {
    /// 003: whether this recharge may happen now, and what it gives. `used` says whether
    /// the member already used a once-per-member rule (the store also guards it at commit).
    pub fn decide(
        &self,
        ask: &Ask,
        ctx: &Context<'_>,
        used: impl Fn(&str) -> bool,
    ) -> Result<Recharge, Refusal> {
        if !self.enabled {
            return Err(Refusal::ProgramDisabled(
                "stored value is not enabled".into(),
            ));
        }
        match ask {
            Ask::Amount(amount) => {
                if !self.any_amount {
                    return Err(Refusal::Invalid(
                        "this shop recharges fixed amounts only: name a rule_id".into(),
                    ));
                }
                if amount.is_zero() || amount.amount() < self.min_amount.amount() {
                    return Err(Refusal::Invalid(format!(
                        "the smallest recharge is {}",
                        self.min_amount
                    )));
                }
                Ok(Recharge {
                    rule_id: None,
                    paid: *amount,
                    gifts: Gifts::default(),
                    once_per_member: false,
                    upgrade_to: None,
                })
            }
            Ask::Rule(id) => {
                let rule = self
                    .rules
                    .iter()
                    .find(|r| &r.rule_id == id)
                    .ok_or_else(|| Refusal::Invalid(format!("no recharge rule {id:?}")))?;
                rule.check(ctx)?;
                if rule.once_per_member && used(&rule.rule_id) {
                    return Err(Refusal::RuleAlreadyUsed);
                }
                Ok(Recharge {
                    rule_id: Some(rule.rule_id.clone()),
                    paid: rule.pay,
                    gifts: rule.gifts.clone(),
                    once_per_member: rule.once_per_member,
                    upgrade_to: rule.upgrade_to.clone(),
                })
            }
        }
    }
}

impl ValueProgram {
    /// An online recharge paid: the rule was checked when its purchase was opened; what it
    /// gives is the rule's now, for the amount paid. `None` when the program or the rule is
    /// gone or the member already used a once-per-member rule: the money goes back.
    pub fn paid_online(
        &self,
        rule_id: Option<&str>,
        paid: Money,
        used: impl Fn(&str) -> bool,
    ) -> Option<Recharge> {
        let Some(id) = rule_id else {
            return Some(Recharge {
                rule_id: None,
                paid,
                gifts: Gifts::default(),
                once_per_member: false,
                upgrade_to: None,
            });
        };
        let rule = self.rules.iter().find(|r| r.rule_id == id)?;
        if rule.once_per_member && used(id) {
            return None;
        }
        Some(Recharge {
            rule_id: Some(rule.rule_id.clone()),
            paid,
            gifts: rule.gifts.clone(),
            once_per_member: rule.once_per_member,
            upgrade_to: rule.upgrade_to.clone(),
        })
    }
}

impl RechargeRule {
    /// 003: open today (dates, recharge days, shop-local), for this channel, store and level.
    fn check(&self, ctx: &Context<'_>) -> Result<(), Refusal> {
        let no = |why: String| Err(Refusal::RuleNotApplicable(why));
        let today = ctx.tz.local_date(ctx.now);
        if self.starts_on.is_some_and(|d| today < d) || self.ends_on.is_some_and(|d| today > d) {
            return no(format!("rule {} is not open on {today}", self.rule_id));
        }
        let day_ok = match &self.days {
            None => true,
            Some(RechargeDays::Weekdays(w)) => w.contains(&today.weekday().number_from_monday()),
            Some(RechargeDays::MonthDays(d)) => d.contains(&today.day()),
        };
        if !day_ok {
            return no(format!("rule {} cannot be used on {today}", self.rule_id));
        }
        if !self.channels.contains(ctx.channel.as_str()) {
            return no(format!(
                "rule {} is not for the {} channel",
                self.rule_id,
                ctx.channel.as_str()
            ));
        }
        if let Some(stores) = &self.stores {
            if !ctx.store_id.is_some_and(|s| stores.contains(s)) {
                return no(format!("rule {} is not for this store", self.rule_id));
            }
        }
        if let Some(levels) = &self.levels {
            if !ctx.level_id.is_some_and(|l| levels.contains(l)) {
                return no(format!(
                    "rule {} is not for this member's level",
                    self.rule_id
                ));
            }
        }
        Ok(())
    }
}

// The request document (`PUT /admin/programs/value`) and its view.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgram {
    enabled: bool,
    #[serde(default)]
    any_amount: bool,
    #[serde(default)]
    min_amount: Option<String>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    rule_id: String,
    name: String,
    pay: String,
    #[serde(default)]
    gifts: Option<RawGifts>,
    #[serde(default)]
    levels: Option<Vec<String>>,
    #[serde(default)]
    stores: Option<Vec<String>>,
    #[serde(default)]
    channels: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::time::serde_date::option")]
    starts_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::time::serde_date::option")]
    ends_on: Option<NaiveDate>,
    #[serde(default)]
    days: Option<RawDays>,
    #[serde(default)]
    once_per_member: bool,
    #[serde(default)]
    upgrade_to: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawGifts {
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    points: i64,
    #[serde(default)]
    credit: Option<String>,
    #[serde(default)]
    coupons: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDays {
    #[serde(default)]
    weekdays: Option<Vec<u32>>,
    #[serde(default)]
    month_days: Option<Vec<u32>>,
}

/// A value program from a request body, every limit checked; `level_ids` are the shop's
/// levels (a rule may only name those).
pub fn parse(
    body: &Value,
    currency: &Currency,
    level_ids: &BTreeSet<String>,
) -> Result<ValueProgram, DocumentError> {
    let raw: RawProgram = DocumentError::from_json(body)?;
    let invalid = |m: String| DocumentError::Invalid(m);
    let money = |t: &str, what: &str| {
        Money::parse_non_negative(t, currency).map_err(|e| invalid(format!("{what}: {e}")))
    };
    let id = |t: &str| {
        crate::LevelId::parse(t)
            .map(|i| i.to_string())
            .map_err(|e| invalid(e.to_string()))
    };
    if raw.rules.len() > MAX_RULES {
        return Err(invalid(format!("at most {MAX_RULES} rules")));
    }
    let mut seen = BTreeSet::new();
    let mut rules = Vec::new();
    for r in &raw.rules {
        let rule_id = crate::RuleId::parse(&r.rule_id)
            .map_err(|e| invalid(e.to_string()))?
            .to_string();
        if !seen.insert(rule_id.clone()) {
            return Err(invalid(format!("rule id {rule_id} is used twice")));
        }
        let at = |m: &str| invalid(format!("rule {rule_id}: {m}"));
        if r.name.trim().is_empty() || r.name.chars().count() > 60 {
            return Err(at("name is 1-60 characters"));
        }
        let pay = money(&r.pay, "pay")?;
        if pay.is_zero() {
            return Err(at("pay is above zero"));
        }
        let g = r.gifts.as_ref();
        let given = g.map_or((0, None), |g| (g.points, g.credit.as_deref()));
        let place = format!("rule {rule_id}");
        let (points, credit) = grant_amounts(given, currency, &place, "gift")?;
        let coupons = g.map(|g| g.coupons.clone()).unwrap_or_default();
        if coupons.len() > 20 || coupons.iter().any(|c| c.is_empty() || c.len() > 60) {
            return Err(at("at most 20 coupons of 1-60 characters"));
        }
        let gifts = Gifts {
            value: match g.and_then(|g| g.value.as_deref()) {
                Some(v) => money(v, "gift value")?,
                None => Money::ZERO,
            },
            points,
            credit,
            coupons,
        };
        let set = |list: &Option<Vec<String>>,
                   what: &str|
         -> Result<Option<BTreeSet<String>>, DocumentError> {
            match list {
                None => Ok(None),
                Some(l) if l.is_empty() || l.len() > MAX_RULES => Err(at(&format!(
                    "{what} lists 1-{MAX_RULES} ids, or is null for all"
                ))),
                Some(l) => l.iter().map(|s| id(s)).collect::<Result<_, _>>().map(Some),
            }
        };
        let levels = set(&r.levels, "levels")?;
        if let Some(unknown) = levels
            .iter()
            .flatten()
            .chain(r.upgrade_to.iter())
            .find(|l| !level_ids.contains(*l))
        {
            return Err(at(&format!(
                "{unknown} is not a level of the shop's ladder"
            )));
        }
        let channels: BTreeSet<&'static str> = match &r.channels {
            None => [Channel::Till, Channel::Online].map(|c| c.as_str()).into(),
            Some(list) => list
                .iter()
                .map(|c| Channel::parse(c).map(|c| c.as_str()))
                .collect::<Option<_>>()
                .filter(|s: &BTreeSet<_>| !s.is_empty())
                .ok_or_else(|| at("channels are \"till\" and/or \"online\""))?,
        };
        if let (Some(from), Some(until)) = (r.starts_on, r.ends_on) {
            if until < from {
                return Err(at("ends_on is before starts_on"));
            }
        }
        let days = match &r.days {
            None => None,
            Some(RawDays {
                weekdays: Some(w),
                month_days: None,
            }) if !w.is_empty() && w.iter().all(|d| (1..=7).contains(d)) => {
                Some(RechargeDays::Weekdays(w.iter().copied().collect()))
            }
            Some(RawDays {
                weekdays: None,
                month_days: Some(d),
            }) if !d.is_empty() && d.iter().all(|d| (1..=31).contains(d)) => {
                Some(RechargeDays::MonthDays(d.iter().copied().collect()))
            }
            Some(_) => {
                return Err(at(
                    "days is {\"weekdays\": [1-7]} or {\"month_days\": [1-31]}",
                ))
            }
        };
        rules.push(RechargeRule {
            rule_id: rule_id.clone(),
            name: r.name.trim().to_owned(),
            pay,
            gifts,
            levels,
            stores: set(&r.stores, "stores")?,
            channels,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            days,
            once_per_member: r.once_per_member,
            upgrade_to: r.upgrade_to.clone(),
        });
    }
    Ok(ValueProgram {
        enabled: raw.enabled,
        any_amount: raw.any_amount,
        min_amount: match &raw.min_amount {
            Some(m) => money(m, "min_amount")?,
            None => Money::ZERO,
        },
        rules,
    })
}

/// The program as stored and answered: the request's own shape.
pub fn view(p: &ValueProgram, currency: &Currency) -> Value {
    let m = |v: &Money| crate::money::Shown::of(*v, currency);
    json!({
        "enabled": p.enabled,
        "any_amount": p.any_amount,
        "min_amount": m(&p.min_amount),
        "rules": p.rules.iter().map(|r| json!({
            "rule_id": r.rule_id,
            "name": r.name,
            "pay": m(&r.pay),
            "gifts": {"value": m(&r.gifts.value), "points": r.gifts.points,
                      "credit": m(&r.gifts.credit), "coupons": r.gifts.coupons},
            "levels": r.levels,
            "stores": r.stores,
            "channels": r.channels,
            "starts_on": r.starts_on.map(|d| d.to_string()),
            "ends_on": r.ends_on.map(|d| d.to_string()),
            "days": r.days.as_ref().map(|d| match d {
                RechargeDays::Weekdays(w) => json!({"weekdays": w}),
                RechargeDays::MonthDays(d) => json!({"month_days": d}),
            }),
            "once_per_member": r.once_per_member,
            "upgrade_to": r.upgrade_to,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::myr;

    fn program(rule: Value) -> ValueProgram {
        let levels = BTreeSet::from(["silver".to_owned(), "gold".to_owned()]);
        parse(
            &json!({"enabled": true, "any_amount": true, "min_amount": "10.00", "rules": [rule]}),
            &myr(),
            &levels,
        )
        .unwrap()
    }

    fn ctx<'a>(
        channel: Channel,
        store: Option<&'a str>,
        level: Option<&'a str>,
        now: &str,
    ) -> Context<'a> {
        Context {
            channel,
            store_id: store,
            level_id: level,
            now: DateTime::parse_from_rfc3339(now)
                .unwrap()
                .with_timezone(&Utc),
            tz: ShopTz::parse("Asia/Kuala_Lumpur").unwrap(),
        }
    }

    #[test]
    fn seed_003_a_rule_applies_only_on_its_days_dates_channels_stores_and_levels() {
        let p = program(
            json!({"rule_id": "r100", "name": "Top up 100", "pay": "100.00",
            "gifts": {"value": "10.00", "points": 100}, "levels": ["silver"], "stores": ["kl1"],
            "channels": ["till"], "starts_on": "2026-01-01", "ends_on": "2026-12-31",
            "days": {"weekdays": [6, 7]}, "once_per_member": true, "upgrade_to": "gold"}),
        );
        let ask = Ask::Rule("r100".into());
        // Saturday 2026-06-06 in Kuala Lumpur, at the till of kl1, a silver member.
        let ok = ctx(
            Channel::Till,
            Some("kl1"),
            Some("silver"),
            "2026-06-06T10:00:00+08:00",
        );
        let r = p.decide(&ask, &ok, |_| false).unwrap();
        assert_eq!(
            (
                r.paid.to_string(),
                r.gifts.value.to_string(),
                r.gifts.points
            ),
            ("100.00".into(), "10.00".into(), 100)
        );
        assert_eq!(r.upgrade_to.as_deref(), Some("gold"));
        let refused = [
            ctx(
                Channel::Till,
                Some("kl1"),
                Some("silver"),
                "2026-06-05T10:00:00+08:00",
            ), // Friday
            ctx(
                Channel::Till,
                Some("kl1"),
                Some("silver"),
                "2027-01-02T10:00:00+08:00",
            ), // after ends_on
            ctx(
                Channel::Online,
                Some("kl1"),
                Some("silver"),
                "2026-06-06T10:00:00+08:00",
            ),
            ctx(
                Channel::Till,
                Some("pg1"),
                Some("silver"),
                "2026-06-06T10:00:00+08:00",
            ),
            ctx(
                Channel::Till,
                None,
                Some("silver"),
                "2026-06-06T10:00:00+08:00",
            ),
            ctx(
                Channel::Till,
                Some("kl1"),
                Some("gold"),
                "2026-06-06T10:00:00+08:00",
            ),
            ctx(
                Channel::Till,
                Some("kl1"),
                None,
                "2026-06-06T10:00:00+08:00",
            ),
        ];
        for c in &refused {
            assert_eq!(
                p.decide(&ask, c, |_| false).unwrap_err().code(),
                "rule_not_applicable",
                "{c:?}"
            );
        }
        assert_eq!(
            p.decide(&ask, &ok, |_| true).unwrap_err(),
            Refusal::RuleAlreadyUsed
        );
    }

    #[test]
    fn seed_003_any_amount_needs_the_switch_and_the_minimum_and_a_disabled_program_refuses() {
        let mut p = program(json!({"rule_id": "r1", "name": "One", "pay": "50.00"}));
        let c = ctx(Channel::Online, None, None, "2026-06-06T10:00:00+08:00");
        let amount = |s: &str| Ask::Amount(Money::parse(s, &myr()).unwrap());
        assert_eq!(
            p.decide(&amount("25.50"), &c, |_| false)
                .unwrap()
                .paid
                .to_string(),
            "25.50"
        );
        assert_eq!(
            p.decide(&amount("9.99"), &c, |_| false).unwrap_err().code(),
            "invalid_request"
        );
        p.any_amount = false;
        assert_eq!(
            p.decide(&amount("25.50"), &c, |_| false)
                .unwrap_err()
                .code(),
            "invalid_request"
        );
        assert!(p.decide(&Ask::Rule("r1".into()), &c, |_| false).is_ok());
        assert_eq!(
            p.decide(&Ask::Rule("nope".into()), &c, |_| false)
                .unwrap_err()
                .code(),
            "invalid_request"
        );
        p.enabled = false;
        assert_eq!(
            p.decide(&Ask::Rule("r1".into()), &c, |_| false)
                .unwrap_err()
                .code(),
            "program_disabled"
        );
    }

    #[test]
    fn seed_003_programs_naming_unknown_levels_or_bad_days_are_refused() {
        let levels = BTreeSet::from(["silver".to_owned()]);
        for (rule, says) in [
            (
                json!({"rule_id": "a", "name": "A", "pay": "1.00", "upgrade_to": "gold"}),
                "not a level",
            ),
            (
                json!({"rule_id": "a", "name": "A", "pay": "0.00"}),
                "above zero",
            ),
            (
                json!({"rule_id": "a", "name": "A", "pay": "1.00", "days": {"weekdays": [8]}}),
                "weekdays",
            ),
            (
                json!({"rule_id": "a", "name": "A", "pay": "1.00", "channels": ["kiosk"]}),
                "channels",
            ),
            (
                json!({"rule_id": "a", "name": "A", "pay": "1.00", "starts_on": "2026-02-01", "ends_on": "2026-01-01"}),
                "before",
            ),
        ] {
            let err =
                parse(&json!({"enabled": true, "rules": [rule]}), &myr(), &levels).unwrap_err();
            assert!(err.to_string().contains(says), "{says}: {err}");
        }
    }
}
