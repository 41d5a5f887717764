//! POST /orders/{order_id}/accrue: the storefront reports a paid order; the member earns
//! points at the rate in force when the order was placed (004), once per order.

use std::collections::BTreeMap;

use api::input::{self, fingerprint};
use api::issuing::{self, Issuance, MemberState};
use api::postings::Posting;
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::order::AccrualRequest;
use domain::points::Earned;
use domain::store_credit::OrderFacts;
use domain::{AccountKind, Decimal, EntryKind, Hold, MemberId, Money, Portion};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use store::cards;
use store::{credit_program, keys, orders, outbox, programs};

pub const OPERATION: &str = "accrue-points";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::STAFF)?;
    let order_id = input::order_id(&req)?.to_string();
    let body = input::json_object(&req)?;
    let raw = AccrualRequest::parse(&body)?;
    let member = MemberId::parse(&raw.member_id)?;
    let once = Once {
        key: keys::once::accrual(&order_id)?,
        fingerprint: fingerprint(OPERATION, &order_id, &body),
    };
    let shop = principal.shop.clone();
    let actor = principal.actor();
    let read = vec![
        keys::settings(&shop),
        keys::program(&shop, keys::Program::Points),
        keys::order(&shop, &order_id),
        keys::profile(&shop, &member),
        keys::account(&shop, &member, AccountKind::Points),
        keys::account(&shop, &member, AccountKind::Credit),
        keys::card_summary(&shop),
        keys::program(&shop, keys::Program::Credit),
    ];
    api::execute(ctx, &shop, Some(&once), read, |snapshot, now| {
        let settings = api::require_settings(snapshot, &shop)?;
        let accrual = raw.priced(&settings.currency, now)?;
        let (total, placed_at, earned_at) = (accrual.total, accrual.placed_at, accrual.earned_at);
        let mut order = orders::read(snapshot, &shop, &order_id)?;
        order.check_not_accrued()?;
        let (versions, _) = programs::read_points(snapshot, &shop)?;
        let summary = cards::read_summary(snapshot, &shop)?;
        let mut state = MemberState::read(snapshot, &shop, &member)?;
        let program = versions.in_force_at(placed_at).filter(|p| p.enabled);
        let factors = summary.member_factors(&state.profile, placed_at);
        let earned = program.map_or(Earned::default(), |p| {
            p.earn(total, &accrual.lines, placed_at, settings.timezone, &factors)
        });
        let expires_at = program.and_then(|p| p.expiry_for(earned_at, settings.timezone));
        let held_until = program
            .and_then(|p| p.pending_until(earned_at))
            .filter(|until| *until > now && earned.points > 0);
        let links = BTreeMap::from([("order_id".to_owned(), order_id.clone())]);
        if let Some(until) = held_until {
            // Pending points: on the account but not spendable until `until`.
            let mut account = state.points.clone();
            let moves = account.write_off_expired(AccountKind::Points, &links, now);
            account.hold(Hold {
                until,
                expires_at,
                amount: earned.points,
                order_id: order_id.clone(),
            });
            state.points_changed(account, moves);
        } else if earned.points > 0 {
            state.grant_points(earned.points, expires_at, EntryKind::Accrual, &links, now);
        }

        // The member's running totals move with the order, in the same transaction, and
        // rule cards they now qualify for are issued with it (000).
        let before = state.profile.totals;
        state.profile.totals.spend += total.amount();
        state.profile.totals.orders += 1;
        state.profile.totals.points = state.points.balance_at(now);
        let due: Vec<_> = summary
            .rule_cards_due(&state.profile, now)
            .into_iter()
            .cloned()
            .collect();
        let mut middle = Vec::new();
        let mut issued = Vec::new();
        for def in &due {
            let card = issuing::issue_onto(
                &mut state,
                def,
                &Issuance {
                    shop: &shop,
                    member: &member,
                    actor: &actor,
                    settings: Some(&settings),
                    now,
                    paid: None,
                    purchase_id: None,
                    require_enabled: true,
                },
                &mut middle,
            )?;
            // Rule cards are levels; the summary lists them lowest first, so the last one
            // issued is the member's new level.
            state.profile.level = Some((def.card_id.clone(), def.name.clone()));
            issued.push(issuing::card_view(&card, &member, now));
        }

        // Store credit (001): each rule the order meets grants, into a lot with that rule's
        // validity; the order remembers the lots for a proportional clawback.
        let (credit_program, _) = credit_program::read(snapshot, &shop, &settings.currency)?;
        let facts = OrderFacts {
            total,
            orders_before: before.orders,
            spend_before: before.spend,
        };
        let grants = credit_program
            .as_ref()
            .map(|p| p.for_order(&facts, now, settings.timezone))
            .unwrap_or_default();
        let mut credit_issued = Decimal::ZERO;
        for g in &grants {
            state.grant_credit(g.amount, g.expires_at, g.source.as_str(), &links, now);
            order.credit_granted.push(Portion {
                expires_at: g.expires_at,
                amount: g.amount,
            });
            credit_issued += g.amount;
        }
        if credit_issued > Decimal::ZERO {
            let card_no = state.credit_card_no(&shop, &member, &mut middle);
            let id = api::entry_ids(now, 1).remove(0);
            middle.push(outbox::put(
                &outbox::Notice {
                    shop: &shop,
                    member: &member,
                    id: id.as_str(),
                    event: outbox::Event::Issued,
                    payload: json!({
                        "amount": Money::from_stored(credit_issued).to_string_in(&settings.currency),
                        "balance": Money::from_stored(state.credit.balance_at(now)).to_string_in(&settings.currency),
                        "card_no": card_no,
                        "order_id": order_id,
                        "reasons": grants.iter().map(|g| g.source.as_str()).collect::<Vec<_>>(),
                    }),
                    at: now,
                },
                false,
            ));
        }

        order.record_accrual(
            &member,
            &settings.currency,
            &accrual,
            earned,
            held_until.is_some(),
            expires_at,
        );
        let mut writes = vec![orders::put(&shop, &order_id, &member, &order)];
        let points_balance = state.points.balance_at(now);
        let state_card_no = state.profile.credit_card_no.clone();
        let credit_balance = state.credit.balance_at(now);
        let posting = Posting {
            shop: &shop,
            member: &member,
            actor: &actor,
            currency: Some(&settings.currency),
            now,
        };
        state.flush(&posting, middle, &mut writes);
        let body: Value = json!({
            "order_id": order_id,
            "member_id": member.as_str(),
            "points_earned": earned.points,
            "points_expire_at": expires_at.map(|e| settings.timezone.format(e)),
            "points_pending_until": held_until.map(|u| settings.timezone.format(u)),
            "credit_issued": Money::from_stored(credit_issued).to_string_in(&settings.currency),
            "credit_card_no": state_card_no,
            "points_balance": points_balance,
            "credit_balance": Money::from_stored(credit_balance).to_string_in(&settings.currency),
            "cards_issued": issued,
        });
        Ok(Decision::ok(writes, body))
    })
    .await
}
