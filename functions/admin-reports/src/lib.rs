//! GET /admin/reports/balances and /admin/reports/ledger (API 1.2 "Reports", admin and
//! owner): the roll-forward of points, store credit and stored value over shop-local days,
//! and every ledger entry of a period, as JSON or CSV. Both read what the operations wrote
//! in their own transactions (counters, the ledger's index), so they are exact at every
//! instant and their cost follows the period, never the number of members.

use api::input;
use api::{ApiError, Ctx, Reply, MANAGERS};
use domain::chrono::{DateTime, NaiveDate, Utc};
use domain::report::{self, RollForward};
use domain::{AccountKind, Refusal, Settings, ShopId};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Map, Value};
use store::{keys, reports, settings};

pub const OPERATION: &str = "admin-reports";

/// Entries a CSV export holds at most (a larger period: page the JSON).
const MAX_CSV_ROWS: usize = 100_000;

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let shop = principal.shop.clone();
    let param = |name: &str| {
        input::query_param(&req, name)
            .ok_or_else(|| ApiError::Invalid(format!("{name} is required (YYYY-MM-DD)")))
    };
    let (from, to) = report::period(&param("from")?, &param("to")?).map_err(ApiError::from)?;
    let csv = match input::query_param(&req, "format").as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::Invalid(format!(
                "format is json or csv, not {other:?}"
            )))
        }
    };
    let snapshot = ctx.store.load(&[keys::settings(&shop)]).await?;
    let settings = settings::read(&snapshot, &shop)?.ok_or_else(ApiError::not_configured)?;
    if req.uri().path().trim_end_matches('/').ends_with("/ledger") {
        ledger(ctx, &req, &shop, &settings, (from, to), csv).await
    } else {
        balances(ctx, &shop, &settings, (from, to), csv).await
    }
}

fn shown(account: AccountKind, v: domain::Decimal, settings: &Settings) -> Value {
    api::render::amount(account, v, Some(&settings.currency))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn balances(
    ctx: &Ctx,
    shop: &ShopId,
    settings: &Settings,
    (from, to): (NaiveDate, NaiveDate),
    csv: bool,
) -> Result<Reply, ApiError> {
    let counted = ctx.store.counted_through(shop, to).await?;
    let rolled = report::roll_forward(&counted, from, to);
    let account_json = |a: AccountKind, r: &RollForward| {
        let movements: Map<String, Value> = r
            .movements
            .iter()
            .map(|(k, v)| (k.clone(), shown(a, *v, settings)))
            .collect();
        json!({"opening": shown(a, r.opening, settings), "closing": shown(a, r.closing, settings),
               "movements": movements})
    };
    let accounts: Map<String, Value> = rolled
        .iter()
        .map(|(a, r)| (a.as_str().to_owned(), account_json(*a, r)))
        .collect();
    let points_value = settings.point_value.map(|per_point| {
        let closing = rolled
            .get(&AccountKind::Points)
            .map_or(domain::Decimal::ZERO, |r| r.closing);
        let value = report::points_value(closing, per_point, settings.currency.minor_units());
        json!({"per_point": per_point.to_string(),
               "closing": shown(AccountKind::Credit, value, settings)})
    });
    if csv {
        return balances_csv(&rolled, settings, (from, to));
    }
    Ok(Reply::ok(&json!({
        "from": from.to_string(),
        "to": to.to_string(),
        "currency": settings.currency.code(),
        "accounts": accounts,
        "points_value": points_value,
    })))
}

/// The roll-forward as CSV: per account its opening, each kind of movement, its closing.
fn balances_csv(
    rolled: &std::collections::BTreeMap<AccountKind, RollForward>,
    settings: &Settings,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Reply, ApiError> {
    let mut out = api::sheet::Sheet::new(&[
        "account", "line", "kind", "amount", "from", "to", "currency",
    ])?;
    let (f, t, c) = (
        from.to_string(),
        to.to_string(),
        settings.currency.code().to_owned(),
    );
    for (a, r) in rolled {
        let mut row = |line: &str, kind: &str, v: domain::Decimal| {
            let amount = text(&shown(*a, v, settings));
            out.row([a.as_str(), line, kind, &amount, &f, &t, &c])
        };
        row("opening", "", r.opening)?;
        for (kind, v) in &r.movements {
            row("movement", kind, *v)?;
        }
        row("closing", "", r.closing)?;
    }
    out.reply()
}

/// The instant a shop-local day begins.
fn day_start(settings: &Settings, day: NaiveDate) -> DateTime<Utc> {
    settings.timezone.start_of_day(day)
}

fn entry_json(member: &domain::MemberId, listed: &store::ledger::Listed) -> Value {
    let mut v = api::render::ledger_entry(listed);
    v["member_id"] = json!(member.as_str());
    v
}

/// The shop's ledger entries of a period as its export index keeps them (time order).
struct Period<'a> {
    shop: &'a ShopId,
    currency: domain::Currency,
    account: Option<AccountKind>,
    /// Epoch milliseconds: the period's first instant and the one after its last.
    start: i64,
    end: i64,
}

impl Period<'_> {
    /// An entry as the report shows it: money accounts with the shop's currency.
    fn entry(&self, member: &domain::MemberId, mut listed: store::ledger::Listed) -> Value {
        if listed.entry.movement.account != AccountKind::Points {
            listed.currency = Some(self.currency);
        }
        entry_json(member, &listed)
    }
}

