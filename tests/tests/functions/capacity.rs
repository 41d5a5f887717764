//! What each operation costs in DynamoDB capacity, sized by DynamoDB's item-size rules
//! (`loyalty_tests::capacity`), on a member with a year of daily activity. Seed: issue 15
//! (RCU/WCU per operation, transactional writes at 2 WCU per KB; DynamoDB's 400 KB item
//! limit) and 004 (points expire 12 months after they are earned: one lot per day).
//!
//! The table is printed for BENCHMARKS.md:
//! `cargo test -p loyalty-tests --test functions capacity -- --nocapture`

use api::Clock;
use domain::chrono::{DateTime, TimeDelta, Utc};
use loyalty_tests::capacity::{item_size, Cost, Meter};
use loyalty_tests::{Req, Res, TestEnv};
use serde_json::json;
use store::keys;

use crate::support::*;

/// Items an operation writes that are not the state it changes: the idempotency record of
/// a retry-safe request, the member's outbox notice, a card's claim record.
const OVERHEAD: &[&str] = &["IDEM", "OUTBOX"];

fn row(name: &str, cost: &Cost) -> String {
    let kinds: Vec<String> = cost
        .by_kind()
        .into_iter()
        .map(|(kind, (n, wcu))| format!("{kind} {n}x{wcu}"))
        .collect();
    format!(
        "| {name} | {} | {} | {} | {} | {} | {} |",
        cost.items_read,
        cost.rcu,
        cost.writes.len(),
        cost.wcu(),
        cost.wcu_without(OVERHEAD),
        kinds.join(", ")
    )
}

async fn call(meter: &Meter, plain: &store::Store, name: &str, res: Res) -> String {
    assert!(res.status < 300, "{name}: {} {}", res.status, res.raw);
    let cost = meter.cost(plain).await;
    row(name, &cost)
}

