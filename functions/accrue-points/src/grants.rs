//! What an accrual grants besides points: the rule cards the new totals qualify for and the
//! store credit the order's rules give. Apart from the points flow in the decision.

use api::issuing::{self, MemberState, MemberWrites, Terms};
use api::work::Work;
use api::ApiError;
use domain::store_credit::OrderFacts;
use domain::Decimal;
use serde_json::json;
use std::collections::BTreeMap;
use store::{credit_program, outbox};

/// 000: the rule cards the member's new totals qualify them for, issued onto `state` (their
/// own writes into `middle`); returns them as the answer shows them.
pub(crate) fn issue_rule_cards(
    work: &Work<'_>,
    state: &mut MemberState,
    summary: &domain::cards::CardSummary,
    ladder: Option<&domain::level::Ladder>,
    middle: &mut Vec<store::Write>,
) -> Result<Vec<api::render::HeldCard>, ApiError> {
    let (who, now) = (work.who, work.now);
    let due: Vec<_> = summary
        .rule_cards_due(&state.profile, ladder, now)
        .into_iter()
        .cloned()
        .collect();
    let mut issued = Vec::new();
    for def in &due {
        let how = work.issuance(Terms {
            require_enabled: true,
            ..Terms::default()
        });
        let card = issuing::issue_onto(state, def, &how, middle)?;
        // Without a ladder, rule cards are levels; the summary lists them lowest first, so
        // the last one issued is the member's new level.
        state.profile.card_level = Some((def.card_id.to_owned(), def.name.clone()));
        issued.push(api::render::HeldCard::new(&card, &who.member, now));
    }
    Ok(issued)
}

/// Store credit (001): each rule the order meets grants, into a lot with that rule's
/// validity; the order remembers the lots for a proportional clawback, and the member is
/// told. Returns the credit issued.
pub(crate) fn grant_credit(
    work: &Work<'_>,
    state: &mut MemberState,
    order: &mut domain::order::Order,
    order_id: &domain::OrderId,
    facts: &OrderFacts,
    middle: &mut Vec<store::Write>,
) -> Result<Decimal, ApiError> {
    let (who, now, snapshot) = (work.who, work.now, work.snapshot);
    let (program, _) = credit_program::read(snapshot, &who.shop, work.currency()?)?;
    let grants = program
        .as_ref()
        .map(|p| p.for_order(facts, now, work.tz()))
        .unwrap_or_default();
    let links = BTreeMap::from([("order_id".to_owned(), order_id.to_string())]);
    for g in &grants {
        state.grant_credit(g.amount, g.expires_at, g.source.as_str(), &links, now);
    }
    let issued = order.record_credit_grants(&grants);
    if issued > Decimal::ZERO {
        let card_no = state.credit_card_no(&who.shop, &who.member, middle);
        let told = json!({
            "amount": work.money(issued),
            "balance": work.money(state.credit.balance_at(now)),
            "card_no": card_no,
            "order_id": order_id,
            "reasons": grants.iter().map(|g| g.source.as_str()).collect::<Vec<_>>(),
        });
        middle.extend(work.notice(outbox::Event::Issued, told));
    }
    Ok(issued)
}
