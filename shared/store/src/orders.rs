//! Orders as the loyalty side sees them: what was earned and redeemed for them, and how much
//! of them has been refunded, so reversals are proportional and never exceed the grant.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::chrono::{DateTime, Utc};
use domain::{Decimal, MemberId, Money, OrderId, Portion, ShopId};

use crate::item::{self, Item};
use crate::keys;
use crate::{Cond, Snapshot, StoreError, Write};

/// The order is a domain type; this module maps it to and from its item.
pub use domain::order::Order;

pub fn read(snapshot: &Snapshot, shop: &ShopId, order_id: &OrderId) -> Result<Order, StoreError> {
    let Some(it) = snapshot.get(&keys::order(shop, order_id)) else {
        return Ok(Order::default());
    };
    let money = |attr: &str| -> Result<Option<Money>, StoreError> {
        match it.get(attr) {
            None => Ok(None),
            Some(_) => Ok(Some(Money::from_stored(item::get_decimal(it, attr)?))),
        }
    };
    let time = |attr: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
        match it.get(attr) {
            None => Ok(None),
            Some(_) => Ok(Some(item::get_time(it, attr)?)),
        }
    };
    let redeemed = decode_portions(it, "redeemed")?
        .into_iter()
        .map(|p| {
            Ok(Portion {
                expires_at: p.expires_at,
                amount: i64::try_from(p.amount)
                    .map_err(|_| StoreError::Corrupt("order redeemed".into()))?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let points_earned = item::get_i64(it, "points_earned").unwrap_or(0);
    Ok(Order {
        member_id: item::opt_s(it, "member_id").map(str::to_owned),
        currency: item::opt_s(it, "currency").map(str::to_owned),
        total: money("total")?,
        placed_at: time("placed_at")?,
        accrued: it
            .get("accrued")
            .and_then(|v| v.as_bool().ok().copied())
            .unwrap_or(false),
        points_earned,
        points_reversible: item::get_i64(it, "points_reversible").unwrap_or(points_earned),
        points_held: it
            .get("points_held")
            .and_then(|v| v.as_bool().ok().copied())
            .unwrap_or(false),
        credit_granted: decode_portions(it, "credit_granted")?,
        credit_clawed_back: money("credit_clawed_back")?.unwrap_or(Money::ZERO),
        refunded_to_credit: money("refunded_to_credit")?.unwrap_or(Money::ZERO),
        earned_expires_at: time("earned_expires_at")?,
        points_clawed_back: item::get_i64(it, "points_clawed_back").unwrap_or(0),
        refunded: money("refunded")?.unwrap_or(Money::ZERO),
        redeemed,
        points_restored: item::get_i64(it, "points_restored").unwrap_or(0),
        credit_redeemed: money("credit_redeemed")?.unwrap_or(Money::ZERO),
        credit_portions: decode_portions(it, "credit_portions")?,
        credit_restored: money("credit_restored")?.unwrap_or(Money::ZERO),
        cancelled_at: time("cancelled_at")?,
        value_redeemed: money("value_redeemed")?.unwrap_or(Money::ZERO),
        value_restored: money("value_restored")?.unwrap_or(Money::ZERO),
        version: item::get_u64_or_zero(it, "version")?,
    })
}

/// Writes the order; `order.version` is the version it was read at. An order keeps the
/// member who first had it: `member` only names the owner of an order that had none (the
/// handlers refuse another member first, `Order::check_owner`; this keeps a write that
/// forgot from moving the order).
pub fn put(shop: &ShopId, order_id: &OrderId, member: &MemberId, order: &Order) -> Write {
    let mut it: Item = item::with_key(&keys::order(shop, order_id), "order");
    it.insert("order_id".into(), item::s(order_id.as_str()));
    let owner = order.member_id.as_deref().unwrap_or(member.as_str());
    it.insert("member_id".into(), item::s(owner));
    if let Some(c) = &order.currency {
        it.insert("currency".into(), item::s(c));
    }
    if let Some(t) = order.total {
        it.insert("total".into(), item::n(t.amount()));
    }
    if let Some(p) = order.placed_at {
        it.insert("placed_at".into(), item::time(p));
    }
    it.insert("accrued".into(), AttributeValue::Bool(order.accrued));
    it.insert("points_earned".into(), item::n(order.points_earned));
    if let Some(e) = order.earned_expires_at {
        it.insert("earned_expires_at".into(), item::time(e));
    }
    it.insert(
        "points_clawed_back".into(),
        item::n(order.points_clawed_back),
    );
    it.insert("refunded".into(), item::n(order.refunded.amount()));
    encode_portions(&mut it, "redeemed", &order.redeemed);
    encode_portions(&mut it, "credit_granted", &order.credit_granted);
    it.insert("points_reversible".into(), item::n(order.points_reversible));
    if order.points_held {
        it.insert("points_held".into(), AttributeValue::Bool(true));
    }
    it.insert(
        "credit_clawed_back".into(),
        item::n(order.credit_clawed_back.amount()),
    );
    it.insert(
        "refunded_to_credit".into(),
        item::n(order.refunded_to_credit.amount()),
    );
    it.insert("points_restored".into(), item::n(order.points_restored));
    if !order.value_redeemed.is_zero() {
        it.insert(
            "value_redeemed".into(),
            item::n(order.value_redeemed.amount()),
        );
        it.insert(
            "value_restored".into(),
            item::n(order.value_restored.amount()),
        );
    }
    it.insert(
        "credit_redeemed".into(),
        item::n(order.credit_redeemed.amount()),
    );
    encode_portions(&mut it, "credit_portions", &order.credit_portions);
    if !order.credit_restored.is_zero() {
        it.insert(
            "credit_restored".into(),
            item::n(order.credit_restored.amount()),
        );
    }
    if let Some(at) = order.cancelled_at {
        it.insert("cancelled_at".into(), item::time(at));
    }
    it.insert("version".into(), item::n(order.version + 1));
    Write::Put {
        item: it,
        cond: Cond::Version(order.version),
    }
}

fn encode_portions<Q: domain::Quantity>(it: &mut Item, attr: &str, portions: &[Portion<Q>]) {
    if portions.is_empty() {
        return;
    }
    let list = portions
        .iter()
        .map(|p| {
            let mut m = HashMap::from([("amount".to_owned(), item::n(p.amount))]);
            if let Some(e) = p.expires_at {
                m.insert("expires_at".to_owned(), item::time(e));
            }
            AttributeValue::M(m)
        })
        .collect();
    it.insert(attr.to_owned(), AttributeValue::L(list));
}

fn decode_portions(it: &Item, attr: &str) -> Result<Vec<Portion<Decimal>>, StoreError> {
    let mut out = Vec::new();
    if let Some(AttributeValue::L(list)) = it.get(attr) {
        for p in list {
            let m = p
                .as_m()
                .map_err(|_| StoreError::Corrupt(format!("order {attr}")))?;
            out.push(Portion {
                expires_at: match m.get("expires_at") {
                    None => None,
                    Some(_) => Some(item::get_time(m, "expires_at")?),
                },
                amount: item::get_decimal(m, "amount")?,
            });
        }
    }
    Ok(out)
}
