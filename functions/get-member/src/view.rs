//! How a member is shown, part by part: credit, points, level, balances, and the erased
//! member's remainder. Apart from the handler, which reads the state and picks the view.

use api::render::{Amount, HeldCard, Money};
use api::{ApiError, Principal};
use domain::chrono::{DateTime, NaiveDate, Utc};
use domain::{Account, AccountKind, Currency, Decimal, MemberId, ShopTz};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use store::accounts::{self, StoredQuantity};
use store::keys::Program;
use store::{programs, Snapshot};

/// A member as the API shows them (GET /members/{member_id}).
#[derive(Serialize)]
pub(crate) struct Shown<'a> {
    pub(crate) member_id: &'a MemberId,
    pub(crate) points: PointsShown,
    /// `null` for a customer while the credit program is off.
    pub(crate) credit: Option<CreditShown>,
    pub(crate) cards: Vec<HeldCard>,
    pub(crate) totals: Totals,
    pub(crate) level: Value,
    pub(crate) growth: i64,
    /// 003: stored value is the member's own money: always shown, never expires.
    pub(crate) value: ValueShown,
    pub(crate) birthday: Option<String>,
    pub(crate) coupons: Coupons,
}

/// An erased member (API 1.2): when, and nothing on any account.
#[derive(Serialize)]
pub(crate) struct Erased<'a> {
    member_id: &'a MemberId,
    erased_at: String,
    points: Balance,
    credit: Balance,
    cards: [HeldCard; 0],
    totals: Totals,
    level: Option<Value>,
    growth: i64,
    value: ValueShown,
    birthday: Option<String>,
    coupons: Coupons,
}

#[derive(Serialize)]
pub(crate) struct Totals {
    pub(crate) spend: Money,
    pub(crate) orders: u64,
    pub(crate) recharge: Money,
}

#[derive(Serialize)]
pub(crate) struct ValueShown {
    pub(crate) balance: Money,
}

#[derive(Serialize)]
pub(crate) struct Coupons {
    pub(crate) available: usize,
    pub(crate) next_expiry: Option<String>,
}

/// What can be spent now, and the live lots by their shop-local expiry date.
#[derive(Serialize)]
pub(crate) struct Balance {
    balance: Amount,
    expiring: Vec<Expiring>,
}

#[derive(Serialize)]
struct Expiring {
    date: String,
    amount: Amount,
}

/// Points: the balance with the program's name, what is pending and until when, and the
/// coming reset.
#[derive(Serialize)]
pub(crate) struct PointsShown {
    #[serde(flatten)]
    balance: Balance,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    pending: i64,
    pending_until: Vec<Pending>,
    resets_on: Option<String>,
}

#[derive(Serialize)]
struct Pending {
    until: String,
    amount: i64,
    order_id: String,
}

/// Credit: the balance and the number of the card it is on.
#[derive(Serialize)]
pub(crate) struct CreditShown {
    #[serde(flatten)]
    balance: Balance,
    card_no: Option<String>,
}

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
) -> Result<Option<CreditShown>, ApiError> {
    let shop = &principal.shop;
    if !principal.role.is_staff() && !programs::enabled(snapshot, shop, Program::Credit) {
        return Ok(None);
    }
    let credit = accounts::read::<Decimal>(snapshot, shop, member, AccountKind::Credit)?;
    Ok(Some(CreditShown {
        balance: balance_view(AccountKind::Credit, &credit, tz, currency.as_ref(), now),
        card_no: profile.credit_card_no.clone(),
    }))
}

/// An erased member: when, and nothing on any account.
pub(crate) fn erased_view<'a>(
    member: &'a MemberId,
    at: DateTime<Utc>,
    tz: ShopTz,
    currency: Option<&Currency>,
    now: DateTime<Utc>,
) -> Erased<'a> {
    let zero = Money::new(Decimal::ZERO, currency);
    let (points, credit) = (Account::<i64>::default(), Account::<Decimal>::default());
    Erased {
        member_id: member,
        erased_at: api::render::instant(at),
        points: balance_view(AccountKind::Points, &points, tz, None, now),
        credit: balance_view(AccountKind::Credit, &credit, tz, currency, now),
        cards: [],
        totals: Totals {
            spend: zero,
            orders: 0,
            recharge: zero,
        },
        level: None,
        growth: 0,
        value: ValueShown { balance: zero },
        birthday: None,
        coupons: Coupons {
            available: 0,
            next_expiry: None,
        },
    }
}

/// The points balance with the program's name, what is pending and until when, and (003:
/// from 16 December) the coming reset on 1 January.
pub(crate) fn points_view(
    snapshot: &Snapshot,
    shop: &domain::ShopId,
    member: &MemberId,
    tz: domain::ShopTz,
    now: DateTime<Utc>,
) -> Result<PointsShown, ApiError> {
    let points = accounts::read::<i64>(snapshot, shop, member, AccountKind::Points)?;
    let (versions, _) = programs::read_points(snapshot, shop)?;
    Ok(PointsShown {
        balance: balance_view(AccountKind::Points, &points, tz, None, now),
        name: programs::name(snapshot, shop, Program::Points),
        pending: points.pending_at(now),
        pending_until: points
            .holds()
            .iter()
            .filter(|h| h.until > now)
            .map(|h| Pending {
                until: tz.format(h.until),
                amount: h.amount,
                order_id: h.order_id.clone(),
            })
            .collect(),
        resets_on: versions
            .current()
            .and_then(|p| p.reset_warning(now, tz))
            .map(|d| d.to_string()),
    })
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
fn balance_view<Q: StoredQuantity>(
    kind: AccountKind,
    account: &Account<Q>,
    tz: ShopTz,
    currency: Option<&Currency>,
    now: DateTime<Utc>,
) -> Balance {
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
    let expiring = by_date
        .into_iter()
        .map(|(date, amount)| Expiring {
            date: date.to_string(),
            amount: Amount::new(kind, amount, currency),
        })
        .collect();
    Balance {
        balance: Amount::new(kind, account.balance_at(now).to_decimal(), currency),
        expiring,
    }
}
