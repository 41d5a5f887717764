//! Levels at the edge (003): settling a paid upgrade when its payment arrives. The rules
//! are `domain::level`; this turns the decision into one transaction's writes.

use std::collections::BTreeMap;

use domain::chrono::{DateTime, Utc};
use domain::ledger::EntryKind;
use domain::purchase::{PaymentOutcome, Purchase, PurchaseStatus};
use domain::{MemberId, Settings, ShopId};
use serde_json::json;
use store::{outbox, purchases, Snapshot};

use crate::exec::Decision;
use crate::issuing::{MemberState, MemberWrites};
use crate::postings::Posting;
use crate::ApiError;

/// A paid upgrade being settled.
pub struct Upgrade<'a> {
    pub shop: &'a ShopId,
    pub member: &'a MemberId,
    pub level_id: &'a str,
    pub settings: Option<&'a Settings>,
    pub actor: &'a str,
}

/// 003 付费升级: paid -> the member is at the level from now (its validity from now) and
/// the reward is granted, once per purchase. A failed payment only closes the purchase (a
/// level has no stock to give back). If the member has meanwhile gone above the level, or
/// the level left the ladder, the payment is recorded and marked for refund.
pub fn settle_paid_upgrade(
    snapshot: &Snapshot,
    up: Upgrade<'_>,
    mut purchase: Purchase,
    outcome: PaymentOutcome,
    now: DateTime<Utc>,
) -> Result<Decision, ApiError> {
    let processed = json!({"status": "processed"});
    if let Some(answer) = crate::purchasing::stockless(up.shop, &mut purchase, outcome) {
        return Ok(answer);
    }
    purchase.paid_at = Some(now);
    let settings = up.settings.ok_or_else(ApiError::not_configured)?;
    let tz = settings.timezone;
    let ladder = store::levels::read(snapshot, up.shop, &settings.currency)?.0;
    let mut state = MemberState::read(snapshot, up.shop, up.member)?;
    state.settle_level(ladder.as_ref(), tz, now);
    let bought = ladder.as_ref().and_then(|ladder| {
        let change = state
            .profile
            .standing
            .bought(ladder, up.level_id, tz, now)?;
        Some((ladder.level(up.level_id)?, change))
    });
    let Some((level, change)) = bought else {
        purchase.status = PurchaseStatus::RefundDue;
        return Ok(Decision::ok(
            vec![purchases::put(up.shop, &purchase)],
            processed,
        ));
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
    let currency = &settings.currency;
    let mut middle = vec![outbox::notify(
        up.shop,
        up.member,
        outbox::Event::LevelUpgraded,
        json!({
            "level_id": level.level_id,
            "name": level.name,
            "purchase_id": purchase.purchase_id,
            "reward": {
                "points": reward.points,
                "credit": reward.credit.to_string_in(currency),
                "coupons": reward.coupons,
            },
        }),
        now,
    )];
    purchase.status = PurchaseStatus::Paid;
    middle.push(purchases::put(up.shop, &purchase));
    let posting = Posting {
        shop: up.shop,
        member: up.member,
        actor: up.actor,
        currency: Some(currency),
        now,
    };
    let mut writes = Vec::new();
    let read = crate::issuing::Read {
        snapshot,
        settings: Some(settings),
    };
    let granted = state.flush(&read, &posting, middle, &mut writes)?;
    let told = crate::webhooks::level_changes(up.member, &[change], tz);
    Ok(Decision::ok(writes, processed)
        .tell(told)
        .tell(granted.told))
}
