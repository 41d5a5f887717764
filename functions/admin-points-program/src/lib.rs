//! PUT /admin/programs/points: the points program. Every change is a new version in force
//! from now; orders placed earlier keep the version they were placed under (004).
//! GET: staff read it (003: the till exchanges points for the gifts it lists), managers
//! change it.

use api::input;
use api::{ApiError, Ctx, Decision, Reply};
use domain::chrono::{DateTime, Utc};
use domain::points_document::{self, view, with_warning};
use domain::ShopId;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use store::keys::{self, Program};
use store::{exchange, programs, Snapshot};

pub const OPERATION: &str = "admin-points-program";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    // Every staff role reads the program (the till needs it); managers change it.
    let (principal, reading) = api::authorize_setup(ctx, &req)?;
    let shop = principal.shop.clone();
    let read = vec![
        keys::settings(&shop),
        keys::program(&shop, Program::Points),
        keys::exchange_rules(&shop),
    ];
    if reading {
        let snapshot = ctx.store.load(&read).await?;
        return Reply::ok(&current(&snapshot, &shop, ctx.now())?);
    }
    let body = input::json_object(&req)?;
    // Fields not sent keep their values: without `exchange` the gift rules stay as they are.
    let gifts = body
        .get("exchange")
        .map(domain::exchange::parse)
        .transpose()?;
    api::execute(ctx, &shop, None, read, |snapshot, now| {
        decide(&shop, &body, gifts.as_deref(), snapshot, now)
    })
    .await
}

/// The program in force, when it took effect, its gift rules and the yearly-reset warning.
fn current(snapshot: &Snapshot, shop: &ShopId, now: DateTime<Utc>) -> Result<Value, ApiError> {
    let settings = store::settings::read(snapshot, shop)?;
    let (versions, _) = programs::read_points(snapshot, shop)?;
    let current = versions
        .current()
        .ok_or_else(|| ApiError::NotFound("no points program yet".into()))?;
    let mut body = view(current, settings.as_ref().map(|s| &s.currency));
    if let Some((from, _)) = versions.versions.last() {
        body["effective_from"] =
            json!(from.to_rfc3339_opts(domain::chrono::SecondsFormat::Millis, true));
    }
    // 003: the points-for-gifts rules are set with the program.
    body["exchange"] = domain::exchange::view(&exchange::read_rules(snapshot, shop)?.0);
    Ok(with_warning(body, current, settings.as_ref(), now))
}

/// 004: a PUT stores a new version in force from now (orders keep the version in force at
/// their placing); the fields it does not send keep their values, the gift rules too.
fn decide(
    shop: &ShopId,
    sent: &Value,
    gifts: Option<&[domain::exchange::ExchangeRule]>,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> Result<Decision, ApiError> {
    let settings = store::settings::read(snapshot, shop)?;
    let currency = settings.as_ref().map(|s| s.currency);
    let (mut versions, read_version) = programs::read_points(snapshot, shop)?;
    let stored = versions.current().map(|p| view(p, currency.as_ref()));
    let program = points_document::parse_program(&input::over(stored, sent), currency.as_ref())?;
    versions.push(now, program.clone());
    let mut body = with_warning(
        view(&program, currency.as_ref()),
        &program,
        settings.as_ref(),
        now,
    );
    body["effective_from"] =
        json!(now.to_rfc3339_opts(domain::chrono::SecondsFormat::Millis, true));
    let mut writes = vec![programs::put_points(shop, &versions, read_version)];
    let (stored, rules_version) = exchange::read_rules(snapshot, shop)?;
    let rules = match gifts {
        Some(rules) => {
            writes.push(exchange::put_rules(shop, rules, rules_version));
            writes.extend(
                rules
                    .iter()
                    .filter_map(|r| r.stock.map(|s| exchange::set_stock(shop, &r.rule_id, s))),
            );
            rules.to_vec()
        }
        None => stored,
    };
    body["exchange"] = domain::exchange::view(&rules);
    Decision::ok(writes, &body)
}
