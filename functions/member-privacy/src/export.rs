//! The data access export: the member's partition and everything it refers to, gathered into
//! one document. Apart from the erasure, the other half of what this function decides.

use super::not_found;
use api::{ApiError, Ctx, Reply};
use domain::{MemberId, ShopId};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use store::privacy::{held, plain, Held};
use store::{item, keys, ledger, profile, Snapshot};

/// The data access export: the member's own partition (profile, accounts with their lots,
/// ledger, cards held, notices), and the orders, purchases and recharges it refers to.
pub(crate) async fn data(ctx: &Ctx, shop: &ShopId, member: &MemberId) -> Result<Reply, ApiError> {
    let items = ctx.store.member_items(shop, member).await?;
    if items.is_empty() {
        return Err(not_found(member));
    }
    let mut out = json!({"member_id": member.as_str(), "profile": null, "accounts": {},
                         "ledger": [], "cards": [], "notices": [], "other": []});
    let mut refs: BTreeSet<keys::Key> = BTreeSet::new();
    let snapshot = Snapshot::of(
        items
            .iter()
            .filter_map(|it| Some((item::key_of(it)?, it.clone()))),
    );
    for it in &items {
        match held(it) {
            Held::Profile => {
                out["profile"] = plain(it);
                let p = profile::read_any(&snapshot, shop, member)?;
                out["cards"] = p
                    .cards
                    .values()
                    .map(|c| {
                        if let Some(pid) = &c.purchase_id {
                            refs.insert(keys::purchase(shop, pid));
                        }
                        api::render::member_card(c, member, ctx.now())
                    })
                    .collect();
                out["level"] = serde_json::to_value(&p.standing).unwrap_or(Value::Null);
            }
            Held::Ledger => {
                let listed = ledger::decode(it)?;
                for (k, v) in &listed.entry.movement.links {
                    match k.as_str() {
                        "order_id" => match domain::OrderId::parse(v) {
                            Ok(order) => refs.insert(keys::order(shop, &order)),
                            Err(_) => false,
                        },
                        "purchase_id" => refs.insert(keys::purchase(shop, v)),
                        "recharge_id" => refs.insert(keys::recharge(shop, v)),
                        _ => false,
                    };
                }
                push(&mut out["ledger"], api::render::ledger_entry(&listed));
            }
            Held::Account(kind) => out["accounts"][kind.as_str()] = plain(it),
            Held::Notice => push(&mut out["notices"], plain(it)),
            Held::Other(sk) => push(&mut out["other"], json!({"sk": sk, "item": plain(it)})),
        }
    }
    referred(ctx, refs, &mut out).await?;
    Ok(Reply::ok(&out))
}

/// The orders, purchases and recharges the member's items refer to, in one read.
pub(crate) async fn referred(
    ctx: &Ctx,
    refs: BTreeSet<keys::Key>,
    out: &mut Value,
) -> Result<(), ApiError> {
    let refs: Vec<keys::Key> = refs.into_iter().collect();
    let found = if refs.is_empty() {
        Snapshot::of([])
    } else {
        ctx.store.load(&refs).await?
    };
    for (name, sk) in [
        ("orders", "ORDER"),
        ("purchases", "PURCHASE"),
        ("recharges", "RECHARGE"),
    ] {
        out[name] = refs
            .iter()
            .filter(|k| k.sk == sk)
            .filter_map(|k| found.get(k).map(plain))
            .collect();
    }
    Ok(())
}

pub(crate) fn push(list: &mut Value, v: Value) {
    if let Value::Array(items) = list {
        items.push(v);
    }
}
