//! The ledger report: a period's entries across members, as JSON pages or one CSV. Apart
//! from the balances report, the other thing this function answers.

use super::{text, MAX_CSV_ROWS};
use api::input;
use api::{ApiError, Ctx, Reply};
use domain::chrono::{DateTime, NaiveDate, Utc};
use domain::{AccountKind, Refusal, Settings, ShopId};
use lambda_http::Request;
use serde::Serialize;
use serde_json::Value;
use store::reports;

/// The instant a shop-local day begins.
pub(crate) fn day_start(settings: &Settings, day: NaiveDate) -> DateTime<Utc> {
    settings.timezone.start_of_day(day)
}

/// An entry of the report: the ledger entry as the API shows it, and whose it is.
#[derive(Serialize)]
struct Reported<'a> {
    member_id: &'a domain::MemberId,
    #[serde(flatten)]
    entry: api::render::LedgerEntry<'a>,
}

pub(crate) fn entry_json(
    member: &domain::MemberId,
    listed: &store::ledger::Listed,
) -> Result<Value, ApiError> {
    api::render::body(&Reported {
        member_id: member,
        entry: api::render::ledger_entry(listed),
    })
}

/// The shop's ledger entries of a period as its export index keeps them (time order).
pub(crate) struct Period<'a> {
    pub(crate) shop: &'a ShopId,
    pub(crate) currency: domain::Currency,
    pub(crate) account: Option<AccountKind>,
    /// Epoch milliseconds: the period's first instant and the one after its last.
    pub(crate) start: i64,
    pub(crate) end: i64,
}

impl Period<'_> {
    /// An entry as the report shows it: money accounts with the shop's currency.
    pub(crate) fn entry(
        &self,
        member: &domain::MemberId,
        mut listed: store::ledger::Listed,
    ) -> Result<Value, ApiError> {
        if listed.entry.movement.account != AccountKind::Points {
            listed.currency = Some(self.currency);
        }
        entry_json(member, &listed)
    }
}

pub(crate) async fn ledger(
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
    let items = page
        .items
        .into_iter()
        .map(|(m, l)| period.entry(&m, l))
        .collect::<Result<_, _>>()?;
    Reply::ok(&api::render::Page {
        items,
        next: page.next,
    })
}

/// The whole period as CSV, a thousand entries a page; more than `MAX_CSV_ROWS` is refused.
pub(crate) async fn ledger_csv(ctx: &Ctx, period: &Period<'_>) -> Result<Reply, ApiError> {
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
            let v = period.entry(&member, listed)?;
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
