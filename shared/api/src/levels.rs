//! Levels at the edge (003): settling a paid upgrade when its payment arrives. The rules
//! are `domain::level`; this turns the decision into one transaction's writes.

use std::collections::BTreeMap;

use domain::ledger::EntryKind;
use domain::purchase::{Purchase, PurchaseStatus};
use serde_json::json;
use store::{outbox, purchases};

use crate::exec::Decision;
use crate::work::Work;
use crate::ApiError;

/// 003 付费升级: paid -> the member is at the level from now (its validity from now) and
/// the reward is granted, once per purchase (`payments::settle` settled any other event: a
/// failed payment only closes the purchase, a level has no stock to give back). If the
/// member has meanwhile gone above the level, or the level left the ladder, the payment is
/// recorded and marked for refund.
pub fn settle_paid_upgrade(
    mut work: Work<'_>,
    level_id: &str,
    mut purchase: Purchase,
) -> Result<Decision, ApiError> {
    let (who, snapshot, now) = (work.who, work.snapshot, work.now);
    let (shop, member) = (&who.shop, &who.member);
    let (currency, tz) = (*work.currency()?, work.tz());
    let ladder = store::levels::read(snapshot, shop, &currency)?.0;
    let mut state = work.member()?;
    state.settle_level(ladder.as_ref(), tz, now);
    let bought = ladder.as_ref().and_then(|ladder| {
        let change = state.profile.standing.bought(ladder, level_id, tz, now)?;
        Some((ladder.level(level_id)?, change))
    });
    let Some((level, change)) = bought else {
        purchase.status = PurchaseStatus::RefundDue;
        work.write(purchases::put(shop, &purchase));
        return work.done(&crate::render::PROCESSED);
    };
    // The reward comes with the paid upgrade only (003 升级奖励).
    let reward = level
        .paid_upgrade
        .as_ref()
        .map(|p| p.reward.clone())
        .unwrap_or_default();
    let links = BTreeMap::from([("purchase_id".to_owned(), purchase.purchase_id.clone())]);
    if reward.points > 0 {
        state.grant_points(reward.points, None, EntryKind::LevelReward, &links, now);
    }
    if !reward.credit.is_zero() {
        let reason = EntryKind::LevelReward.as_str();
        state.grant_credit(reward.credit.amount(), None, reason, &links, now);
    }
    let coupons = reward.coupons.iter().cloned();
    state
        .coupons_due
        .extend(coupons.map(|c| (c, domain::coupon::Source::LevelReward)));
    let mut middle = vec![outbox::notify(
        shop,
        member,
        outbox::Event::LevelUpgraded,
        json!({
            "level_id": level.level_id,
            "name": level.name,
            "purchase_id": purchase.purchase_id,
            "reward": {
                "points": reward.points,
                "credit": crate::render::Money::of(reward.credit, &currency),
                "coupons": reward.coupons,
            },
        }),
        now,
    )];
    purchase.status = PurchaseStatus::Paid;
    middle.push(purchases::put(shop, &purchase));
    work.tell(crate::webhooks::level_changes(member, &[change], tz));
    work.flush(state, middle)?;
    work.done(&crate::render::PROCESSED)
}