#[tokio::test]
async fn capacity_per_operation_and_the_largest_items_after_a_year() {
    let start: DateTime<Utc> = "2026-01-01T10:00:00Z".parse().unwrap();
    let mut env = TestEnv::with_clock(Clock::Fixed(start)).await;
    setup_shop(&env).await;
    points_program(
        &env,
        json!({"enabled": true, "name": "Stars", "earn": {"points_per_unit": 1},
               "redeem": {"points_per_unit": 100}, "expiry": {"kind": "months", "months": 12}}),
    )
    .await;
    let free: Vec<String> = {
        let mut ids = Vec::new();
        for i in 0..10 {
            ids.push(
                new_card(
                    &env,
                    json!({"kind": "free", "name": format!("Free {i}"),
                "benefits": [{"kind": "discount", "percent": 95}]}),
                )
                .await,
            );
        }
        ids
    };
    let paid = new_card(
        &env,
        json!({"kind": "paid", "name": "Gold", "price": "99.00",
        "stock": 100, "validity": {"kind": "days", "days": 365}, "gift_pack": {"points": 50}}),
    )
    .await;
    let plain = env.ctx.store.clone();
    let meter = Meter::default();
    env.ctx.store = meter.store(&plain);

    // A year of daily orders for m1 (one points lot a day) and ten cards held.
    let me = env.token("customer", "m1");
    for card in &free[..9] {
        assert_eq!(claim(&env, &me, card, json!({})).await.status, 201);
    }
    for day in 0..365 {
        env.ctx.clock = Clock::Fixed(start + TimeDelta::days(day));
        let res = accrue_now(
            &env,
            "m1",
            &format!("y{day}"),
            "25.00",
            json!([{"sku": "A1", "category": "milk", "amount": "25.00"}]),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.raw);
    }
    let now = start + TimeDelta::days(365);
    env.ctx.clock = Clock::Fixed(now);
    meter.reset();

    let mut rows = vec![
        "| operation | items read | RCU | items written | WCU | WCU of the state changed | written (kind count x WCU) |".to_owned(),
        "|---|---|---|---|---|---|---|".to_owned(),
    ];
    let shop = env.shop.clone();
    let req = Req::post("/members/m2/register")
        .param("member_id", "m2")
        .bearer(&env.token("cashier", "pos-1"))
        .json(&json!({"email": "m2@example.com"}))
        .build();
    let res = Res::from_response(register_member::handler(&env.ctx, req).await);
    rows.push(call(&meter, &plain, "register-member (new member)", res).await);
    let res = adjust(
        &env,
        "m1",
        "adj-1",
        json!({"account": "points", "delta": 10, "reason": "goodwill"}),
    )
    .await;
    rows.push(call(&meter, &plain, "adjust-balance (points, 365 lots)", res).await);
    let res = accrue_now(
        &env,
        "m1",
        "o1",
        "80.00",
        json!([
        {"sku": "A1", "category": "milk", "amount": "50.00"},
        {"sku": "B2", "category": "bread", "amount": "30.00"}]),
    )
    .await;
    rows.push(
        call(
            &meter,
            &plain,
            "accrue-points (2 lines, 365 lots, 9 cards)",
            res,
        )
        .await,
    );
    let res = env.redeem_as(&me, "o2", json!({"points": 100})).await;
    rows.push(call(&meter, &plain, "redeem (100 points)", res).await);
    let res = env
        .refund("o1", json!({"refund_id": "r1", "amount": "30.00"}))
        .await;
    rows.push(call(&meter, &plain, "order-refund (part of o1)", res).await);
    let res = member_as(&env, &me, "m1").await;
    rows.push(call(&meter, &plain, "get-member", res).await);
    let res = ledger_page(&env, &me, "m1", &[("limit", "50")]).await;
    rows.push(call(&meter, &plain, "get-ledger (50 entries)", res).await);
    let req = Req::post("/checkout/quote")
        .bearer(&me)
        .json(&json!({"currency": "MYR", "lines": [{"sku": "A1", "category": "milk", "amount": "50.00"}]}))
        .build();
    let res = Res::from_response(checkout_quote::handler(&env.ctx, req).await);
    rows.push(call(&meter, &plain, "checkout-quote", res).await);
    let res = claim(&env, &me, &free[9], json!({})).await;
    rows.push(call(&meter, &plain, "claim-card (free)", res).await);
    let p = purchase(&env, &me, &paid, json!({})).await;
    let body = p.body.clone();
    rows.push(call(&meter, &plain, "purchase-card", p).await);
    let res = webhook(&env, &payment("evt_1", "payment.succeeded", &body)).await;
    rows.push(call(&meter, &plain, "payment-webhook (paid: card issued)", res).await);
    let held = member(&env, "m1").await["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["card_id"] == paid.as_str())
        .unwrap()["card_no"]
        .as_str()
        .unwrap()
        .to_owned();
    meter.reset();
    let req = Req::post(&format!("/admin/member-cards/{held}/refund"))
        .param("card_no", &held)
        .bearer(&env.admin())
        .json(&json!({}))
        .build();
    let res = Res::from_response(refund_card::handler(&env.ctx, req).await);
    rows.push(call(&meter, &plain, "refund-card (paid)", res).await);
    let req = Req::put("/admin/members/m1")
        .param("member_id", "m1")
        .bearer(&env.admin())
        .json(&json!({"name": "Mei", "member_no": "A-0001"}))
        .build();
    let res = Res::from_response(admin_members::handler(&env.ctx, req).await);
    rows.push(call(&meter, &plain, "admin-members PUT (name, number)", res).await);
    println!("BENCH capacity (shop {shop})\n{}", rows.join("\n"));

    // The member's largest items after the year, against DynamoDB's 400 KB limit.
    let shop_id = domain::ShopId::parse(&env.shop).unwrap();
    let m1 = domain::MemberId::parse("m1").unwrap();
    let snapshot = plain
        .load(&[
            keys::profile(&shop_id, &m1),
            keys::account(&shop_id, &m1, domain::AccountKind::Points),
            keys::account(&shop_id, &m1, domain::AccountKind::Credit),
        ])
        .await
        .unwrap();
    let sizes: Vec<(String, u64)> = [
        (
            "profile (10 cards held, a year of totals)",
            keys::profile(&shop_id, &m1),
        ),
        (
            "points account (365 lots)",
            keys::account(&shop_id, &m1, domain::AccountKind::Points),
        ),
    ]
    .into_iter()
    .map(|(name, key)| (name.to_owned(), snapshot.get(&key).map_or(0, item_size)))
    .collect();
    println!("BENCH item sizes after a year: {sizes:?}");
    for (name, size) in &sizes {
        assert!(*size > 0, "{name} exists");
        // A year must leave room for many more: a tenth of the limit at most.
        assert!(*size < 40 * 1024, "{name}: {size} bytes");
    }
}
