use std::sync::Arc;

use api::Clock;
use domain::chrono::{DateTime, Utc};
use domain::Decimal;
use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

async fn program(env: &TestEnv, body: Value) -> Res {
    let req = Req::put("/admin/programs/points")
        .bearer(&env.admin())
        .json(&body)
        .build();
    Res::from_response(admin_points_program::handler(&env.ctx, req).await)
}

fn standard(expiry: Value) -> Value {
    json!({"enabled": true, "name": "Stars", "earn": {"points_per_unit": 100},
           "redeem": {"points_per_unit": 100}, "expiry": expiry})
}

fn order(total: &str, placed: &str) -> Value {
    json!({"member_id": "m1", "currency": "MYR", "total": total, "placed_at": placed,
           "paid_at": placed, "lines": [{"sku": "A1", "category": "milk", "amount": total}]})
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn an_order_of_30_98_earns_3098_points_once_expiring_at_235959_local() {
    // 004: MYR 30.98 at 100/MYR = 3098; earned 2022-04-01 13:21 with 6 months expires
    // 2022-10-01 23:59:59 local.
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2022-03-01T00:00:00+08:00"))).await;
    setup_shop(&env).await;
    assert_eq!(
        program(&env, standard(json!({"kind": "months", "months": 6})))
            .await
            .status,
        200
    );
    env.ctx.clock = Clock::Fixed(at("2022-04-01T13:25:00+08:00"));
    let body = order("30.98", "2022-04-01T13:21:00+08:00");
    let res = env.accrue("o1", body.clone()).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["points_earned"], 3098);
    assert_eq!(res.body["points_expire_at"], "2022-10-01T23:59:59+08:00");
    assert_eq!(res.body["points_balance"], 3098);
    let again = env.accrue("o1", body).await;
    assert_eq!(again.raw, res.raw);
    let m = member(&env, "m1").await;
    assert_eq!(m["points"]["balance"], 3098);
    assert_eq!(m["points"]["name"], "Stars");
    // The replayed call did not count the order twice.
    assert_eq!(
        m["totals"],
        json!({"spend": "30.98", "orders": 1, "recharge": "0.00"})
    );
    assert_eq!(
        m["points"]["expiring"],
        json!([{"date": "2022-10-01", "amount": 3098}])
    );
    assert_eq!(ledger_all(&env, "m1", "points").await[0]["kind"], "accrual");
}

#[tokio::test]
async fn the_rate_in_force_when_the_order_was_placed_applies() {
    // 004: placed at 10/MYR, changed to 1/MYR, then paid: MYR 10 gives 100 points.
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-04-01T09:00:00+08:00"))).await;
    setup_shop(&env).await;
    let mut ten = standard(json!({"kind": "never"}));
    ten["earn"]["points_per_unit"] = json!(10);
    program(&env, ten).await;
    env.ctx.clock = Clock::Fixed(at("2026-04-01T11:00:00+08:00"));
    let mut one = standard(json!({"kind": "never"}));
    one["earn"]["points_per_unit"] = json!(1);
    program(&env, one).await;
    env.ctx.clock = Clock::Fixed(at("2026-04-01T12:00:00+08:00"));
    let placed_before = order("10.00", "2026-04-01T10:00:00+08:00");
    assert_eq!(
        env.accrue("o1", placed_before).await.body["points_earned"],
        100
    );
    let placed_after = order("10.00", "2026-04-01T11:30:00+08:00");
    assert_eq!(
        env.accrue("o2", placed_after).await.body["points_earned"],
        10
    );
}

