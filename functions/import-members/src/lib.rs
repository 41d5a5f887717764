//! POST /admin/members/import (admin, owner; 003 批量导入): up to 1,000 members a call, as
//! JSON `{"members": [...]}` or CSV with a header row. Each row lands whole or not at all
//! (its profile, member number, phone, accounts and `import` ledger entries in one
//! transaction, rows packed into transactions of at most 100 items); a row already imported
//! is `unchanged`; a conflicting or bad row is reported with its number and never
//! overwrites anyone. The Idempotency-Key is required: a retry replays the answer.

use std::collections::BTreeSet;

use api::input;
use api::{ApiError, Ctx, Reply, MANAGERS};
use domain::chrono::{DateTime, Utc};
use domain::directory::{ImportRow, MAX_IMPORT_ROWS};
use domain::{Settings, ShopId};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use store::{idempotency, keys};

mod row;
use row::{decide, row_keys};

mod land;
use land::{land, Ready};

mod answer;
use answer::{Imported, RowError};

pub const OPERATION: &str = "import-members";
pub const ACTOR_PREFIX: &str = "import";
/// 1,000 rows of a member with every field, well inside Lambda's 6 MB payload.
const MAX_BYTES: usize = 2 * 1024 * 1024;
/// DynamoDB's limit on one transaction.
const MAX_ITEMS: usize = 100;
/// Room each transaction keeps for what its ledger entries bring (`api::effects`): a
/// counter item per report shard and one webhook messages item.
const EFFECTS_ROOM: usize = store::keys::REPORT_SHARDS as usize + 1;

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let shop = principal.shop.clone();
    let key = input::required_idempotency_key(&req)?;
    let raw = input::raw_body(&req);
    let rows = rows_of(&req, raw)?;
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(ApiError::TooManyRows(format!(
            "{} rows: at most {MAX_IMPORT_ROWS} a call",
            rows.len()
        )));
    }
    let fingerprint = input::fingerprint(OPERATION, "", &json!(String::from_utf8_lossy(raw)));
    let now = ctx.now();
    let first = ctx
        .store
        .load(&[keys::settings(&shop), keys::idempotency(&shop, &key)])
        .await?;
    if let Some(done) = idempotency::read(&first, &shop, &key, now)? {
        if done.request_hash != fingerprint {
            return Err(ApiError::IdempotencyKeyReused);
        }
        return Ok(Reply::replayed(done.status, done.body));
    }
    let settings = api::require_settings(&first, &shop)?;
    let actor = format!("{ACTOR_PREFIX}:{}", principal.actor());
    let answer = import(ctx, &shop, &settings, &actor, &rows, now).await?;
    let body = api::render::body(&answer)?.to_string();
    ctx.store
        .commit(vec![idempotency::put(
            &shop,
            &key,
            &idempotency::Record {
                request_hash: fingerprint,
                status: 200,
                body: body.clone(),
                created_at: now,
            },
        )])
        .await?;
    Ok(Reply::new(StatusCode::OK, body))
}

/// The rows as JSON objects, from JSON or from CSV with a header row.
fn rows_of(req: &Request, raw: &[u8]) -> Result<Vec<Value>, ApiError> {
    let csv = input::header(req, "content-type").is_some_and(|c| c.starts_with("text/csv"));
    if raw.len() > MAX_BYTES {
        return Err(ApiError::Malformed("request body too large".into()));
    }
    if !csv {
        let body = input::json_object_up_to(req, MAX_BYTES)?;
        return match body.get("members") {
            Some(Value::Array(rows)) => Ok(rows.clone()),
            _ => Err(ApiError::Invalid("the body is {\"members\": [...]}".into())),
        };
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(raw);
    let headers = reader
        .headers()
        .map_err(|e| ApiError::Invalid(format!("CSV header: {e}")))?
        .clone();
    reader
        .records()
        .map(|r| {
            let r = r.map_err(|e| ApiError::Invalid(format!("CSV: {e}")))?;
            Ok(Value::Object(
                headers
                    .iter()
                    .zip(r.iter())
                    .filter(|(_, v)| !v.is_empty())
                    // The export's `'` before a formula's first character is not data.
                    .map(|(h, v)| {
                        (
                            h.to_owned(),
                            Value::String(api::sheet::unescape(v).to_owned()),
                        )
                    })
                    .collect(),
            ))
        })
        .collect()
}

async fn import(
    ctx: &Ctx,
    shop: &ShopId,
    settings: &Settings,
    actor: &str,
    rows: &[Value],
    now: DateTime<Utc>,
) -> Result<Imported, ApiError> {
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for (i, v) in rows.iter().enumerate() {
        match ImportRow::parse(v, &settings.currency) {
            Ok(r) => parsed.push((i + 1, r)),
            Err(e) => errors.push(RowError::new(i + 1, "invalid_request", e.to_string())),
        }
    }
    // One read for every row's profile, accounts, number and phone (100 keys a request).
    let mut read = Vec::new();
    for (_, r) in &parsed {
        read.extend(row_keys(shop, r));
    }
    let snapshot = ctx.store.load(&read).await?;
    let (mut unchanged, mut ready) = (0u64, Vec::new());
    let mut claimed = BTreeSet::new();
    for (row, r) in &parsed {
        match decide(&snapshot, shop, settings, actor, r, &mut claimed, now) {
            Ok(None) => unchanged += 1,
            Ok(Some(row::Lands { writes, registered })) => ready.push(Ready {
                row: *row,
                writes,
                registered,
            }),
            Err((code, detail)) => errors.push(RowError::new(*row, code, detail)),
        }
    }
    let imported = land(ctx, shop, settings, ready, &mut errors, now).await?;
    errors.sort_by_key(|e| e.row);
    Ok(Imported {
        imported,
        unchanged,
        errors,
    })
}
