//! The data access export: the member's partition and everything it refers to, gathered into
//! one document. Apart from the erasure, the other half of what this function decides.

use super::not_found;
use api::render::HeldCard;
use api::{ApiError, Ctx, Reply};
use domain::{MemberId, ShopId};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use store::privacy::{held, plain, Held};
use store::{item, keys, ledger, profile, Snapshot};

/// The data access export (API 1.2): the member's partition, each item as stored in plain
/// JSON, the ledger and cards as the API shows them, and what they refer to.
#[derive(Serialize)]
struct Export<'a> {
    member_id: &'a MemberId,
    profile: Option<Value>,
    /// The standing on the ladder (present once a profile is).
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<Value>,
    accounts: BTreeMap<&'static str, Value>,
    ledger: Vec<Value>,
    cards: Vec<HeldCard>,
    notices: Vec<Value>,
    other: Vec<Other>,
    orders: Vec<Value>,
    purchases: Vec<Value>,
    recharges: Vec<Value>,
}

impl<'a> Export<'a> {
    /// Nothing yet: the member's id, every list empty.
    fn of(member: &'a MemberId) -> Self {
        Self {
            member_id: member,
            profile: None,
            level: None,
            accounts: BTreeMap::new(),
            ledger: Vec::new(),
            cards: Vec::new(),
            notices: Vec::new(),
            other: Vec::new(),
            orders: Vec::new(),
            purchases: Vec::new(),
            recharges: Vec::new(),
        }
    }
}

/// An item of the partition the export has no name for, under its sort key.
#[derive(Serialize)]
struct Other {
    sk: String,
    item: Value,
}

/// The data access export: the member's own partition (profile, accounts with their lots,
/// ledger, cards held, notices), and the orders, purchases and recharges it refers to.
pub(crate) async fn data(ctx: &Ctx, shop: &ShopId, member: &MemberId) -> Result<Reply, ApiError> {
    let items = ctx.store.member_items(shop, member).await?;
    if items.is_empty() {
        return Err(not_found(member));
    }
    let mut out = Export::of(member);
    let mut refs: BTreeSet<keys::Key> = BTreeSet::new();
    let snapshot = Snapshot::of(
        items
            .iter()
            .filter_map(|it| Some((item::key_of(it)?, it.clone()))),
    );
    for it in &items {
        match held(it) {
            Held::Profile => {
                out.profile = Some(plain(it));
                let p = profile::read_any(&snapshot, shop, member)?;
                out.cards = p
                    .cards
                    .values()
                    .map(|c| {
                        if let Some(pid) = &c.purchase_id {
                            refs.insert(keys::purchase(shop, pid));
                        }
                        HeldCard::new(c, member, ctx.now())
                    })
                    .collect();
                out.level = Some(serde_json::to_value(&p.standing).unwrap_or(Value::Null));
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
                out.ledger
                    .push(api::render::body(&api::render::ledger_entry(&listed))?);
            }
            Held::Account(kind) => {
                out.accounts.insert(kind.as_str(), plain(it));
            }
            Held::Notice => out.notices.push(plain(it)),
            Held::Other(sk) => out.other.push(Other {
                sk: sk.to_string(),
                item: plain(it),
            }),
        }
    }
    referred(ctx, refs, &mut out).await?;
    Reply::ok(&out)
}

/// The orders, purchases and recharges the member's items refer to, in one read.
async fn referred(
    ctx: &Ctx,
    refs: BTreeSet<keys::Key>,
    out: &mut Export<'_>,
) -> Result<(), ApiError> {
    let refs: Vec<keys::Key> = refs.into_iter().collect();
    let found = if refs.is_empty() {
        Snapshot::of([])
    } else {
        ctx.store.load(&refs).await?
    };
    let of = |sk: &str| -> Vec<Value> {
        refs.iter()
            .filter(|k| k.sk == sk)
            .filter_map(|k| found.get(k).map(plain))
            .collect()
    };
    out.orders = of("ORDER");
    out.purchases = of("PURCHASE");
    out.recharges = of("RECHARGE");
    Ok(())
}
