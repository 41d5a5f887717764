//! The points program as a request document: `PUT /admin/programs/points` parsed into a
//! `PointsProgram` with every limit checked once (004: rates, expiry, caps, tiers and
//! windows; 003: product, category and special-product rules, exclusions, multipliers), and
//! the program as the API shows it.

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::document::DocumentError;
use crate::points::{
    BirthdayScope, Earn, EarnRules, Match, PointsExpiry, PointsProgram, RedeemTiers, RedeemWindows,
};
use crate::{Currency, MemberId, Money, Settings};

/// A program from a request body; money fields (tiers) need the shop's currency.
pub fn parse_program(
    body: &Value,
    currency: Option<&Currency>,
) -> Result<PointsProgram, DocumentError> {
    parse(&DocumentError::from_json(body)?, currency)
}

#[derive(Debug, Deserialize)]
struct RawRule {
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    category: Option<String>,
    /// A special product's rule wins over every other (003).
    #[serde(default)]
    special: bool,
    #[serde(default)]
    per_unit: Option<u32>,
    #[serde(default)]
    fixed: Option<i64>,
    #[serde(default)]
    percent: Option<u32>,
}

#[derive(Debug, Deserialize, Default)]
struct Exclude {
    #[serde(default)]
    promotional: bool,
    #[serde(default)]
    member_price: bool,
    #[serde(default)]
    campaign: bool,
    #[serde(default)]
    no_sku: bool,
}

#[derive(Debug, Deserialize)]
struct RawMultiplier {
    #[serde(deserialize_with = "crate::time::serde_date::deserialize")]
    from: NaiveDate,
    #[serde(deserialize_with = "crate::time::serde_date::deserialize")]
    until: NaiveDate,
    factor: String,
}