#[tokio::test]
async fn redeeming_387_points_gives_3_87_off_and_a_disabled_program_refuses() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    program(&env, standard(json!({"kind": "never"}))).await;
    adjust(
        &env,
        "m1",
        "seed",
        json!({"account": "points", "delta": 400, "reason": "seed"}),
    )
    .await;
    let me = env.token("customer", "m1");
    let res = env.redeem_as(&me, "o9", json!({"points": 387})).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["discount"], "3.87");
    assert_eq!(res.body["points_balance"], 13);
    env.redeem_as(&me, "o10", json!({"points": 14}))
        .await
        .assert_problem(409, "insufficient_balance");
    env.redeem_as(
        &env.token("customer", "m2"),
        "o9",
        json!({"member_id": "m1", "points": 1}),
    )
    .await
    .assert_problem(403, "forbidden");
    let mut off = standard(json!({"kind": "never"}));
    off["enabled"] = json!(false);
    program(&env, off).await;
    env.redeem_as(&me, "o11", json!({"points": 1}))
        .await
        .assert_problem(409, "program_disabled");
    assert_eq!(member(&env, "m1").await["points"]["balance"], 13);
}

#[tokio::test]
async fn a_refund_claws_back_earned_points_and_restores_redeemed_ones_to_their_lots() {
    let start = at("2026-04-01T10:00:00+08:00");
    let env = TestEnv::with_clock(Clock::Fixed(start)).await;
    setup_shop(&env).await;
    program(&env, standard(json!({"kind": "never"}))).await;
    // The order is placed after the program began (the rate in force at placement counts).
    adjust(
        &env,
        "m1",
        "seed",
        json!({"account": "points", "delta": 500, "reason": "seed", "expires_on": "2026-12-31"}),
    )
    .await;
    let me = env.token("customer", "m1");
    // At checkout 200 points are redeemed; the paid order (MYR 40.00) earns 4000.
    assert_eq!(
        env.redeem_as(&me, "o1", json!({"points": 200}))
            .await
            .status,
        200
    );
    assert_eq!(
        env.accrue("o1", order("40.00", "2026-04-01T10:00:00+08:00"))
            .await
            .body["points_earned"],
        4000
    );

    env.refund("o1", json!({"refund_id": "r1", "amount": "40.01"}))
        .await
        .assert_problem(422, "refund_exceeds_paid");
    let res = env
        .refund("o1", json!({"refund_id": "r1", "amount": "10.00"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["points_clawed_back"], 1000);
    assert_eq!(res.body["points_restored"], 50);
    assert_eq!(res.body["points_balance"], 300 + 4000 - 1000 + 50);
    // The restored points went back to the lot expiring at the end of 2026.
    let m = member(&env, "m1").await;
    assert_eq!(
        m["points"]["expiring"],
        json!([{"date": "2026-12-31", "amount": 350}])
    );
    // A retry of r1 changes nothing; the rest of the order refunds the rest.
    assert_eq!(
        env.refund("o1", json!({"refund_id": "r1", "amount": "10.00"}))
            .await
            .raw,
        res.raw
    );
    let rest = env
        .refund("o1", json!({"refund_id": "r2", "amount": "30.00"}))
        .await;
    assert_eq!(rest.body["points_clawed_back"], 3000);
    assert_eq!(rest.body["points_restored"], 150);
    assert_eq!(rest.body["points_balance"], 500);
    assert_eq!(ledger_sum(&env, "m1", "points").await, Decimal::from(500));
    env.refund("o1", json!({"refund_id": "r3", "amount": "0.01"}))
        .await
        .assert_problem(422, "refund_exceeds_paid");
}

#[tokio::test]
async fn a_clawback_above_the_balance_is_refused_and_says_so() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    program(&env, standard(json!({"kind": "never"}))).await;
    env.accrue("o1", order("10.00", &just_now(&env))).await;
    adjust(
        &env,
        "m1",
        "spent",
        json!({"account": "points", "delta": -900, "reason": "spent elsewhere"}),
    )
    .await;
    let res = env
        .refund("o1", json!({"refund_id": "r1", "amount": "10.00"}))
        .await;
    res.assert_problem(409, "insufficient_balance");
    assert!(res.body["detail"].as_str().unwrap().contains("1000"));
    assert_eq!(member(&env, "m1").await["points"]["balance"], 100);
}

#[tokio::test]
async fn bad_orders_are_refused() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    program(&env, standard(json!({"kind": "never"}))).await;
    for body in [
        json!({"member_id": "m1", "currency": "USD", "total": "1.00", "placed_at": "2026-04-01T10:00:00Z"}),
        json!({"member_id": "m1", "currency": "MYR", "total": "1.001", "placed_at": "2026-04-01T10:00:00Z"}),
        json!({"member_id": "m1", "currency": "MYR", "total": "-1.00", "placed_at": "2026-04-01T10:00:00Z"}),
        json!({"member_id": "m1", "currency": "MYR", "total": "1.00", "placed_at": "yesterday"}),
        json!({"currency": "MYR", "total": "1.00", "placed_at": "2026-04-01T10:00:00Z"}),
    ] {
        env.accrue("o1", body)
            .await
            .assert_problem(422, "invalid_request");
    }
    let customer = Req::post("/orders/o1/accrue")
        .param("order_id", "o1")
        .bearer(&env.token("customer", "m1"))
        .json(&order("1.00", "2026-04-01T10:00:00Z"))
        .build();
    Res::from_response(accrue_points::handler(&env.ctx, customer).await)
        .assert_problem(403, "forbidden");
    for body in [
        json!({"enabled": true, "earn": {"points_per_unit": 0}, "redeem": {"points_per_unit": 100}}),
        json!({"enabled": true, "earn": {"points_per_unit": 1}, "redeem": {"points_per_unit": 100}, "expiry": {"kind": "months", "months": 5}}),
    ] {
        program(&env, body)
            .await
            .assert_problem(422, "invalid_request");
    }
    // API 1.1: a PUT keeps the fields it does not send; a shop's first program needs them.
    let kept = program(
        &env,
        json!({"enabled": true, "earn": {"points_per_unit": 1}}),
    )
    .await;
    assert_eq!(kept.body["redeem"]["points_per_unit"], 100, "{}", kept.raw);
    let fresh = TestEnv::new().await;
    setup_shop(&fresh).await;
    program(
        &fresh,
        json!({"enabled": true, "earn": {"points_per_unit": 1}}),
    )
    .await
    .assert_problem(422, "invalid_request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_redemptions_of_ten_from_a_thousand_never_overdraw() {
    let env = Arc::new(TestEnv::isolated().await);
    setup_shop(&env).await;
    program(&env, standard(json!({"kind": "never"}))).await;
    adjust(
        &env,
        "m1",
        "seed",
        json!({"account": "points", "delta": 1000, "reason": "seed"}),
    )
    .await;
    let answers = race(200, |i| {
        let env = env.clone();
        async move {
            let me = env.token("customer", "m1");
            env.redeem_as(&me, &format!("o{i}"), json!({"points": 10}))
                .await
        }
    })
    .await;
    let (won, refused) = tally(answers, 200, "insufficient_balance");
    let ok = won.len();
    assert_eq!((ok, refused), (100, 100));
    assert_eq!(member(&env, "m1").await["points"]["balance"], 0);
    assert_eq!(ledger_sum(&env, "m1", "points").await, Decimal::ZERO);
}

#[tokio::test]
async fn accrual_redemption_and_refund_are_one_read_and_one_write() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    program(&env, standard(json!({"kind": "never"}))).await;
    let mut measured = Vec::new();
    let before = env.store().calls();
    let res = env.accrue("o1", order("10.00", &just_now(&env))).await;
    assert_eq!(res.body["points_earned"], 1000, "{}", res.raw);
    measured.push(env.store().calls().since(&before));
    let before = env.store().calls();
    env.redeem_as(&env.token("customer", "m1"), "o2", json!({"points": 5}))
        .await;
    measured.push(env.store().calls().since(&before));
    let before = env.store().calls();
    env.refund(
        "o1",
        json!({"refund_id": "r1", "amount": "1.00", "member_id": "m1"}),
    )
    .await;
    measured.push(env.store().calls().since(&before));
    for calls in measured {
        assert_eq!((calls.reads(), calls.writes()), (1, 1), "{calls:?}");
    }
}