async fn ledger(
    ctx: &Ctx,
    req: &Request,
    shop: &ShopId,
    settings: &Settings,
    (from, to): (NaiveDate, NaiveDate),
    csv: bool,
) -> Result<Reply, ApiError> {
    let account = match input::query_param(req, "account") {
        None => None,
        Some(a) => Some(
            AccountKind::parse(&a)
                .ok_or_else(|| ApiError::Invalid("account is points, credit or value".into()))?,
        ),
    };
    let period = Period {
        shop,
        currency: settings.currency,
        account,
        start: day_start(settings, from).timestamp_millis(),
        end: day_start(settings, to.succ_opt().unwrap_or(to)).timestamp_millis(),
    };
    if csv {
        return ledger_csv(ctx, &period).await;
    }
    let limit = usize::try_from(input::limit(req)?).unwrap_or(50);
    let cursor = input::query_param(req, "cursor");
    if cursor
        .as_deref()
        .is_some_and(|c| c.len() > 40 || !c.chars().all(|ch| ch.is_ascii_alphanumeric()))
    {
        return Err(ApiError::Invalid(
            "cursor is one a previous page gave".into(),
        ));
    }
    let (lo, hi) = reports::export_bounds(period.start, period.end, cursor.as_deref());
    let page = ctx
        .store
        .ledger_export_page(shop, &lo, &hi, account, limit)
        .await?;
    let items: Vec<Value> = page
        .items
        .into_iter()
        .map(|(m, l)| period.entry(&m, l))
        .collect();
    Ok(Reply::ok(&json!({"items": items, "next": page.next})))
}

/// The whole period as CSV, a thousand entries a page; more than `MAX_CSV_ROWS` is refused.
async fn ledger_csv(ctx: &Ctx, period: &Period<'_>) -> Result<Reply, ApiError> {
    let mut out = api::sheet::Sheet::new(&[
        "entry_id",
        "member_id",
        "account",
        "kind",
        "amount",
        "balance_after",
        "reason",
        "at",
        "links",
    ])?;
    let mut cursor: Option<String> = None;
    let mut rows = 0usize;
    loop {
        let (lo, hi) = reports::export_bounds(period.start, period.end, cursor.as_deref());
        let page = ctx
            .store
            .ledger_export_page(period.shop, &lo, &hi, period.account, 1000)
            .await?;
        for (member, listed) in page.items {
            let v = period.entry(&member, listed);
            let cells = ["entry_id", "member_id", "account", "kind", "amount"]
                .into_iter()
                .chain(["balance_after", "reason", "at"])
                .map(|k| text(&v[k]));
            out.row(cells.chain([v["links"].to_string()]))?;
            rows += 1;
        }
        if rows > MAX_CSV_ROWS {
            return Err(Refusal::Invalid(format!(
                "the period holds more than {MAX_CSV_ROWS} entries; export a shorter one or page the JSON"
            ))
            .into());
        }
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    out.reply()
}
