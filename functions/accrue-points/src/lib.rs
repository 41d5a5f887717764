//! POST /orders/{order_id}/accrue: the storefront reports a paid order; the member earns
//! points at the rate in force when the order was placed (004), once per order.

use std::collections::BTreeMap;

use api::input::{self, fingerprint};
use api::issuing::MemberState;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::level::earned_by_order;
use domain::order::{AccrualRequest, Earning};
use domain::store_credit::OrderFacts;
use domain::{MemberId, OrderId};
use lambda_http::{Body, Request, Response};
use store::cards;
use store::{keys, levels, programs};

mod answer;
use answer::{answer, Accrued};

mod grants;
use grants::{grant_credit, issue_rule_cards};

pub const OPERATION: &str = "accrue-points";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::STAFF)?;
    let order_id = input::order_id(&req)?;
    let body = input::json_object(&req)?;
    let raw = AccrualRequest::parse(&body)?;
    let member = MemberId::parse(&raw.member_id)?;
    let once = Once {
        key: keys::once::accrual(&order_id)?,
        fingerprint: fingerprint(OPERATION, order_id.as_str(), &body),
    };
    let who = principal.acting(member);
    let read = [
        keys::program(&who.shop, keys::Program::Points),
        keys::order(&who.shop, &order_id),
        keys::profile(&who.shop, &who.member),
        keys::card_summary(&who.shop),
        keys::program(&who.shop, keys::Program::Credit),
        keys::levels(&who.shop),
    ];
    api::work::on_order(ctx, &who, &once, read, &order_id, &raw, decide).await
}

/// 004, 003, 001, 000: the points the order earns (held while the program holds them),
/// the member's totals, the rule cards they now qualify for and the credit the order's
/// rules grant, in one transaction.
fn decide(
    mut work: Work<'_>,
    order_id: &OrderId,
    raw: &AccrualRequest,
) -> Result<Decision, ApiError> {
    let (who, snapshot, now) = (work.who, work.snapshot, work.now);
    let tz = work.tz();
    let accrual = raw.priced(work.currency()?, now)?;
    // The member who redeemed on it owns it: accruing it for another would hand them the
    // redeemed points on a refund (security review, issue 31).
    let mut order = work.order(order_id)?;
    order.check_not_accrued()?;
    let (versions, _) = programs::read_points(snapshot, &who.shop)?;
    let summary = cards::read_summary(snapshot, &who.shop)?;
    let (ladder, _) = levels::read(snapshot, &who.shop, work.currency()?)?;
    let ladder = ladder.as_ref();
    let mut state = work.member()?;
    let on_member = earn(
        &work, &mut state, &summary, ladder, &accrual, &versions, order_id,
    );
    let (earning, before, level_changes) = on_member;
    let Earning {
        earned,
        expires_at,
        held_until,
    } = earning;
    let mut middle = Vec::new();
    let issued = issue_rule_cards(&work, &mut state, &summary, ladder, &mut middle)?;
    let facts = OrderFacts {
        total: accrual.total,
        orders_before: before.orders,
        spend_before: before.spend,
    };
    let credit_issued = grant_credit(&work, &mut state, &mut order, order_id, &facts, &mut middle)?;
    let pending = held_until.is_some();
    order.record_accrual(
        &who.member,
        work.currency()?,
        &accrual,
        earned,
        pending,
        expires_at,
    );
    work.put_order(order_id, &order);
    let accrued = Accrued {
        earning,
        credit_issued,
        cards_issued: issued,
    };
    let mut body = answer(&work, order_id, &state, accrued, &level_changes);
    work.flush(state, middle)?;
    body.coupons_not_issued = work.coupons_not_issued.clone();
    let told = api::webhooks::level_changes(&who.member, &level_changes, tz);
    Ok(work.done(&body)?.tell(told))
}

/// The member's side: the points the order earns at the level held when it was placed
/// (003: the level is settled to now first, and what the order earns may then lift the
/// member), and their running totals (000), which move with the order in the same
/// transaction. Returns the earning, the totals before the order and the level changes.
fn earn(
    work: &Work<'_>,
    state: &mut MemberState,
    summary: &domain::cards::CardSummary,
    ladder: Option<&domain::level::Ladder>,
    accrual: &domain::order::Accrual,
    versions: &domain::points::ProgramVersions,
    order_id: &OrderId,
) -> (
    Earning,
    domain::cards::MemberTotals,
    Vec<domain::level::LevelChange>,
) {
    let (tz, now) = (work.tz(), work.now);
    let mut level_changes = state.settle_level(ladder, tz, now);
    let factors = summary.member_factors(&state.profile, ladder, accrual.placed_at);
    let earning = accrual.earn(versions, &factors, tz, now);
    let links = BTreeMap::from([("order_id".to_owned(), order_id.to_string())]);
    let points = earning.earned.points;
    state.accrue_points(
        points,
        earning.expires_at,
        earning.held_until,
        order_id.as_str(),
        &links,
        now,
    );
    let points_now = state.points.balance_at(now);
    let before = state.profile.totals.record_order(accrual.total, points_now);
    if let Some(ladder) = ladder {
        let counts = earned_by_order(ladder, accrual.total.amount(), points);
        level_changes.extend(state.profile.standing.earn(ladder, tz, &counts, now));
    }
    (earning, before, level_changes)
}
