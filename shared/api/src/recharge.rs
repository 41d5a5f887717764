//! Stored-value recharges at the edge (003): one recharge decided by
//! `domain::stored_value`, turned into one transaction: the value paid and the gift value
//! on the value account, points and credit gifts, the member's cumulative recharge and
//! level (by recharge, and a rule's auto upgrade), the once-per-member marker, the recharge
//! record and its notification. The till operation and the payment webhooks share it.

use std::collections::BTreeMap;

use domain::cards::grant;
use domain::chrono::{DateTime, Utc};
use domain::level::{Counters, LevelChange};
use domain::stored_value::Recharge;
use domain::{AccountKind, Decimal, EntryKind, MemberId, Refusal, Settings, ShopId};
use serde::Serialize;
use serde_json::{json, Value};
use store::value::{self, RechargeRecord};
use store::{accounts, keys, outbox, Snapshot};

use crate::exec::Decision;
use crate::render;
use crate::work::Work;
use crate::ApiError;

/// Where a recharge lands and under which id (its member and actor are the work's).
pub struct Landing<'a> {
    pub recharge_id: &'a str,
    pub channel: &'a str,
}

/// The member's level id as of now (for a rule's `levels`), from the snapshot.
pub fn level_now(
    snapshot: &Snapshot,
    shop: &ShopId,
    member: &MemberId,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Option<String>, ApiError> {
    let mut profile = store::profile::read(snapshot, shop, member)?;
    let Some(ladder) = store::levels::read(snapshot, shop, &settings.currency)?.0 else {
        return Ok(None);
    };
    profile.standing.settle(
        &ladder,
        settings.timezone,
        accounts::value_balance(snapshot, shop, member)?,
        now,
    );
    Ok(profile.standing.level_id().map(str::to_owned))
}

/// The keys a recharge reads besides the member's profile and points and credit accounts:
/// the value account, the ladder, the program, the rule's once marker.
pub fn keys_for(shop: &ShopId, member: &MemberId, rule_id: Option<&str>) -> Vec<store::Key> {
    let mut out = vec![
        keys::account(shop, member, AccountKind::Value),
        keys::levels(shop),
        keys::program(shop, keys::Program::Value),
    ];
    if let Some(rule) = rule_id {
        out.push(keys::rule_use(shop, member, rule));
    }
    out
}

/// Whether the member used a once-per-member rule before (the marker is in the snapshot).
pub fn used(snapshot: &Snapshot, shop: &ShopId, member: &MemberId, rule_id: &str) -> bool {
    snapshot
        .get(&keys::rule_use(shop, member, rule_id))
        .is_some()
}

/// A decided recharge's writes, told to the work; returns its answer.
pub fn land(work: &mut Work<'_>, at: &Landing<'_>, rc: &Recharge) -> Result<Recharged, ApiError> {
    let (who, snapshot, now) = (work.who, work.snapshot, work.now);
    let (shop, member) = (&who.shop, &who.member);
    let (currency, tz) = (*work.currency()?, work.tz());
    let currency = &currency;
    let links = BTreeMap::from([("recharge_id".to_owned(), at.recharge_id.to_owned())]);
    let ladder = store::levels::read(snapshot, shop, currency)?.0;
    let mut state = work.member()?;
    let mut changes: Vec<LevelChange> = state.settle_level(ladder.as_ref(), tz, now);

    // The value paid and the gift value, each its own ledger entry.
    let mut account = work.account::<Decimal>(AccountKind::Value)?;
    let mut moves = Vec::new();
    for (amount, reason) in [(rc.paid, "recharge"), (rc.gifts.value, "recharge_gift")] {
        if amount.is_zero() {
            continue;
        }
        let (next, mut m) = grant(
            AccountKind::Value,
            account,
            amount.amount(),
            None,
            EntryKind::Recharge,
            &links,
            now,
        );
        if let Some(last) = m.last_mut() {
            last.reason = reason.to_owned();
        }
        account = next;
        moves.extend(m);
    }
    if rc.gifts.points > 0 {
        state.grant_points(rc.gifts.points, None, EntryKind::Recharge, &links, now);
    }
    if !rc.gifts.credit.is_zero() {
        state.grant_credit(rc.gifts.credit.amount(), None, "recharge_gift", &links, now);
    }
    let coupons = rc.gifts.coupons.iter().cloned();
    state
        .coupons_due
        .extend(coupons.map(|c| (c, domain::coupon::Source::Recharge)));

    // 003: cumulative recharge feeds levels by recharge; a rule may lift the level.
    state.profile.totals.recharge += rc.paid.amount();
    if let Some(ladder) = &ladder {
        let earned = Counters {
            recharge: rc.paid.amount(),
            ..Counters::default()
        };
        changes.extend(state.profile.standing.earn(ladder, tz, &earned, now));
        if let Some(to) = &rc.upgrade_to {
            changes.extend(state.profile.standing.lift_to(ladder, to, tz, now));
        }
    }
    let level_id = state.profile.standing.level_id().map(str::to_owned);

    let money = |stored: Decimal| render::Money::new(stored, Some(currency));
    let paid = money(rc.paid.amount());
    let value_added = money(rc.paid.amount() + rc.gifts.value.amount());
    let balance = money(account.balance());
    let gifts = GiftsShown {
        value: money(rc.gifts.value.amount()),
        points: rc.gifts.points,
        credit: money(rc.gifts.credit.amount()),
        coupons: rc.gifts.coupons.clone(),
    };
    let mut middle = vec![value::put_recharge(
        shop,
        &RechargeRecord {
            recharge_id: at.recharge_id.to_owned(),
            member_id: member.to_string(),
            rule_id: rc.rule_id.clone(),
            paid: rc.paid,
            gift_value: rc.gifts.value,
            gift_points: rc.gifts.points,
            gift_credit: rc.gifts.credit,
            channel: at.channel.to_owned(),
            at: now,
            refunded: false,
            version: 0,
        },
    )];
    if let (true, Some(rule)) = (rc.once_per_member, &rc.rule_id) {
        middle.push(value::put_rule_use(shop, member, rule, at.recharge_id));
        let used = Refusal::RuleAlreadyUsed.into();
        work.guard(keys::rule_use(shop, member, rule), used);
    }
    middle.push(outbox::notify(
        shop,
        member,
        outbox::Event::Recharge,
        json!({"recharge_id": at.recharge_id, "paid": paid,
               "value_added": value_added, "value_balance": balance, "gifts": gifts}),
        now,
    ));
    work.post(AccountKind::Value, &account, moves);
    work.tell(crate::webhooks::level_changes(member, &changes, tz));
    work.flush(state, middle)?;
    Ok(Recharged {
        recharge_id: at.recharge_id.to_owned(),
        member_id: member.clone(),
        rule_id: rc.rule_id.clone(),
        paid,
        value_added,
        gifts,
        value_balance: balance,
        level: level_id,
        level_changes: render::level_changes(&changes, tz),
        coupons_not_issued: work.coupons_not_issued.clone(),
    })
}

/// A recharge as the till is answered (POST /members/{id}/recharges).
#[derive(Debug, Serialize)]
pub struct Recharged {
    recharge_id: String,
    member_id: MemberId,
    rule_id: Option<String>,
    paid: render::Money,
    value_added: render::Money,
    gifts: GiftsShown,
    value_balance: render::Money,
    level: Option<String>,
    level_changes: Vec<render::LevelChange>,
    /// Coupons a gift named that could not be issued (none: absent).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    coupons_not_issued: Vec<Value>,
}

/// What a recharge rule gave besides the value paid.
#[derive(Debug, Clone, Serialize)]
struct GiftsShown {
    value: render::Money,
    points: i64,
    credit: render::Money,
    coupons: Vec<String>,
}

/// An online recharge paid (003; `payments::settle` settled any other event): the same
/// effects as at the till under the purchase's id; a rule gone or already used by the
/// member marks it for refund.
pub fn settle_online(
    mut work: Work<'_>,
    rule_id: Option<&str>,
    mut purchase: domain::purchase::Purchase,
) -> Result<Decision, ApiError> {
    use domain::purchase::PurchaseStatus;
    let (who, snapshot) = (work.who, work.snapshot);
    let (shop, member) = (&who.shop, &who.member);
    let currency = *work.currency()?;
    let decided = value::read_program(snapshot, shop, &currency)?
        .0
        .and_then(|p| {
            p.paid_online(rule_id, purchase.amount, |r| {
                used(snapshot, shop, member, r)
            })
        });
    let Some(decided) = decided else {
        purchase.status = PurchaseStatus::RefundDue;
        work.write(store::purchases::put(shop, &purchase));
        return work.done(&crate::render::PROCESSED);
    };
    let at = Landing {
        recharge_id: &purchase.purchase_id,
        channel: "online",
    };
    land(&mut work, &at, &decided)?;
    purchase.status = PurchaseStatus::Paid;
    work.write(store::purchases::put(shop, &purchase));
    work.done(&crate::render::PROCESSED)
}
