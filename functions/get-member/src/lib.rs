//! GET /members/{member_id}: balances with what expires when, in one consistent read.
//! An unknown member reads as empty balances.

use std::collections::BTreeMap;

use api::input;
use api::{ApiError, Ctx, Principal, Reply};
use domain::chrono::{DateTime, NaiveDate, Utc};
use domain::{Account, AccountKind, Currency, Decimal, MemberId, ShopTz};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use store::accounts::{self, StoredQuantity};
use store::keys::{self, Program};
use store::{programs, settings, Snapshot};

pub const OPERATION: &str = "get-member";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::EVERYONE)?;
    let member = MemberId::parse(&input::path_param(&req, "member_id")?)?;
    principal.may_access(&member)?;
    let shop = &principal.shop;
    let snapshot = ctx
        .store
        .load(&[
            keys::settings(shop),
            keys::program(shop, Program::Points),
            keys::program(shop, Program::Credit),
            keys::profile(shop, &member),
            keys::account(shop, &member, AccountKind::Points),
            keys::account(shop, &member, AccountKind::Credit),
            keys::account(shop, &member, AccountKind::Value),
            keys::levels(shop),
            keys::card_summary(shop),
        ])
        .await?;
    Ok(Reply::ok(&view(&snapshot, &principal, &member, ctx.now())?))
}

fn view(
    snapshot: &Snapshot,
    principal: &Principal,
    member: &MemberId,
    now: DateTime<Utc>,
) -> Result<Value, ApiError> {
    let shop = &principal.shop;
    let settings = settings::read(snapshot, shop)?;
    let tz = settings.as_ref().map(|s| s.timezone).unwrap_or_default();
    let currency = settings.as_ref().map(|s| s.currency);
    let money = |d: Decimal| {
        currency.map_or_else(
            || d.to_string(),
            |c| domain::Money::from_stored(d).to_string_in(&c),
        )
    };
    // API 1.2 "Erasure": an erased member answers when, with nothing left on any account.
    if let Some(at) = store::profile::read_any(snapshot, shop, member)?.erased_at {
        return Ok(erased_view(member, at, tz, currency.as_ref(), now));
    }
    let points_view = points_view(snapshot, shop, member, tz, now)?;
    let mut profile = store::profile::read(snapshot, shop, member)?;
    let credit_view = credit_view(snapshot, principal, member, &profile, tz, currency, now)?;
    let cards: Vec<Value> = profile
        .cards
        .values()
        .map(|c| api::render::member_card(c, member, now))
        .collect();
    // Stored value never expires: its balance is the same at every instant.
    let value_balance = accounts::value_balance(snapshot, shop, member)?;
    let level = level_view(
        snapshot,
        shop,
        &mut profile,
        currency.as_ref(),
        tz,
        value_balance,
        now,
    )?;
    Ok(json!({
        "member_id": member.as_str(),
        "points": points_view,
        "credit": credit_view,
        "cards": cards,
        "totals": {
            "spend": money(profile.totals.spend),
            "orders": profile.totals.orders,
            "recharge": money(profile.totals.recharge),
        },
        "level": level,
        "growth": profile.standing.climb.growth,
        // 003: stored value is the member's own money: always shown, never expires.
        "value": {"balance": money(value_balance)},
        "birthday": profile.birthday.map(|b| b.to_string()),
    }))
}

/// 001: with the credit program off (or never set up) the balance leaves the customer's
/// view; staff still see it, and the credit itself stays spendable.
fn credit_view(
    snapshot: &Snapshot,
    principal: &Principal,
    member: &MemberId,
    profile: &domain::member::Profile,
    tz: domain::ShopTz,
    currency: Option<domain::Currency>,
    now: DateTime<Utc>,
) -> Result<Value, ApiError> {
    let shop = &principal.shop;
    if !principal.role.is_staff() && !programs::enabled(snapshot, shop, Program::Credit) {
        return Ok(Value::Null);
    }
    let credit = accounts::read::<Decimal>(snapshot, shop, member, AccountKind::Credit)?;
    let mut v = balance_view(AccountKind::Credit, &credit, tz, currency.as_ref(), now);
    v["card_no"] = json!(profile.credit_card_no);
    Ok(v)
}

