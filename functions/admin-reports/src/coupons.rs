//! GET /admin/reports/coupons (API 1.3 "Coupons": Report): per definition, what was issued,
//! used, returned, expired and voided over the period, the discount its uses gave and how
//! many were held at its end, from the same counters and month carries as the balances
//! report (`store::reports::counts`): exact at every instant, its cost its period's.

use api::{ApiError, Ctx, Reply};
use domain::chrono::NaiveDate;
use domain::coupon_report::{self, Figures};
use domain::{AccountKind, Settings};
use serde::Serialize;

pub(crate) async fn coupons(ctx: &Ctx, asked: &crate::Asked) -> Result<Reply, ApiError> {
    let (shop, settings, (from, to)) = (&asked.shop, &asked.settings, asked.period);
    let counts = crate::counted(ctx, asked).await?;
    let today = settings.timezone.local_date(ctx.now());
    let mut figures =
        coupon_report::figures(&counts.carried.held, &counts.coupons, (from, to), today);
    // Every definition, with or without movements; a count for one no longer defined
    // (none can be: a definition is deleted only before anything was issued) keeps its id.
    let defs = store::coupons::list(&ctx.store, shop).await?;
    let mut rows: Vec<(String, String, Figures)> = defs
        .into_iter()
        .map(|d| {
            let f = figures.remove(&d.coupon_id).unwrap_or_default();
            (d.coupon_id, d.name, f)
        })
        .collect();
    rows.extend(figures.into_iter().map(|(id, f)| (id, String::new(), f)));
    if asked.csv {
        return as_csv(&rows, settings, (from, to));
    }
    let items = rows
        .iter()
        .map(|(id, name, r)| Row {
            coupon_id: id,
            name,
            issued: r.issued,
            used: r.used,
            returned: r.returned,
            expired: r.expired,
            void: r.void,
            held: r.held,
            discount: discount(r, settings),
        })
        .collect();
    Reply::ok(&asked.head(api::render::Items::<Row> { items }))
}

/// A coupon's line of the report: what happened to it in the period.
#[derive(Serialize)]
struct Row<'a> {
    coupon_id: &'a str,
    name: &'a str,
    issued: i64,
    used: i64,
    returned: i64,
    expired: i64,
    void: i64,
    held: i64,
    discount: api::render::Amount,
}

/// Money as the balances report shows it, in the shop's currency.
fn discount(r: &Figures, settings: &Settings) -> api::render::Amount {
    crate::shown(AccountKind::Credit, r.discount, settings)
}

/// The figures as CSV, a row a definition.
fn as_csv(
    rows: &[(String, String, Figures)],
    settings: &Settings,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Reply, ApiError> {
    let mut out = api::sheet::Sheet::new(&[
        "coupon_id",
        "name",
        "issued",
        "used",
        "returned",
        "expired",
        "void",
        "held",
        "discount",
        "from",
        "to",
        "currency",
    ])?;
    let (f, t, c) = (from.to_string(), to.to_string(), settings.currency.code());
    for (id, name, r) in rows {
        let n = [r.issued, r.used, r.returned, r.expired, r.void, r.held].map(|v| v.to_string());
        out.row([
            id.as_str(),
            name,
            &n[0],
            &n[1],
            &n[2],
            &n[3],
            &n[4],
            &n[5],
            &discount(r, settings).to_string(),
            &f,
            &t,
            c,
        ])?;
    }
    out.reply()
}
