//! Stored value (seed 003 会员储值): the value account, adjusted like credit, spent at
//! checkout, given back by order refunds, raced by concurrent spends.

use std::sync::Arc;

use domain::Decimal;
use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

async fn spend(env: &TestEnv, member: &str, order: &str, amount: &str) -> Res {
    redeem(env, member, order, json!({"value": amount})).await
}

fn value_of(m: &Value) -> Value {
    m["value"]["balance"].clone()
}

#[tokio::test]
async fn seed_003_stored_value_is_adjusted_spent_and_given_back_by_refunds_with_its_ledger() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let put = adjust(
        &env,
        "v1",
        "seed",
        json!({"account": "value", "delta": "100.00", "reason": "opening"}),
    )
    .await;
    assert_eq!(put.body["balance"], "100.00", "{}", put.raw);
    adjust(
        &env,
        "v1",
        "bad",
        json!({"account": "value", "delta": 5, "reason": "x"}),
    )
    .await
    .assert_problem(422, "invalid_request");
    adjust(
        &env,
        "v1",
        "over",
        json!({"account": "value", "delta": "-100.01", "reason": "x"}),
    )
    .await
    .assert_problem(409, "insufficient_balance");
    assert_eq!(value_of(&member(&env, "v1").await), "100.00");
    // A customer sees their own stored value.
    let own = member_as(&env, &env.token("customer", "v1"), "v1").await;
    assert_eq!(value_of(&own.body), "100.00");

    assert_eq!(
        accrue_now(&env, "v1", "o1", "90.00", json!([]))
            .await
            .status,
        200
    );
    let paid = spend(&env, "v1", "o1", "30.00").await;
    assert_eq!(
        (
            paid.body["discount"].clone(),
            paid.body["value_balance"].clone()
        ),
        (json!("30.00"), json!("70.00")),
        "{}",
        paid.raw
    );
    // One value redemption per order; more than the balance: 409, nothing moves.
    assert_eq!(spend(&env, "v1", "o1", "30.00").await.raw, paid.raw);
    spend(&env, "v1", "o2", "70.01")
        .await
        .assert_problem(409, "insufficient_balance");
    // A third of the order refunded gives back a third of the value; the rest with the rest.
    let first = refund_order(&env, "v1", "o1", "r1", "30.00").await;
    assert_eq!(first.body["value_restored"], "10.00", "{}", first.raw);
    let rest = refund_order(&env, "v1", "o1", "r2", "60.00").await;
    assert_eq!(
        (
            rest.body["value_restored"].clone(),
            rest.body["value_balance"].clone()
        ),
        (json!("20.00"), json!("100.00"))
    );
    let entries = ledger_all(&env, "v1", "value").await;
    assert_eq!(entries.len(), 4);
    // Money as the API writes it everywhere, in the currency's minor units (MYR: 2), on
    // every entry of the stored-value ledger as on the credit ledger.
    for e in &entries {
        for field in ["amount", "balance_after"] {
            let shown = e[field].as_str().unwrap_or_default();
            assert!(
                shown
                    .split_once('.')
                    .is_some_and(|(_, minor)| minor.len() == 2),
                "{field} {e}"
            );
        }
    }
    assert_eq!(
        ledger_sum(&env, "v1", "value").await,
        Decimal::new(10000, 2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seed_003_a_hundred_concurrent_spends_of_ten_from_five_hundred_land_exactly_fifty() {
    let env = Arc::new(TestEnv::isolated().await);
    setup_shop(&env).await;
    adjust(
        &env,
        "race",
        "seed",
        json!({"account": "value", "delta": "500.00", "reason": "opening"}),
    )
    .await;
    let answers = race(100, |i| {
        let env = env.clone();
        async move { spend(&env, "race", &format!("order-{i}"), "10.00").await }
    })
    .await;
    let (won, refused) = tally(answers, 200, "insufficient_balance");
    assert_eq!((won.len(), refused), (50, 50));
    assert_eq!(value_of(&member(&env, "race").await), "0.00");
    assert_eq!(ledger_sum(&env, "race", "value").await, Decimal::ZERO);
    assert_eq!(ledger_all(&env, "race", "value").await.len(), 51);
}

async fn recharge(env: &TestEnv, token: &str, member: &str, key: Option<&str>, body: Value) -> Res {
    let mut req = Req::post(&format!("/members/{member}/recharges"))
        .param("member_id", member)
        .bearer(token)
        .json(&body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    Res::from_response(recharge::handler(&env.ctx, req.build()).await)
}

async fn value_program(env: &TestEnv, body: Value) -> Res {
    let req = Req::put("/admin/programs/value")
        .bearer(&env.admin())
        .json(&body)
        .build();
    Res::from_response(admin_value_program::handler(&env.ctx, req).await)
}

async fn refund_recharge(env: &TestEnv, id: &str) -> Res {
    let req = Req::post(&format!("/admin/recharges/{id}/refund"))
        .param("recharge_id", id)
        .bearer(&env.admin())
        .json(&json!({"reason": "changed their mind"}))
        .build();
    Res::from_response(recharge_refund::handler(&env.ctx, req).await)
}

/// A shop with a ladder by cumulative recharge and a program whose r100 gives value,
/// points, credit and a coupon, once per member, lifting the member to silver.
async fn recharge_shop(env: &TestEnv, any_amount: bool) {
    setup_shop(env).await;
    let req = Req::put("/admin/levels")
        .bearer(&env.admin())
        .json(&json!({
        "upgrade_by": "cumulative_recharge", "levels": [
            {"level_id": "base", "name": "Member", "rank": 0, "threshold": "0.00"},
            {"level_id": "silver", "name": "Silver", "rank": 1, "threshold": "500.00"},
            {"level_id": "gold", "name": "Gold", "rank": 2, "threshold": "1000.00"}]}))
        .build();
    assert_eq!(
        Res::from_response(admin_levels::handler(&env.ctx, req).await).status,
        200
    );
    let res = value_program(
        env,
        json!({"enabled": true, "any_amount": any_amount, "min_amount": "10.00",
        "rules": [
            {"rule_id": "r100", "name": "Top up 100, get 10", "pay": "100.00",
             "gifts": {"value": "10.00", "points": 100, "credit": "5.00", "coupons": ["TOPUP"]},
             "channels": ["till", "online"], "once_per_member": true, "upgrade_to": "silver"},
            {"rule_id": "r50", "name": "Till only", "pay": "50.00", "channels": ["till"],
             "stores": ["kl1"]}]}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.raw);
}

#[tokio::test]
async fn seed_003_a_till_recharge_lands_value_gifts_level_and_its_marker_in_one_write() {
    let env = TestEnv::new().await;
    recharge_shop(&env, false).await;
    let cashier = env.token("cashier", "till-1");
    let before = env.store().calls();
    let done = recharge(
        &env,
        &cashier,
        "t1",
        Some("k1"),
        json!({"rule_id": "r100", "channel": "till"}),
    )
    .await;
    let calls = env.store().calls().since(&before);
    assert_eq!((calls.reads(), calls.writes()), (1, 1), "{calls:?}");
    assert_eq!(done.status, 201, "{}", done.raw);
    assert_eq!(
        (
            done.body["paid"].clone(),
            done.body["value_added"].clone(),
            done.body["value_balance"].clone(),
            done.body["level"].clone()
        ),
        (
            json!("100.00"),
            json!("110.00"),
            json!("110.00"),
            json!("silver")
        )
    );
    let m = member(&env, "t1").await;
    assert_eq!(
        (
            m["value"]["balance"].clone(),
            m["points"]["balance"].clone(),
            m["credit"]["balance"].clone()
        ),
        (json!("110.00"), json!(100), json!("5.00"))
    );
    assert_eq!(m["totals"]["recharge"], "100.00");
    assert_eq!(m["level"]["level_id"], "silver");
    assert_eq!(m["level"]["progress"]["value"], "100.00");
    for account in ["value", "points", "credit"] {
        let sum = ledger_sum(&env, "t1", account).await;
        assert!(sum > Decimal::ZERO, "{account}");
    }
    assert_eq!(
        ledger_sum(&env, "t1", "value").await,
        Decimal::new(11000, 2)
    );
    // The same key replays; another key meets the once-per-member marker.
    let again = recharge(
        &env,
        &cashier,
        "t1",
        Some("k1"),
        json!({"rule_id": "r100", "channel": "till"}),
    )
    .await;
    assert_eq!(again.raw, done.raw);
    let items = member_items(&env, "t1").await;
    recharge(
        &env,
        &cashier,
        "t1",
        Some("k2"),
        json!({"rule_id": "r100", "channel": "till"}),
    )
    .await
    .assert_problem(409, "rule_already_used");
    assert_eq!(member_items(&env, "t1").await, items);
    // Refusals change nothing: the wrong store or channel, any amount not allowed, the
    // till for a customer, no Idempotency-Key.
    recharge(
        &env,
        &cashier,
        "t2",
        Some("k3"),
        json!({"rule_id": "r50", "channel": "till", "store_id": "pg1"}),
    )
    .await
    .assert_problem(409, "rule_not_applicable");
    recharge(
        &env,
        &env.token("customer", "t2"),
        "t2",
        Some("k4"),
        json!({"rule_id": "r50"}),
    )
    .await
    .assert_problem(409, "rule_not_applicable");
    recharge(
        &env,
        &cashier,
        "t2",
        Some("k5"),
        json!({"amount": "20.00", "channel": "till"}),
    )
    .await
    .assert_problem(422, "invalid_request");
    recharge(
        &env,
        &env.token("customer", "t2"),
        "t2",
        Some("k6"),
        json!({"rule_id": "r50", "channel": "till", "store_id": "kl1"}),
    )
    .await
    .assert_problem(403, "forbidden");
    recharge(
        &env,
        &cashier,
        "t2",
        None,
        json!({"rule_id": "r50", "channel": "till", "store_id": "kl1"}),
    )
    .await
    .assert_problem(422, "invalid_request");
    assert_eq!(member(&env, "t2").await["value"]["balance"], "0.00");
    let ok = recharge(
        &env,
        &cashier,
        "t2",
        Some("k7"),
        json!({"rule_id": "r50", "channel": "till", "store_id": "kl1"}),
    )
    .await;
    assert_eq!(ok.body["value_balance"], "50.00", "{}", ok.raw);
    // A disabled program refuses.
    value_program(&env, json!({"enabled": false})).await;
    recharge(
        &env,
        &cashier,
        "t2",
        Some("k8"),
        json!({"amount": "20.00", "channel": "till"}),
    )
    .await
    .assert_problem(409, "program_disabled");
}

#[tokio::test]
async fn seed_003_recharge_spend_order_refund_and_recharge_refund_keep_every_ledger_summing() {
    let env = TestEnv::new().await;
    recharge_shop(&env, true).await;
    let cashier = env.token("cashier", "till-1");
    let done = recharge(
        &env,
        &cashier,
        "f1",
        Some("k1"),
        json!({"rule_id": "r100", "channel": "till"}),
    )
    .await;
    let id = done.body["recharge_id"].as_str().unwrap().to_owned();
    assert_eq!(
        accrue_now(&env, "f1", "o1", "80.00", json!([]))
            .await
            .status,
        200
    );
    assert_eq!(
        spend(&env, "f1", "o1", "60.00").await.body["value_balance"],
        "50.00"
    );
    // 110.00 must come back but only 50.00 is there: refused, nothing changes.
    refund_recharge(&env, &id)
        .await
        .assert_problem(409, "insufficient_balance");
    assert_eq!(member(&env, "f1").await["value"]["balance"], "50.00");
    // The order refund gives the 60.00 back; now the recharge can be refunded whole.
    let back = refund_order(&env, "f1", "o1", "r1", "80.00").await;
    assert_eq!(back.body["value_restored"], "60.00", "{}", back.raw);
    let refunded = refund_recharge(&env, &id).await;
    assert_eq!(refunded.status, 200, "{}", refunded.raw);
    assert_eq!(refunded.body["value_taken_back"], "110.00");
    let m = member(&env, "f1").await;
    assert_eq!(
        (
            m["value"]["balance"].clone(),
            m["credit"]["balance"].clone()
        ),
        (json!("0.00"), json!("0.00"))
    );
    for account in ["value", "credit"] {
        assert_eq!(
            ledger_sum(&env, "f1", account).await,
            Decimal::ZERO,
            "{account}"
        );
    }
    refund_recharge(&env, &id)
        .await
        .assert_problem(422, "refund_exceeds_paid");
    // 003: cumulative recharge does not go down with the refund.
    assert_eq!(m["totals"]["recharge"], "100.00");

    // Online: any amount, a pending purchase settled once by the signed webhook.
    let me = env.token("customer", "f2");
    let started = recharge(&env, &me, "f2", Some("k2"), json!({"amount": "25.00"})).await;
    assert_eq!(
        (started.status, started.body["status"].clone()),
        (201, json!("pending")),
        "{}",
        started.raw
    );
    assert_eq!(member(&env, "f2").await["value"]["balance"], "0.00");
    let paid = payment("evt_rch_1", "payment.succeeded", &started.body);
    assert_eq!(webhook(&env, &paid).await.body["status"], "processed");
    assert_eq!(webhook(&env, &paid).await.body["status"], "duplicate");
    let other = payment("evt_rch_2", "payment.succeeded", &started.body);
    assert_eq!(webhook(&env, &other).await.body["status"], "duplicate");
    let m = member(&env, "f2").await;
    assert_eq!(
        (
            m["value"]["balance"].clone(),
            m["totals"]["recharge"].clone()
        ),
        (json!("25.00"), json!("25.00"))
    );
    assert_eq!(ledger_sum(&env, "f2", "value").await, Decimal::new(2500, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seed_003_twenty_till_recharges_of_a_once_per_member_rule_land_exactly_one() {
    let env = Arc::new(TestEnv::isolated().await);
    recharge_shop(&env, false).await;
    let answers = race(20, |i| {
        let env = env.clone();
        async move {
            let cashier = env.token("cashier", "till-1");
            recharge(
                &env,
                &cashier,
                "once",
                Some(&format!("key-{i}")),
                json!({"rule_id": "r100", "channel": "till"}),
            )
            .await
        }
    })
    .await;
    let (won, refused) = tally(answers, 201, "rule_already_used");
    assert_eq!((won.len(), refused), (1, 19));
    let m = member(&env, "once").await;
    assert_eq!(
        (
            m["value"]["balance"].clone(),
            m["points"]["balance"].clone()
        ),
        (json!("110.00"), json!(100))
    );
    assert_eq!(
        ledger_sum(&env, "once", "value").await,
        Decimal::new(11000, 2)
    );
}

#[tokio::test]
async fn seed_003_a_by_balance_downgrade_places_the_member_by_their_stored_value() {
    let at = |s: &str| {
        domain::chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&domain::chrono::Utc)
    };
    let mut env = TestEnv::with_clock(api::Clock::Fixed(at("2026-01-05T10:00:00+08:00"))).await;
    setup_shop(&env).await;
    let req = Req::put("/admin/levels").bearer(&env.admin()).json(&json!({
        "upgrade_by": "cumulative_spend", "levels": [
            {"level_id": "base", "name": "Member", "rank": 0, "threshold": "0.00"},
            {"level_id": "silver", "name": "Silver", "rank": 1, "threshold": "500.00"},
            {"level_id": "gold", "name": "Gold", "rank": 2, "threshold": "2000.00", "validity_days": 30,
             "downgrade": {"kind": "by_balance", "ranges": [
                {"min": "0.00", "level_id": "base"}, {"min": "500.00", "level_id": "silver"}]}}]})).build();
    assert_eq!(
        Res::from_response(admin_levels::handler(&env.ctx, req).await).status,
        200
    );
    accrue_now(&env, "b1", "o1", "2500.00", json!([])).await;
    accrue_now(&env, "b2", "o2", "2500.00", json!([])).await;
    adjust(
        &env,
        "b1",
        "v",
        json!({"account": "value", "delta": "600.00", "reason": "top up"}),
    )
    .await;
    env.ctx.clock = api::Clock::Fixed(at("2026-02-05T00:00:00+08:00"));
    // Gold lapsed: 600.00 of stored value places b1 at silver, b2 (none) at base.
    assert_eq!(member(&env, "b1").await["level"]["level_id"], "silver");
    assert_eq!(member(&env, "b2").await["level"]["level_id"], "base");
}

async fn exchange(env: &TestEnv, token: &str, member: &str, key: &str, rule: &str) -> Res {
    let req = Req::post(&format!("/members/{member}/exchanges"))
        .param("member_id", member)
        .bearer(token)
        .header("Idempotency-Key", key)
        .json(&json!({"rule_id": rule}))
        .build();
    Res::from_response(exchange_gift::handler(&env.ctx, req).await)
}

async fn gift_shop(env: &TestEnv, stock: u64) {
    setup_shop(env).await;
    points_program(
        env,
        json!({"enabled": true, "earn": {"points_per_unit": 1},
        "redeem": {"points_per_unit": 100},
        "exchange": [{"rule_id": "tote", "points": 500, "gift": "Tote bag", "stock": stock},
                     {"rule_id": "pen", "points": 50, "gift": "Pen", "stock": null}]}),
    )
    .await;
}

#[tokio::test]
async fn seed_003_points_buy_gifts_at_the_till_only_within_balance_and_stock() {
    let env = TestEnv::new().await;
    gift_shop(&env, 1).await;
    let req = Req::get("/admin/programs/points")
        .bearer(&env.admin())
        .build();
    let program = Res::from_response(admin_points_program::handler(&env.ctx, req).await);
    assert_eq!(
        program.body["exchange"][0]["gift"], "Tote bag",
        "{}",
        program.raw
    );
    // API 1.1: a PUT keeps the fields it does not send (here: everything but the gifts).
    points_program(
        &env,
        json!({"exchange": [{"rule_id": "tote", "points": 500, "gift": "Tote bag", "stock": 1},
                            {"rule_id": "pen", "points": 50, "gift": "Pen", "stock": null}]}),
    )
    .await;
    let req = Req::get("/admin/programs/points")
        .bearer(&env.admin())
        .build();
    let kept = Res::from_response(admin_points_program::handler(&env.ctx, req).await);
    assert_eq!(kept.body["redeem"]["points_per_unit"], 100, "{}", kept.raw);
    adjust(
        &env,
        "g1",
        "seed",
        json!({"account": "points", "delta": 1200, "reason": "seed"}),
    )
    .await;
    let cashier = env.token("cashier", "till-1");
    // 003: the till only, never the member online.
    exchange(&env, &env.token("customer", "g1"), "g1", "c1", "tote")
        .await
        .assert_problem(403, "forbidden");
    let got = exchange(&env, &cashier, "g1", "k1", "tote").await;
    assert_eq!(got.status, 201, "{}", got.raw);
    assert_eq!(
        (
            got.body["points_spent"].clone(),
            got.body["gift"].clone(),
            got.body["points_balance"].clone()
        ),
        (json!(500), json!("Tote bag"), json!(700))
    );
    assert_eq!(
        exchange(&env, &cashier, "g1", "k1", "tote").await.raw,
        got.raw
    );
    exchange(&env, &cashier, "g1", "k2", "tote")
        .await
        .assert_problem(409, "gift_out_of_stock");
    // Without stock kept, only the balance limits: 700 buys 14 pens.
    for i in 0..14 {
        assert_eq!(
            exchange(&env, &cashier, "g1", &format!("pen-{i}"), "pen")
                .await
                .status,
            201
        );
    }
    exchange(&env, &cashier, "g1", "pen-15", "pen")
        .await
        .assert_problem(409, "insufficient_balance");
    exchange(&env, &cashier, "g1", "k3", "nope")
        .await
        .assert_problem(422, "invalid_request");
    assert_eq!(member(&env, "g1").await["points"]["balance"], 0);
    assert_eq!(ledger_sum(&env, "g1", "points").await, Decimal::ZERO);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seed_003_thirty_exchanges_for_a_gift_with_stock_ten_give_exactly_ten() {
    let env = Arc::new(TestEnv::isolated().await);
    gift_shop(&env, 10).await;
    for i in 0..30 {
        // Idempotency keys are the shop's: one per member's seed.
        adjust(
            &env,
            &format!("x{i}"),
            &format!("seed-{i}"),
            json!({"account": "points", "delta": 600, "reason": "seed"}),
        )
        .await;
    }
    let answers = race(30, |i| {
        let env = env.clone();
        async move {
            let cashier = env.token("cashier", "till-1");
            exchange(&env, &cashier, &format!("x{i}"), &format!("ex-{i}"), "tote").await
        }
    })
    .await;
    let (won, refused) = tally(answers, 201, "gift_out_of_stock");
    assert_eq!((won.len(), refused), (10, 20));
    // The ten who got one spent 500; the twenty others kept all 600.
    let mut spent = 0;
    for i in 0..30 {
        let balance = member(&env, &format!("x{i}")).await["points"]["balance"]
            .as_i64()
            .unwrap();
        assert!(balance == 100 || balance == 600, "{balance}");
        spent += 600 - balance;
    }
    assert_eq!(spent, 5000);
}
