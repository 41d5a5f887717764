//! The accrual's answer: what the order earned and the balances it leaves. Apart from the
//! decision, which only changes the state.

use api::issuing::MemberState;
use api::work::Work;
use domain::order::Earning;
use domain::Decimal;
use serde_json::{json, Value};

/// What an accrual did, as its answer shows it.
pub(crate) struct Accrued {
    pub(crate) earning: Earning,
    pub(crate) credit_issued: Decimal,
    pub(crate) cards_issued: Vec<Value>,
}

/// The accrual's answer: what the order earned and the balances it leaves.
pub(crate) fn answer(
    work: &Work<'_>,
    order_id: &domain::OrderId,
    state: &MemberState,
    accrued: Accrued,
    level_changes: &[domain::level::LevelChange],
) -> Value {
    let (tz, now) = (work.tz(), work.now);
    json!({
        "order_id": order_id,
        "member_id": work.who.member.as_str(),
        "points_earned": accrued.earning.earned.points,
        "points_expire_at": accrued.earning.expires_at.map(|e| tz.format(e)),
        "points_pending_until": accrued.earning.held_until.map(|u| tz.format(u)),
        "credit_issued": work.money(accrued.credit_issued),
        "credit_card_no": state.profile.credit_card_no.to_owned(),
        "points_balance": state.points.balance_at(now),
        "credit_balance": work.money(state.credit.balance_at(now)),
        "cards_issued": accrued.cards_issued,
        "level_changes": api::render::level_changes(level_changes, tz),
    })
}