#[derive(Debug, Deserialize)]
struct RawHoliday {
    #[serde(deserialize_with = "crate::time::serde_date::deserialize")]
    date: NaiveDate,
    factor: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawScope {
    Day,
    Month,
}

#[derive(Debug, Deserialize)]
struct RawBirthday {
    scope: RawScope,
    factor: String,
}

#[derive(Debug, Deserialize)]
struct Rate {
    points_per_unit: u32,
    /// Multipliers by level: the rule card id that is the level, and its factor.
    #[serde(default)]
    levels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    birthday: Option<RawBirthday>,
    #[serde(default)]
    holidays: Vec<RawHoliday>,
    #[serde(default)]
    rules: Vec<RawRule>,
    #[serde(default)]
    exclude: Exclude,
    #[serde(default)]
    multipliers: Vec<RawMultiplier>,
}

fn earn_rules(raw: &Rate) -> Result<EarnRules, DocumentError> {
    let invalid = |m: &str| DocumentError::Invalid(m.to_owned());
    if raw.rules.len() > 200 || raw.multipliers.len() > 50 {
        return Err(invalid("at most 200 rules and 50 multipliers"));
    }
    let rules = raw
        .rules
        .iter()
        .map(|r| {
            let on = match (&r.product, &r.category, r.special) {
                (Some(p), None, true) => Match::Special(p.clone()),
                (Some(p), None, false) => Match::Product(p.clone()),
                (None, Some(c), false) => Match::Category(c.clone()),
                _ => {
                    return Err(invalid(
                        "a rule names one product (optionally special) or one category",
                    ))
                }
            };
            let how = match (r.per_unit, r.fixed, r.percent) {
                (Some(v), None, None) if v <= 1_000_000 => Earn::PerUnit(v),
                (None, Some(v), None) if (0..=1_000_000_000).contains(&v) => Earn::Fixed(v),
                (None, None, Some(v)) if v <= 1000 => Earn::PercentOfPrice(v),
                _ => return Err(invalid("a rule earns by one of per_unit, fixed or percent")),
            };
            Ok((on, how))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let factor = |text: &str| -> Result<crate::Decimal, DocumentError> {
        match text.parse::<crate::Decimal>() {
            Ok(f) if f >= crate::Decimal::ONE && f <= crate::Decimal::from(100) => Ok(f),
            _ => Err(invalid(
                "a multiplier's factor is a decimal string from 1 to 100",
            )),
        }
    };
    if raw.levels.len() > 50 || raw.holidays.len() > 100 {
        return Err(invalid("at most 50 level and 100 holiday multipliers"));
    }
    let multipliers = raw
        .multipliers
        .iter()
        .map(|m| {
            let factor = factor(&m.factor)?;
            if m.until < m.from {
                return Err(invalid("a multiplier runs from <= until"));
            }
            Ok((m.from, m.until, factor))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let levels = raw
        .levels
        .iter()
        .map(|(level, f)| {
            MemberId::parse(level).map_err(|_| invalid("a level is a rule card id"))?;
            Ok((level.clone(), factor(f)?))
        })
        .collect::<Result<Vec<_>, DocumentError>>()?;
    let holidays = raw
        .holidays
        .iter()
        .map(|h| Ok((h.date, factor(&h.factor)?)))
        .collect::<Result<Vec<_>, DocumentError>>()?;
    let birthday = match &raw.birthday {
        None => None,
        Some(b) => Some((
            match b.scope {
                RawScope::Day => BirthdayScope::Day,
                RawScope::Month => BirthdayScope::Month,
            },
            factor(&b.factor)?,
        )),
    };
    Ok(EarnRules {
        rules,
        exclude_promotional: raw.exclude.promotional,
        exclude_member_price: raw.exclude.member_price,
        exclude_campaign: raw.exclude.campaign,
        exclude_no_sku: raw.exclude.no_sku,
        multipliers,
        holidays,
        birthday,
        levels,
    })
}

#[derive(Debug, Deserialize)]
struct Tier {
    points: i64,
    discount: String,
}

#[derive(Debug, Deserialize)]
struct DateRange {
    #[serde(deserialize_with = "crate::time::serde_date::deserialize")]
    from: NaiveDate,
    #[serde(deserialize_with = "crate::time::serde_date::deserialize")]
    until: NaiveDate,
}

#[derive(Debug, Deserialize, Default)]
struct Windows {
    #[serde(default)]
    dates: Vec<DateRange>,
    #[serde(default)]
    days_of_month: Vec<u32>,
    #[serde(default)]
    days_of_week: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Redeem {
    points_per_unit: u32,
    #[serde(default)]
    max_points: Option<i64>,
    #[serde(default)]
    max_percent: Option<u32>,
    /// Tiered mode: fixed steps instead of the ratio.
    #[serde(default)]
    tiers: Vec<Tier>,
    #[serde(default)]
    windows: Option<Windows>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Expiry {
    Never,
    Months { months: u32 },
}

#[derive(Debug, Deserialize)]
struct RawProgram {
    enabled: bool,
    #[serde(default)]
    name: Option<String>,
    earn: Rate,
    redeem: Redeem,
    #[serde(default)]
    expiry: Option<Expiry>,
    /// 003: points go to zero on 1 January, shop-local.
    #[serde(default)]
    reset_yearly: bool,
    /// Days after payment before accrued points can be spent.
    #[serde(default)]
    pending_days: u32,
}

fn parse(raw: &RawProgram, currency: Option<&Currency>) -> Result<PointsProgram, DocumentError> {
    let name = raw.name.clone().unwrap_or_else(|| "Points".to_owned());
    if name.trim().is_empty() || name.chars().count() > 30 {
        return Err(DocumentError::Invalid(
            "name must be 1-30 characters".into(),
        ));
    }
    if raw.pending_days > 365 {
        return Err(DocumentError::Invalid("pending_days is 0-365".into()));
    }
    if raw.redeem.max_points.is_some_and(|m| m <= 0) {
        return Err(DocumentError::Invalid(
            "max_points must be above zero".into(),
        ));
    }
    let program = PointsProgram {
        enabled: raw.enabled,
        name: name.trim().to_owned(),
        earn_per_unit: raw.earn.points_per_unit,
        redeem_per_unit: raw.redeem.points_per_unit,
        expiry: match raw.expiry {
            None | Some(Expiry::Never) => PointsExpiry::Never,
            Some(Expiry::Months { months }) => PointsExpiry::Months(months),
        },
        max_redeem_points: raw.redeem.max_points,
        max_redeem_percent: raw.redeem.max_percent,
        windows: match &raw.redeem.windows {
            None => RedeemWindows::default(),
            Some(w) => RedeemWindows {
                dates: w.dates.iter().map(|d| (d.from, d.until)).collect(),
                days_of_month: w.days_of_month.clone(),
                days_of_week: w
                    .days_of_week
                    .iter()
                    .map(|d| {
                        d.parse::<Weekday>().map_err(|_| {
                            DocumentError::Invalid(format!("{d:?} is not a day of the week"))
                        })
                    })
                    .collect::<Result<_, _>>()?,
            },
        },
        earn_rules: earn_rules(&raw.earn)?,
        reset_yearly: raw.reset_yearly,
        pending_days: raw.pending_days,
        tiers: RedeemTiers(
            raw.redeem
                .tiers
                .iter()
                .map(|t| {
                    let currency = currency.ok_or(DocumentError::NotConfigured)?;
                    Ok((t.points, Money::parse_non_negative(&t.discount, currency)?))
                })
                .collect::<Result<_, DocumentError>>()?,
        ),
    };
    program
        .check()
        .map_err(|e| DocumentError::Invalid(e.to_string()))?;
    Ok(program)
}

pub fn view(p: &PointsProgram, currency: Option<&Currency>) -> Value {
    let money = |m: &Money| crate::money::Shown::new(m.amount(), currency);
    json!({
        "enabled": p.enabled,
        "name": p.name,
        "earn": {
            "points_per_unit": p.earn_per_unit,
            "rules": p.earn_rules.rules.iter().map(|(m, e)| {
                let mut r = match m {
                    Match::Special(s) => json!({"product": s, "special": true}),
                    Match::Product(s) => json!({"product": s}),
                    Match::Category(c) => json!({"category": c}),
                };
                match e {
                    Earn::PerUnit(v) => r["per_unit"] = json!(v),
                    Earn::Fixed(v) => r["fixed"] = json!(v),
                    Earn::PercentOfPrice(v) => r["percent"] = json!(v),
                }
                r
            }).collect::<Vec<_>>(),
            "exclude": {"promotional": p.earn_rules.exclude_promotional,
                        "member_price": p.earn_rules.exclude_member_price,
                        "campaign": p.earn_rules.exclude_campaign,
                        "no_sku": p.earn_rules.exclude_no_sku},
            "multipliers": p.earn_rules.multipliers.iter().map(|(f, u, x)| json!({
                "from": f.to_string(), "until": u.to_string(), "factor": x.to_string()})).collect::<Vec<_>>(),
            "levels": p.earn_rules.levels.iter().map(|(l, x)| (l.clone(), json!(x.to_string())))
                .collect::<serde_json::Map<_, _>>(),
            "birthday": p.earn_rules.birthday.map(|(scope, x)| json!({
                "scope": match scope { BirthdayScope::Day => "day", BirthdayScope::Month => "month" },
                "factor": x.to_string()})),
            "holidays": p.earn_rules.holidays.iter().map(|(d, x)| json!({
                "date": d.to_string(), "factor": x.to_string()})).collect::<Vec<_>>(),
        },
        "reset_yearly": p.reset_yearly,
        "pending_days": p.pending_days,
        "redeem": {"points_per_unit": p.redeem_per_unit, "max_points": p.max_redeem_points,
                   "max_percent": p.max_redeem_percent,
                   "tiers": p.tiers.0.iter().map(|(pts, d)| json!({"points": pts, "discount": money(d)})).collect::<Vec<_>>(),
                   "windows": {
                       "dates": p.windows.dates.iter().map(|(f, u)| json!({"from": f.to_string(), "until": u.to_string()})).collect::<Vec<_>>(),
                       "days_of_month": p.windows.days_of_month,
                       "days_of_week": p.windows.days_of_week.iter().map(|d| d.to_string().to_lowercase()).collect::<Vec<_>>(),
                   }},
        "expiry": match p.expiry {
            PointsExpiry::Never => json!({"kind": "never"}),
            PointsExpiry::Months(m) => json!({"kind": "months", "months": m}),
        },
    })
}

/// The reset warning (003: from 16 December the shop is reminded that points go to zero on
/// 1 January, irreversibly).
pub fn with_warning(
    mut body: Value,
    p: &PointsProgram,
    settings: Option<&Settings>,
    now: DateTime<Utc>,
) -> Value {
    let reset = settings.and_then(|s| p.reset_warning(now, s.timezone));
    body["reset_warning"] = json!(reset.map(|d| json!({
        "resets_on": d.to_string(),
        "message": "every member's points go to zero on 1 January and cannot be restored",
    })));
    body
}