/// An erased member: when, and nothing on any account.
fn erased_view(
    member: &MemberId,
    at: DateTime<Utc>,
    tz: ShopTz,
    currency: Option<&Currency>,
    now: DateTime<Utc>,
) -> Value {
    let zero = currency.map_or_else(
        || Decimal::ZERO.to_string(),
        |c| domain::Money::from_stored(Decimal::ZERO).to_string_in(c),
    );
    let (points, credit) = (Account::<i64>::default(), Account::<Decimal>::default());
    json!({
        "member_id": member.as_str(),
        "erased_at": api::render::instant(at),
        "points": balance_view(AccountKind::Points, &points, tz, None, now),
        "credit": balance_view(AccountKind::Credit, &credit, tz, currency, now),
        "cards": [],
        "totals": {"spend": zero, "orders": 0, "recharge": zero},
        "level": null,
        "growth": 0,
        "value": {"balance": zero},
        "birthday": null,
    })
}

/// The points balance with the program's name, what is pending and until when, and (003:
/// from 16 December) the coming reset on 1 January.
fn points_view(
    snapshot: &Snapshot,
    shop: &domain::ShopId,
    member: &MemberId,
    tz: domain::ShopTz,
    now: DateTime<Utc>,
) -> Result<Value, ApiError> {
    let points = accounts::read::<i64>(snapshot, shop, member, AccountKind::Points)?;
    let mut view = balance_view(AccountKind::Points, &points, tz, None, now);
    if let Some(name) = programs::name(snapshot, shop, Program::Points) {
        view["name"] = Value::String(name);
    }
    view["pending"] = json!(points.pending_at(now));
    view["pending_until"] = json!(points
        .holds()
        .iter()
        .filter(|h| h.until > now)
        .map(|h| json!({"until": tz.format(h.until), "amount": h.amount, "order_id": h.order_id}))
        .collect::<Vec<_>>());
    let (versions, _) = programs::read_points(snapshot, shop)?;
    view["resets_on"] = json!(versions
        .current()
        .and_then(|p| p.reset_warning(now, tz))
        .map(|d| d.to_string()));
    Ok(view)
}

/// 003: the level, exact at this instant without a job: what time alone did since the last
/// write (a pending upgrade, a lapse) is applied to the view, not stored. Without a ladder,
/// the rule card that is the member's level (version 1), while it is live and enabled.
fn level_view(
    snapshot: &Snapshot,
    shop: &domain::ShopId,
    profile: &mut domain::member::Profile,
    currency: Option<&domain::Currency>,
    tz: domain::ShopTz,
    value_balance: Decimal,
    now: DateTime<Utc>,
) -> Result<Value, ApiError> {
    let ladder = match currency {
        Some(c) => store::levels::read(snapshot, shop, c)?.0,
        None => None,
    };
    if let (Some(ladder), Some(c)) = (&ladder, currency) {
        profile.standing.settle(ladder, tz, value_balance, now);
        return Ok(domain::level_document::standing_view(
            &profile.standing,
            ladder,
            tz,
            c,
        ));
    }
    let summary = store::cards::read_summary(snapshot, shop)?;
    Ok(profile
        .card_level
        .as_ref()
        .filter(|(id, _)| {
            profile
                .cards
                .get(id)
                .is_some_and(|c| c.status_at(now) == "active")
                && summary
                    .rule_cards
                    .iter()
                    .any(|d| &d.card_id == id && d.enabled)
        })
        .map(|(id, name)| json!({"level_id": id, "name": name}))
        .unwrap_or(Value::Null))
}

/// What can be spent now, and the live lots grouped by their shop-local expiry date.
fn balance_view<Q: StoredQuantity>(
    kind: AccountKind,
    account: &Account<Q>,
    tz: ShopTz,
    currency: Option<&Currency>,
    now: DateTime<Utc>,
) -> Value {
    let mut by_date: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    // Held points already released count as spendable, so they are listed with the lots.
    let released = account
        .holds()
        .iter()
        .filter(|h| h.until <= now)
        .filter_map(|h| h.expires_at.map(|e| (e, h.amount)));
    for (at, amount) in account
        .expiring_lots()
        .chain(released)
        .filter(|(at, _)| *at >= now)
    {
        *by_date.entry(tz.local_date(at)).or_default() += amount.to_decimal();
    }
    let expiring: Vec<Value> = by_date
        .into_iter()
        .map(|(date, amount)| {
            json!({
                "date": date.to_string(),
                "amount": api::render::amount(kind, amount, currency),
            })
        })
        .collect();
    json!({
        "balance": api::render::amount(kind, account.balance_at(now).to_decimal(), currency),
        "expiring": expiring,
    })
}