/// A placement time after the program was set up, on the env's clock.
fn just_now(env: &TestEnv) -> String {
    env.ctx.now().to_rfc3339()
}

#[tokio::test]
async fn tiered_redemption_and_windows_are_enforced() {
    // Friday 2026-11-27, 10:00 in Kuala Lumpur.
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-11-27T10:00:00+08:00"))).await;
    setup_shop(&env).await;
    let mut tiered = standard(json!({"kind": "never"}));
    tiered["redeem"]["tiers"] =
        json!([{"points": 500, "discount": "5.00"}, {"points": 1000, "discount": "12.00"}]);
    tiered["redeem"]["windows"] = json!({"days_of_week": ["fri", "sat"]});
    let res = program(&env, tiered).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["redeem"]["tiers"][1]["discount"], "12.00");
    adjust(
        &env,
        "m1",
        "seed",
        json!({"account": "points", "delta": 2000, "reason": "seed"}),
    )
    .await;
    let me = env.token("customer", "m1");
    let res = env.redeem_as(&me, "o1", json!({"points": 1000})).await;
    assert_eq!(res.body["discount"], "12.00", "{}", res.raw);
    env.redeem_as(&me, "o2", json!({"points": 700}))
        .await
        .assert_problem(422, "invalid_request");
    env.ctx.clock = Clock::Fixed(at("2026-11-29T10:00:00+08:00"));
    env.redeem_as(&me, "o3", json!({"points": 500}))
        .await
        .assert_problem(409, "redemption_closed");
    assert_eq!(member(&env, "m1").await["points"]["balance"], 1000);
    let mut bad = standard(json!({"kind": "never"}));
    bad["redeem"]["tiers"] =
        json!([{"points": 500, "discount": "5.00"}, {"points": 1000, "discount": "4.00"}]);
    program(&env, bad)
        .await
        .assert_problem(422, "invalid_request");
}

