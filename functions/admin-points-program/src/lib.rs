//! PUT /admin/programs/points: the points program. Every change is a new version in force
//! from now; orders placed earlier keep the version they were placed under (004).

use api::input;
use api::{ApiError, Ctx, Decision, Reply, MANAGERS};
use domain::points::{PointsExpiry, PointsProgram};
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
struct Rate {
    points_per_unit: u32,
}

#[derive(Debug, Deserialize)]
struct Redeem {
    points_per_unit: u32,
    #[serde(default)]
    max_points: Option<i64>,
    #[serde(default)]
    max_percent: Option<u32>,
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

fn parse(body: &Value) -> Result<PointsProgram, ApiError> {
    let raw: RawProgram = input::from_value(body)?;
    let name = raw.name.unwrap_or_else(|| "Points".to_owned());
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
    };
    program
        .check()
        .map_err(|e| ApiError::Invalid(e.to_string()))?;
    Ok(program)
}

pub fn view(p: &PointsProgram) -> Value {
    json!({
        "enabled": p.enabled,
        "name": p.name,
        "earn": {"points_per_unit": p.earn_per_unit},
        "redeem": {"points_per_unit": p.redeem_per_unit, "max_points": p.max_redeem_points,
                   "max_percent": p.max_redeem_percent},
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
    let program = parse(&input::json_object(&req)?)?;
    let shop = principal.shop.clone();
    let read = vec![keys::program(&shop, Program::Points)];
    api::execute(ctx, &shop, None, read, |snapshot, now| {
        let (mut versions, read_version) = programs::read_points(snapshot, &shop)?;
        versions.push(now, program.clone());
        let mut body = view(&program);
        body["effective_from"] =
            json!(now.to_rfc3339_opts(domain::chrono::SecondsFormat::Millis, true));
        Ok(Decision::ok(
            vec![programs::put_points(&shop, &versions, read_version)],
            body,
        ))
    })
    .await
}
