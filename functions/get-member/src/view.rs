//! How a member is shown, part by part: credit, points, level, balances, and the erased
//! member's remainder. Apart from the handler, which reads the state and picks the view.

use api::{ApiError, Principal};
use domain::chrono::{DateTime, NaiveDate, Utc};
use domain::{Account, AccountKind, Currency, Decimal, MemberId, ShopTz};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use store::accounts::{self, StoredQuantity};
use store::keys::Program;
use store::{programs, Snapshot};

/// 001: with the credit program off (or never set up) the balance leaves the customer's
/// view; staff still see it, and the credit itself stays spendable.
pub(crate) fn credit_view(
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
pub(crate) fn erased_view(
    member: &MemberId,
    at: DateTime<Utc>,
    tz: ShopTz,
    currency: Option<&Currency>,
    now: DateTime<Utc>,
) -> Value {
    let zero = api::render::money(Decimal::ZERO, currency);
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
        "coupons": {"available": 0, "next_expiry": null},
    })
}

/// The points balance with the program's name, what is pending and until when, and (003:
/// from 16 December) the coming reset on 1 January.
pub(crate) fn points_view(
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
pub(crate) fn level_view(
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
pub(crate) fn balance_view<Q: StoredQuantity>(
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