#[tokio::test]
async fn product_and_category_rules_exclusions_and_periods_shape_what_an_order_earns() {
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-11-01T09:00:00+08:00"))).await;
    setup_shop(&env).await;
    let mut rules = standard(json!({"kind": "never"}));
    rules["earn"] = json!({"points_per_unit": 100,
        "rules": [{"category": "milk", "per_unit": 200}, {"product": "M1", "fixed": 50},
                  {"product": "M2", "special": true, "percent": 10}],
        "exclude": {"promotional": true},
        "multipliers": [{"from": "2026-12-01", "until": "2026-12-31", "factor": "2"}]});
    let res = program(&env, rules).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["earn"]["rules"][2]["special"], true);
    env.ctx.clock = Clock::Fixed(at("2026-11-20T10:00:00+08:00"));
    let lines = json!([
        {"sku": "M1", "category": "milk", "amount": "10.00"},
        {"sku": "M3", "category": "milk", "amount": "10.00"},
        {"sku": "M2", "category": "milk", "amount": "100.00"},
        {"sku": "B1", "category": "bread", "amount": "5.00"},
        {"sku": "B2", "category": "bread", "amount": "5.00", "promotional": true}]);
    let mut body = order("130.00", "2026-11-20T09:00:00+08:00");
    body["lines"] = lines.clone();
    // 50 (M1) + 2000 (milk) + 10 (special M2) + 500 (bread) + 0 (promotional)
    assert_eq!(env.accrue("o1", body).await.body["points_earned"], 2560);
    let mut december = order("130.00", "2026-12-05T09:00:00+08:00");
    december["lines"] = lines;
    env.ctx.clock = Clock::Fixed(at("2026-12-05T10:00:00+08:00"));
    assert_eq!(env.accrue("o2", december).await.body["points_earned"], 5120);
    let mut bad = standard(json!({"kind": "never"}));
    bad["earn"]["rules"] = json!([{"product": "M1", "category": "milk", "fixed": 5}]);
    program(&env, bad)
        .await
        .assert_problem(422, "invalid_request");
}
