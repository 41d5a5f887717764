//! PUT /admin/programs/points: the points program. Every change is a new version in force
//! from now; orders placed earlier keep the version they were placed under (004).

use api::input;
use api::{ApiError, Ctx, Decision, Reply, MANAGERS};
use domain::chrono::{NaiveDate, Weekday};
use domain::points::{
    Earn, EarnRules, Match, PointsExpiry, PointsProgram, RedeemTiers, RedeemWindows,
};
use domain::{Currency, Money};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use store::keys::{self, Program};
use store::programs;

pub const OPERATION: &str = "admin-points-program";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
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
}

#[derive(Debug, Deserialize)]
struct RawMultiplier {
    from: NaiveDate,
    until: NaiveDate,
    factor: String,
}

#[derive(Debug, Deserialize)]
struct Rate {
    points_per_unit: u32,
    #[serde(default)]
    rules: Vec<RawRule>,
    #[serde(default)]
    exclude: Exclude,
    #[serde(default)]
    multipliers: Vec<RawMultiplier>,
}

fn earn_rules(raw: &Rate) -> Result<EarnRules, ApiError> {
    let invalid = |m: &str| ApiError::Invalid(m.to_owned());
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
    let multipliers = raw
        .multipliers
        .iter()
        .map(|m| {
            let factor: domain::Decimal = m
                .factor
                .parse()
                .map_err(|_| invalid("a multiplier's factor is a decimal string"))?;
            if m.until < m.from
                || factor < domain::Decimal::ONE
                || factor > domain::Decimal::from(100)
            {
                return Err(invalid(
                    "a multiplier runs from <= until with a factor of 1-100",
                ));
            }
            Ok((m.from, m.until, factor))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(EarnRules {
        rules,
        exclude_promotional: raw.exclude.promotional,
        exclude_member_price: raw.exclude.member_price,
        multipliers,
    })
}

#[derive(Debug, Deserialize)]
struct Tier {
    points: i64,
    discount: String,
}

#[derive(Debug, Deserialize)]
struct DateRange {
    from: NaiveDate,
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
}

fn parse(raw: &RawProgram, currency: Option<&Currency>) -> Result<PointsProgram, ApiError> {
    let name = raw.name.clone().unwrap_or_else(|| "Points".to_owned());
    if name.trim().is_empty() || name.chars().count() > 30 {
        return Err(ApiError::Invalid("name must be 1-30 characters".into()));
    }
    if raw.redeem.max_points.is_some_and(|m| m <= 0) {
        return Err(ApiError::Invalid("max_points must be above zero".into()));
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
                            ApiError::Invalid(format!("{d:?} is not a day of the week"))
                        })
                    })
                    .collect::<Result<_, _>>()?,
            },
        },
        earn_rules: earn_rules(&raw.earn)?,
        tiers: RedeemTiers(
            raw.redeem
                .tiers
                .iter()
                .map(|t| {
                    let currency = currency.ok_or_else(ApiError::not_configured)?;
                    Ok((t.points, Money::parse_non_negative(&t.discount, currency)?))
                })
                .collect::<Result<_, ApiError>>()?,
        ),
    };
    program
        .check()
        .map_err(|e| ApiError::Invalid(e.to_string()))?;
    Ok(program)
}

pub fn view(p: &PointsProgram, currency: Option<&Currency>) -> Value {
    let money = |m: &Money| currency.map_or_else(|| m.to_string(), |c| m.to_string_in(c));
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
                        "member_price": p.earn_rules.exclude_member_price},
            "multipliers": p.earn_rules.multipliers.iter().map(|(f, u, x)| json!({
                "from": f.to_string(), "until": u.to_string(), "factor": x.to_string()})).collect::<Vec<_>>(),
        },
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

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = ctx.auth.authenticate(&req)?;
    api::record_shop(&principal);
    principal.require(MANAGERS)?;
    let raw: RawProgram = input::from_value(&input::json_object(&req)?)?;
    let shop = principal.shop.clone();
    let read = vec![keys::settings(&shop), keys::program(&shop, Program::Points)];
    api::execute(ctx, &shop, None, read, |snapshot, now| {
        let currency = store::settings::read(snapshot, &shop)?.map(|s| s.currency);
        let program = parse(&raw, currency.as_ref())?;
        let (mut versions, read_version) = programs::read_points(snapshot, &shop)?;
        versions.push(now, program.clone());
        let mut body = view(&program, currency.as_ref());
        body["effective_from"] =
            json!(now.to_rfc3339_opts(domain::chrono::SecondsFormat::Millis, true));
        Ok(Decision::ok(
            vec![programs::put_points(&shop, &versions, read_version)],
            body,
        ))
    })
    .await
}
