//! GET /admin/reports/balances and /admin/reports/ledger (API 1.2 "Reports", admin and
//! owner): the roll-forward of points, store credit and stored value over shop-local days,
//! and every ledger entry of a period, as JSON or CSV; GET /admin/reports/coupons (API 1.3)
//! the coupons' figures (`coupons`). Both read what the operations wrote
//! in their own transactions (counters, the ledger's index), so they are exact at every
//! instant and their cost follows the period, never the number of members.

use api::input;
use api::render::Amount;
use api::{ApiError, Ctx, Reply, MANAGERS};
use domain::chrono::NaiveDate;
use domain::report::{self, RollForward};
use domain::{AccountKind, Settings, ShopId};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::Value;
use store::{keys, settings};

mod coupons;
mod ledger;
mod shown;
use coupons::coupons;
use ledger::ledger;
use shown::{Balances, PointsValue, Report, Rolled};

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
    let path = req.uri().path().trim_end_matches('/');
    if path.ends_with("/ledger") {
        return ledger(ctx, &req, &shop, &settings, (from, to), csv).await;
    }
    let asked = Asked {
        shop,
        settings,
        period: (from, to),
        csv,
    };
    if path.ends_with("/coupons") {
        coupons(ctx, &asked).await
    } else {
        balances(ctx, &asked).await
    }
}

/// What a report of counters was asked for: the shop, its settings, the shop-local days
/// (both included) and whether as CSV.
struct Asked {
    shop: ShopId,
    settings: Settings,
    period: (NaiveDate, NaiveDate),
    csv: bool,
}

impl Asked {
    /// What every JSON report opens with: its period and currency; then `body`.
    fn head<T: Serialize>(&self, body: T) -> Report<'_, T> {
        Report {
            from: self.period.0.to_string(),
            to: self.period.1.to_string(),
            currency: self.settings.currency.code(),
            body,
        }
    }
}

/// What the balances and coupons reports start from (`store::reports::counts`), its cost
/// logged: items read and read units.
async fn counted(ctx: &Ctx, asked: &Asked) -> Result<store::reports::Counts, ApiError> {
    let (from, to) = asked.period;
    let counts = ctx.store.counts(&asked.shop, from, to).await?;
    tracing::info!(
        items = counts.items,
        read_units = counts.read_units,
        "counters read"
    );
    Ok(counts)
}

fn shown(account: AccountKind, v: domain::Decimal, settings: &Settings) -> Amount {
    Amount::new(account, v, Some(&settings.currency))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn balances(ctx: &Ctx, asked: &Asked) -> Result<Reply, ApiError> {
    let (settings, (from, to)) = (&asked.settings, asked.period);
    let counts = counted(ctx, asked).await?;
    let rolled = report::roll_forward(&counts.carried.balances, &counts.counted, from, to);
    let account_shown = |a: AccountKind, r: &RollForward| Rolled {
        opening: shown(a, r.opening, settings),
        closing: shown(a, r.closing, settings),
        movements: r
            .movements
            .iter()
            .map(|(k, v)| (k.clone(), shown(a, *v, settings)))
            .collect(),
    };
    let accounts = rolled
        .iter()
        .map(|(a, r)| (a.as_str(), account_shown(*a, r)))
        .collect();
    let points_value = settings.point_value.map(|per_point| {
        let closing = rolled
            .get(&AccountKind::Points)
            .map_or(domain::Decimal::ZERO, |r| r.closing);
        let value = report::points_value(closing, per_point, settings.currency.minor_units());
        PointsValue {
            per_point: per_point.to_string(),
            closing: shown(AccountKind::Credit, value, settings),
        }
    });
    if asked.csv {
        return balances_csv(&rolled, settings, (from, to));
    }
    Reply::ok(&asked.head(Balances {
        accounts,
        points_value,
    }))
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
            let amount = shown(*a, v, settings).to_string();
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
