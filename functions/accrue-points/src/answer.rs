//! The accrual's answer: what the order earned and the balances it leaves. Apart from the
//! decision, which only changes the state.

use api::issuing::MemberState;
use api::render::{self, HeldCard, LevelChange, Money};
use api::work::Work;
use domain::order::Earning;
use domain::{Decimal, MemberId, OrderId};
use serde::Serialize;

/// What an accrual did, as its answer shows it.
pub(crate) struct Accrued {
    pub(crate) earning: Earning,
    pub(crate) credit_issued: Decimal,
    pub(crate) cards_issued: Vec<HeldCard>,
}

/// The accrual as answered (API "POST /orders/{order_id}/accrue").
#[derive(Serialize)]
pub(crate) struct Answer<'a> {
    order_id: &'a OrderId,
    member_id: &'a MemberId,
    points_earned: i64,
    points_expire_at: Option<String>,
    points_pending_until: Option<String>,
    credit_issued: Money,
    credit_card_no: Option<String>,
    points_balance: i64,
    credit_balance: Money,
    cards_issued: Vec<HeldCard>,
    level_changes: Vec<LevelChange>,
    /// API 1.3: a rule card's gift pack coupon disabled or sold out is not issued.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) coupons_not_issued: Vec<serde_json::Value>,
}

/// The accrual's answer: what the order earned and the balances it leaves.
pub(crate) fn answer<'a>(
    work: &Work<'a>,
    order_id: &'a OrderId,
    state: &MemberState,
    accrued: Accrued,
    level_changes: &[domain::level::LevelChange],
) -> Answer<'a> {
    let (tz, now) = (work.tz(), work.now);
    Answer {
        order_id,
        member_id: &work.who.member,
        points_earned: accrued.earning.earned.points,
        points_expire_at: accrued.earning.expires_at.map(|e| tz.format(e)),
        points_pending_until: accrued.earning.held_until.map(|u| tz.format(u)),
        credit_issued: work.money(accrued.credit_issued),
        credit_card_no: state.profile.credit_card_no.to_owned(),
        points_balance: state.points.balance_at(now),
        credit_balance: work.money(state.credit.balance_at(now)),
        cards_issued: accrued.cards_issued,
        level_changes: render::level_changes(level_changes, tz),
        coupons_not_issued: Vec::new(),
    }
}
