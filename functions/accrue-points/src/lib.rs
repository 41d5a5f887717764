//! POST /orders/{order_id}/accrue: the storefront reports a paid order; the member earns
//! points at the rate in force when the order was placed (004), once per order.

use std::collections::BTreeMap;

use api::input::{self, fingerprint};
use api::postings::Posting;
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::cards::grant;
use domain::chrono::{DateTime, FixedOffset, Utc};
use domain::points::OrderLine;
use domain::{AccountKind, Decimal, EntryKind, IdempotencyKey, MemberId, Money};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use store::{accounts, keys, orders, programs};

pub const OPERATION: &str = "accrue-points";

pub use api::STAFF;

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize)]
struct Line {
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    category: Option<String>,
    amount: String,
    #[serde(default)]
    promotional: bool,
    #[serde(default)]
    member_price: bool,
}

#[derive(Debug, Deserialize)]
struct RawOrder {
    member_id: String,
    currency: String,
    total: String,
    placed_at: DateTime<FixedOffset>,
    #[serde(default)]
    paid_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    lines: Vec<Line>,
}

/// An order id becomes part of a key: the id rules apply.
pub fn order_id(req: &Request) -> Result<String, ApiError> {
    let id = input::path_param(req, "order_id")?;
    MemberId::parse(&id)
        .map_err(|_| ApiError::Invalid(format!("{id:?} is not a valid order id")))?;
    Ok(id)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = ctx.auth.authenticate(&req)?;
    api::record_shop(&principal);
    principal.require(STAFF)?;
    let order_id = order_id(&req)?;
    let body = input::json_object(&req)?;
    let raw: RawOrder = input::from_value(&body)?;
    let member = MemberId::parse(&raw.member_id)?;
    let once = Once {
        key: IdempotencyKey::parse(&format!("accrue.{order_id}"))?,
        fingerprint: fingerprint(OPERATION, &order_id, &body),
    };
    let shop = principal.shop.clone();
    let actor = principal.actor();
    let read = vec![
        keys::settings(&shop),
        keys::program(&shop, keys::Program::Points),
        keys::order(&shop, &order_id),
        keys::profile(&shop, &member),
        keys::account(&shop, &member, AccountKind::Points),
        keys::account(&shop, &member, AccountKind::Credit),
    ];
    api::execute(ctx, &shop, Some(&once), read, |snapshot, now| {
        let settings = api::require_settings(snapshot, &shop)?;
        if raw.currency != settings.currency.code() {
            return Err(ApiError::Invalid(format!(
                "the shop's currency is {}, the order's {}",
                settings.currency, raw.currency
            )));
        }
        let total = Money::parse_non_negative(&raw.total, &settings.currency)?;
        let lines = raw
            .lines
            .iter()
            .map(|l| {
                Ok(OrderLine {
                    sku: l.sku.clone(),
                    category: l.category.clone(),
                    amount: Money::parse_non_negative(&l.amount, &settings.currency)?,
                    promotional: l.promotional,
                    member_price: l.member_price,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let placed_at = raw.placed_at.with_timezone(&Utc);
        // Points are earned when the order is paid; a payment time in the future is taken
        // as now.
        let earned_at = raw
            .paid_at
            .map(|p| p.with_timezone(&Utc))
            .filter(|p| *p <= now)
            .unwrap_or(now);
        let mut order = orders::read(snapshot, &shop, &order_id)?;
        if order.accrued {
            return Err(ApiError::Rule {
                status: lambda_http::http::StatusCode::CONFLICT,
                code: "order_already_accrued",
                detail: "this order was already accrued with another body".into(),
            });
        }
        let (versions, _) = programs::read_points(snapshot, &shop)?;
        let program = versions.in_force_at(placed_at).filter(|p| p.enabled);
        let earned = program.map_or(0, |p| {
            p.points_for_order(total, &lines, placed_at, settings.timezone)
        });
        let expires_at = program.and_then(|p| p.expiry_for(earned_at, settings.timezone));

        let points = accounts::read::<i64>(snapshot, &shop, &member, AccountKind::Points)?;
        let credit = accounts::read::<Decimal>(snapshot, &shop, &member, AccountKind::Credit)?;
        let read_version = points.version();
        let mut writes = Vec::new();
        let mut points_balance = points.balance_at(now);
        if earned > 0 {
            let links = BTreeMap::from([("order_id".to_owned(), order_id.clone())]);
            let (account, moves) = grant(
                AccountKind::Points,
                points,
                earned,
                expires_at,
                EntryKind::Accrual,
                &links,
                now,
            );
            points_balance = account.balance();
            let posting = Posting {
                shop: &shop,
                member: &member,
                actor: &actor,
                currency: Some(&settings.currency),
                now,
            };
            let mut ids = api::entry_ids(now, 3).into_iter();
            posting.post(AccountKind::Points, &account, read_version, moves, &mut ids, &mut writes);
        }
        order.member_id = Some(member.to_string());
        order.currency = Some(settings.currency.code().to_owned());
        order.total = Some(total);
        order.placed_at = Some(placed_at);
        order.accrued = true;
        order.points_earned = earned;
        order.earned_expires_at = expires_at;
        writes.push(orders::put(&shop, &order_id, &member, &order));
        // The member's running totals move with the order, in the same transaction.
        let mut profile = store::profile::read(snapshot, &shop, &member)?;
        profile.totals.spend += total.amount();
        profile.totals.orders += 1;
        writes.push(store::profile::put(&shop, &member, &profile));
        let body: Value = json!({
            "order_id": order_id,
            "member_id": member.as_str(),
            "points_earned": earned,
            "points_expire_at": expires_at.map(|e| settings.timezone.format(e)),
            "credit_issued": Money::ZERO.to_string_in(&settings.currency),
            "points_balance": points_balance,
            "credit_balance": Money::from_stored(credit.balance_at(now)).to_string_in(&settings.currency),
            "cards_issued": [],
        });
        Ok(Decision::ok(writes, body))
    })
    .await
}
