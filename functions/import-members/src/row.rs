//! One import row against what is stored: its keys, and whether it is unchanged, lands
//! (its writes) or cannot (why).

use std::collections::{BTreeMap, BTreeSet};

use api::render::Money;
use api::work::Work;
use domain::cards::grant;
use domain::chrono::{DateTime, Utc};
use domain::directory::ImportRow;
use domain::{Account, AccountKind, Decimal, EntryKind, Settings, ShopId};
use serde_json::{json, Value};
use store::accounts::StoredQuantity;
use store::{keys, profile, Key, Snapshot, StoreError, Write};

pub(crate) fn row_keys(shop: &ShopId, r: &ImportRow) -> Vec<Key> {
    let m = &r.member_id;
    let mut out = vec![
        keys::profile(shop, m),
        keys::account(shop, m, AccountKind::Points),
        keys::account(shop, m, AccountKind::Credit),
        keys::account(shop, m, AccountKind::Value),
    ];
    out.extend(r.member_no.as_deref().map(|n| keys::member_no(shop, n)));
    out.extend(r.phone.as_deref().map(|p| keys::phone(shop, p)));
    out
}

/// What a row that lands writes, and the `member.registered` message it tells.
pub(crate) struct Lands {
    pub(crate) writes: Vec<Write>,
    pub(crate) registered: Value,
}

/// A row against what is stored: unchanged (`None`), what it lands, or why it cannot.
pub(crate) fn decide(
    snapshot: &Snapshot,
    shop: &ShopId,
    settings: &Settings,
    actor: &str,
    r: &ImportRow,
    claimed: &mut BTreeSet<String>,
    now: DateTime<Utc>,
) -> Result<Option<Lands>, (&'static str, String)> {
    let member = &r.member_id;
    let stored = |e: StoreError| ("internal_error", e.to_string());
    if profile::known(snapshot, shop, member) {
        let p = profile::read(snapshot, shop, member).map_err(stored)?;
        return if r.same_as(&p) {
            Ok(None)
        } else {
            Err((
                "member_exists",
                format!("member {member} exists with other data"),
            ))
        };
    }
    check_unique(snapshot, shop, r, claimed)?;
    let who = api::Acting {
        shop: shop.clone(),
        member: member.clone(),
        actor: actor.to_owned(),
    };
    let mut work = Work::with(&who, snapshot, now, Some(settings.clone()));
    let p = r.profile(now);
    work.write(profile::put(shop, member, &p));
    if let Some(n) = r.member_no.as_deref() {
        work.write(profile::claim_unique(keys::member_no(shop, n), member));
    }
    if let Some(ph) = r.phone.as_deref() {
        work.write(profile::claim_unique(keys::phone(shop, ph), member));
    }
    let (points, credit, value) = (AccountKind::Points, AccountKind::Credit, AccountKind::Value);
    opening::<i64>(&mut work, points, r.points);
    opening::<Decimal>(&mut work, credit, r.credit.amount());
    opening::<Decimal>(&mut work, value, r.value.amount());
    // The fields `register` tells, the channel `import`, and the opening balances.
    let registered = json!({
        "member_id": member.as_str(),
        "registered_at": p.registered_at.map(|at| settings.timezone.format(at)),
        "channel": "import",
        "level_id": r.level_id,
        "points_balance": r.points,
        "credit_balance": Money::of(r.credit, &settings.currency),
        "value_balance": Money::of(r.value, &settings.currency),
    });
    let writes = work.into_writes();
    Ok(Some(Lands { writes, registered }))
}

/// 003: member numbers and phones are unique in the shop, among the rows of one import too
/// (`claimed`). The phone is not repeated: the import's answer is kept for a day as its
/// idempotency record, where an erasure does not reach (issue 31).
fn check_unique(
    snapshot: &Snapshot,
    shop: &ShopId,
    r: &ImportRow,
    claimed: &mut BTreeSet<String>,
) -> Result<(), (&'static str, String)> {
    let number = r.member_no.as_deref().map(|n| {
        let what = format!("member number {n}");
        (keys::member_no(shop, n), "member_no_taken", n, what)
    });
    let phone = r.phone.as_deref().map(|p| {
        let what = "this phone number".to_owned();
        (keys::phone(shop, p), "phone_taken", p, what)
    });
    for (key, code, value, what) in [number, phone].into_iter().flatten() {
        if profile::holder(snapshot, &key).is_some() || !claimed.insert(format!("{code}:{value}")) {
            return Err((code, format!("{what} belongs to another member")));
        }
    }
    Ok(())
}

/// An opening balance: a new account and its `import` ledger entry.
fn opening<Q: StoredQuantity>(work: &mut Work<'_>, kind: AccountKind, amount: Q) {
    if !amount.is_positive() {
        return;
    }
    let links = BTreeMap::from([("import".to_owned(), "opening_balance".to_owned())]);
    let (account, moves) = grant(
        kind,
        Account::<Q>::default(),
        amount,
        None,
        EntryKind::Import,
        &links,
        work.now,
    );
    work.post(kind, &account, moves);
}
