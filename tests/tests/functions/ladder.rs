//! Member levels as a ladder of their own (seed 003): the ladder document, upgrades by each
//! metric and their timing, downgrades at the day boundary, the paid upgrade through the
//! signed webhook, default levels by channel, the earns-points flag, rule cards by level,
//! and a race of accruals across a threshold. Time is the context's clock, never a sleep.

use std::sync::Arc;

use api::Clock;
use domain::chrono::{DateTime, Utc};
use domain::Decimal;
use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn put_ladder(env: &TestEnv, token: &str, body: &Value) -> Res {
    let req = Req::put("/admin/levels").bearer(token).json(body).build();
    Res::from_response(admin_levels::handler(&env.ctx, req).await)
}

async fn get_ladder(env: &TestEnv, token: &str) -> Res {
    let req = Req::get("/admin/levels").bearer(token).build();
    Res::from_response(admin_levels::handler(&env.ctx, req).await)
}

async fn accrue(env: &TestEnv, member: &str, order: &str, total: &str) -> Res {
    accrue_now(env, member, order, total, json!([])).await
}

async fn register(env: &TestEnv, member: &str, body: Value) -> Res {
    let req = Req::post(&format!("/members/{member}/register"))
        .param("member_id", member)
        .bearer(&env.token("cashier", "pos-1"))
        .json(&body)
        .build();
    Res::from_response(register_member::handler(&env.ctx, req).await)
}

async fn buy_level(env: &TestEnv, token: &str, level: &str, body: Value) -> Res {
    let req = Req::post(&format!("/levels/{level}/purchase"))
        .param("level_id", level)
        .bearer(token)
        .json(&body)
        .build();
    Res::from_response(purchase_level::handler(&env.ctx, req).await)
}

pub(super) fn ladder(upgrade_by: &str, thresholds: [Value; 3]) -> Value {
    json!({"upgrade_by": upgrade_by, "levels": [
        {"level_id": "base", "name": "Member", "rank": 0, "threshold": thresholds[0]},
        {"level_id": "silver", "name": "Silver", "rank": 1, "threshold": thresholds[1],
         "discount": {"percent": 95, "categories": null, "exclude_categories": ["milk"]},
         "text": "5% off everything but milk"},
        {"level_id": "gold", "name": "Gold", "rank": 2, "threshold": thresholds[2]},
    ]})
}

pub(super) async fn shop_with(env: &TestEnv, timezone: &str, ladder: &Value) {
    let res = settings(
        env,
        &env.admin(),
        json!({"currency": "MYR", "timezone": timezone, "webhook_secret": WEBHOOK_SECRET}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.raw);
    points_program(
        env,
        json!({"enabled": true, "earn": {"points_per_unit": 1}, "redeem": {"points_per_unit": 100}}),
    )
    .await;
    let res = put_ladder(env, &env.admin(), ladder).await;
    assert_eq!(res.status, 200, "{}", res.raw);
}

#[tokio::test]
async fn seed_003_the_ladder_is_stored_read_by_staff_changed_by_managers_and_refused_whole() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let good = ladder("points", [json!(0), json!(500), json!(2000)]);
    let stored = put_ladder(&env, &env.admin(), &good).await;
    assert_eq!(stored.status, 200, "{}", stored.raw);
    assert_eq!(
        stored.body["levels"][1]["discount"]["exclude_categories"],
        json!(["milk"])
    );
    assert_eq!(stored.body["levels"][2]["earns_points"], true);
    // 002: every staff role reads it; only admin and owner change it; customers neither.
    let read = get_ladder(&env, &env.token("cashier", "c1")).await;
    assert_eq!(read.body, stored.body);
    get_ladder(&env, &env.token("customer", "m1"))
        .await
        .assert_problem(403, "forbidden");
    put_ladder(&env, &env.token("ops", "o1"), &good)
        .await
        .assert_problem(403, "forbidden");
    // Each refusal is a 422 that names what is wrong, and the stored ladder is unchanged.
    let mut same_rank = good.clone();
    same_rank["levels"][2]["rank"] = json!(1);
    let mut falling = good.clone();
    falling["levels"][2]["threshold"] = json!(400);
    let mut growth_to_level = good.clone();
    growth_to_level["upgrade_by"] = json!("growth");
    growth_to_level["levels"][2]["validity_days"] = json!(365);
    growth_to_level["levels"][2]["downgrade"] = json!({"kind": "to_level", "level_id": "base"});
    let mut unknown = good.clone();
    unknown["default_till"] = json!("platinum");
    let mut spend_recompute = ladder(
        "cumulative_spend",
        [json!("0.00"), json!("500.00"), json!("2000.00")],
    );
    spend_recompute["levels"][1]["validity_days"] = json!(30);
    spend_recompute["levels"][1]["downgrade"] = json!({"kind": "recompute"});
    for (bad, says) in [
        (same_rank, "rank 1 is used twice"),
        (falling, "thresholds must rise"),
        (
            growth_to_level,
            "growth ladder downgrades only by recompute",
        ),
        (unknown, "unknown default level platinum"),
        (spend_recompute, "cannot recompute"),
    ] {
        let res = put_ladder(&env, &env.admin(), &bad).await;
        res.assert_problem(422, "invalid_request");
        assert!(
            res.body["detail"].as_str().unwrap().contains(says),
            "{says}: {}",
            res.raw
        );
    }
    assert_eq!(get_ladder(&env, &env.admin()).await.body, stored.body);
}

#[tokio::test]
async fn seed_003_growth_upgrades_at_once_clears_growth_and_stays_one_read_one_write() {
    let env = TestEnv::new().await;
    shop_with(
        &env,
        "Asia/Kuala_Lumpur",
        &ladder("growth", [json!(0), json!(500), json!(2000)]),
    )
    .await;
    let first = accrue(&env, "g1", "o1", "320.50").await;
    assert_eq!(first.status, 200, "{}", first.raw);
    let m = member(&env, "g1").await;
    assert_eq!(m["level"]["level_id"], "base");
    assert_eq!(m["growth"], 320);
    assert_eq!(
        m["level"]["progress"],
        json!({"metric": "growth", "value": 320,
        "next_level_id": "silver", "needed": 180})
    );

    let before = env.store().calls();
    let second = accrue(&env, "g1", "o2", "250.00").await;
    let calls = env.store().calls().since(&before);
    assert_eq!((calls.reads(), calls.writes()), (1, 1), "{calls:?}");
    assert_eq!(
        second.body["level_changes"][0]["to"], "silver",
        "{}",
        second.raw
    );
    assert_eq!(second.body["level_changes"][0]["cause"], "upgrade");
    let before = env.store().calls();
    let m = member(&env, "g1").await;
    let calls = env.store().calls().since(&before);
    assert_eq!((calls.reads(), calls.writes()), (1, 0), "{calls:?}");
    // 003 "成长值会立即清零": 570 reached silver at once and growth starts again from 0.
    assert_eq!(m["level"]["level_id"], "silver");
    assert_eq!(m["level"]["pending"], Value::Null);
    assert_eq!(m["growth"], 0);
    assert_eq!(m["level"]["progress"]["needed"], 2000);
    // Refunds never take growth back (003: cumulative counts do not go down).
    let res = refund_order(&env, "g1", "o2", "r1", "250.00").await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(member(&env, "g1").await["level"]["level_id"], "silver");
}

#[tokio::test]
async fn seed_003_points_upgrades_wait_for_local_midnight_and_read_exactly_without_the_job() {
    // 23:30 in Kuala Lumpur: the upgrade is pending until 00:00 local (16:00 UTC).
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-04-01T23:30:00+08:00"))).await;
    shop_with(
        &env,
        "Asia/Kuala_Lumpur",
        &ladder("points", [json!(0), json!(500), json!(2000)]),
    )
    .await;
    let res = accrue(&env, "p1", "o1", "600.00").await;
    assert_eq!(res.body["level_changes"][1]["to"], "silver", "{}", res.raw);
    assert_eq!(
        res.body["level_changes"][1]["effective_at"],
        "2026-04-02T00:00:00+08:00"
    );
    let m = member(&env, "p1").await;
    assert_eq!(m["level"]["level_id"], "base");
    assert_eq!(
        m["level"]["pending"],
        json!({"level_id": "silver",
        "effective_at": "2026-04-02T00:00:00+08:00"})
    );
    env.ctx.clock = Clock::Fixed(at("2026-04-01T23:59:59+08:00"));
    assert_eq!(member(&env, "p1").await["level"]["level_id"], "base");
    // At midnight the read is silver, before any job or write.
    env.ctx.clock = Clock::Fixed(at("2026-04-02T00:00:00+08:00"));
    let m = member(&env, "p1").await;
    assert_eq!(m["level"]["level_id"], "silver");
    assert_eq!(m["level"]["since"], "2026-04-02T00:00:00+08:00");
    assert_eq!(m["level"]["pending"], Value::Null);
    // 003 "积分不会清零": points and the climb stay.
    assert_eq!(m["points"]["balance"], 600);
    assert_eq!(m["level"]["progress"]["value"], 600);
    // The hourly job writes the same answer: one read and one write for this member.
    env.ctx.clock = Clock::Fixed(at("2026-04-02T01:00:00+08:00"));
    let before = env.store().calls();
    expire_lots::settle_levels(&env.ctx, env.ctx.now())
        .await
        .unwrap();
    let calls = env.store().calls().since(&before);
    assert!(calls.writes() >= 1, "{calls:?}");
    assert_eq!(member(&env, "p1").await["level"], m["level"]);
    // Spend (the points balance is spent down) never lowers a points level: it counts
    // points earned, not the balance (open-loyalty#131).
    let spend = adjust(
        &env,
        "p1",
        "spend",
        json!({"account": "points", "delta": -600, "reason": "gift"}),
    )
    .await;
    assert_eq!(spend.status, 200, "{}", spend.raw);
    let m = member(&env, "p1").await;
    assert_eq!(
        (
            m["level"]["level_id"].clone(),
            m["level"]["progress"]["value"].clone()
        ),
        (json!("silver"), json!(600))
    );
}

#[tokio::test]
async fn seed_003_a_lapsed_level_recomputes_the_day_after_its_validity_in_a_dst_zone() {
    // Berlin goes to summer time on 2026-03-29: silver for 10 days from 20 March is valid
    // through 29 March (CEST) and lapses at 00:00 CEST on 30 March (22:00 UTC).
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-03-19T10:00:00+01:00"))).await;
    let mut doc = ladder("points", [json!(0), json!(500), json!(2000)]);
    doc["levels"][1]["validity_days"] = json!(10);
    doc["levels"][1]["downgrade"] = json!({"kind": "recompute"});
    shop_with(&env, "Europe/Berlin", &doc).await;
    accrue(&env, "d1", "o1", "600.00").await;
    env.ctx.clock = Clock::Fixed(at("2026-03-25T12:00:00+01:00"));
    accrue(&env, "d1", "o2", "120.00").await;
    let m = member(&env, "d1").await;
    assert_eq!(m["level"]["level_id"], "silver");
    assert_eq!(m["level"]["valid_until"], "2026-03-29T23:59:59+02:00");
    env.ctx.clock = Clock::Fixed(at("2026-03-29T21:59:59Z"));
    assert_eq!(member(&env, "d1").await["level"]["level_id"], "silver");
    env.ctx.clock = Clock::Fixed(at("2026-03-29T22:00:00Z"));
    let m = member(&env, "d1").await;
    // 120 points earned within silver's window: placed at base, the climb restarts at 120.
    assert_eq!(m["level"]["level_id"], "base", "{m}");
    assert_eq!(m["level"]["since"], "2026-03-30T00:00:00+02:00");
    assert_eq!(m["level"]["progress"]["value"], 120);
    // The job and the next write agree with the read.
    expire_lots::settle_levels(&env.ctx, env.ctx.now())
        .await
        .unwrap();
    assert_eq!(member(&env, "d1").await["level"], m["level"]);
}

#[tokio::test]
async fn seed_003_to_level_and_by_balance_downgrades_and_spend_never_recomputes() {
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-01-05T10:00:00+08:00"))).await;
    let mut doc = ladder(
        "cumulative_spend",
        [json!("0.00"), json!("500.00"), json!("2000.00")],
    );
    doc["levels"][2]["validity_days"] = json!(30);
    doc["levels"][2]["downgrade"] = json!({"kind": "to_level", "level_id": "silver"});
    doc["levels"][1]["validity_days"] = json!(30);
    doc["levels"][1]["downgrade"] =
        json!({"kind": "by_balance", "ranges": [{"min": "0.00", "level_id": "base"}]});
    shop_with(&env, "Asia/Kuala_Lumpur", &doc).await;
    accrue(&env, "s1", "o1", "2500.00").await;
    env.ctx.clock = Clock::Fixed(at("2026-01-06T00:00:00+08:00"));
    let m = member(&env, "s1").await;
    assert_eq!(m["level"]["level_id"], "gold");
    assert_eq!(m["level"]["valid_until"], "2026-02-04T23:59:59+08:00");
    assert_eq!(m["totals"]["spend"], "2500.00");
    // Gold lapses on 5 February to silver; silver (30 days) lapses on 7 March by balance
    // (no stored value yet: 0.00) to base. Cumulative spend itself never goes down.
    env.ctx.clock = Clock::Fixed(at("2026-02-05T00:00:00+08:00"));
    assert_eq!(member(&env, "s1").await["level"]["level_id"], "silver");
    env.ctx.clock = Clock::Fixed(at("2026-03-07T00:00:00+08:00"));
    let m = member(&env, "s1").await;
    assert_eq!(m["level"]["level_id"], "base");
    assert_eq!(m["totals"]["spend"], "2500.00");
    assert_eq!(m["level"]["progress"]["value"], "0.00");
}

#[tokio::test]
async fn seed_003_a_paid_upgrade_settles_once_through_the_signed_webhook_with_its_reward() {
    let env = TestEnv::new().await;
    let mut doc = ladder("points", [json!(0), json!(500), json!(2000)]);
    doc["levels"][2]["validity_days"] = json!(365);
    doc["levels"][2]["paid_upgrade"] = json!({"price": "99.00",
        "reward": {"points": 500, "credit": "10.00", "coupons": ["GOLD10"]}});
    shop_with(&env, "Asia/Kuala_Lumpur", &doc).await;
    accrue(&env, "b1", "o1", "10.00").await;
    let customer = env.token("customer", "b1");
    // Not for sale and not higher: the 422 wins; for sale but not higher: 409.
    buy_level(&env, &customer, "base", json!({}))
        .await
        .assert_problem(422, "invalid_request");
    buy_level(&env, &customer, "nope", json!({}))
        .await
        .assert_problem(422, "invalid_request");
    let started = buy_level(&env, &customer, "gold", json!({})).await;
    assert_eq!(started.status, 201, "{}", started.raw);
    assert_eq!(
        (
            started.body["amount"].clone(),
            started.body["status"].clone(),
            started.body["level_id"].clone()
        ),
        (json!("99.00"), json!("pending"), json!("gold"))
    );
    // Nothing changes before the payment.
    assert_eq!(member(&env, "b1").await["level"]["level_id"], "base");
    let mismatch = webhook(
        &env,
        &json!({"id": "evt_lvl_0", "type": "payment.succeeded",
        "data": {"reference": started.body["purchase_id"], "amount": "9.00", "currency": "MYR"}}),
    )
    .await;
    mismatch.assert_problem(422, "amount_mismatch");
    let paid = payment("evt_lvl_1", "payment.succeeded", &started.body);
    let res = webhook(&env, &paid).await;
    assert_eq!(res.body["status"], "processed", "{}", res.raw);
    let m = member(&env, "b1").await;
    assert_eq!(m["level"]["level_id"], "gold");
    assert!(m["level"]["valid_until"].is_string());
    assert_eq!(m["points"]["balance"], 510);
    assert_eq!(m["credit"]["balance"], "10.00");
    // The same delivery again, and another event for the same purchase: one effect.
    assert_eq!(webhook(&env, &paid).await.body["status"], "duplicate");
    let other = payment("evt_lvl_2", "payment.succeeded", &started.body);
    assert_eq!(webhook(&env, &other).await.body["status"], "duplicate");
    let m = member(&env, "b1").await;
    assert_eq!(m["points"]["balance"], 510);
    assert_eq!(ledger_sum(&env, "b1", "points").await, Decimal::from(510));
    assert_eq!(
        ledger_sum(&env, "b1", "credit").await,
        Decimal::new(1000, 2)
    );
    let bought = get_purchase(
        &env,
        &customer,
        started.body["purchase_id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        (
            bought.body["status"].clone(),
            bought.body["level_id"].clone()
        ),
        (json!("paid"), json!("gold"))
    );
    buy_level(&env, &customer, "gold", json!({}))
        .await
        .assert_problem(409, "level_not_higher");
}

#[tokio::test]
async fn seed_003_registration_starts_at_the_channels_default_level() {
    let env = TestEnv::new().await;
    let mut doc = ladder("growth", [json!(0), json!(500), json!(2000)]);
    doc["default_till"] = json!("silver");
    doc["default_online"] = json!("base");
    shop_with(&env, "Asia/Kuala_Lumpur", &doc).await;
    let till = register(&env, "r1", json!({"channel": "till"})).await;
    assert_eq!(till.status, 201, "{}", till.raw);
    assert_eq!(till.body["level_id"], "silver");
    let online = register(&env, "r2", json!({})).await;
    assert_eq!(online.body["level_id"], "base", "{}", online.raw);
    assert_eq!(member(&env, "r1").await["level"]["level_id"], "silver");
    register(&env, "r3", json!({"channel": "kiosk"}))
        .await
        .assert_problem(422, "invalid_request");
    assert_eq!(member(&env, "r3").await["level"], Value::Null);
}

#[tokio::test]
async fn seed_003_level_multipliers_are_keyed_by_level_and_a_level_may_earn_no_points() {
    let env = TestEnv::new().await;
    let mut doc = ladder("growth", [json!(0), json!(100), json!(1000)]);
    doc["levels"][2]["earns_points"] = json!(false);
    shop_with(&env, "Asia/Kuala_Lumpur", &doc).await;
    points_program(
        &env,
        json!({"enabled": true, "earn": {"points_per_unit": 1, "levels": {"silver": "2"}},
               "redeem": {"points_per_unit": 100}}),
    )
    .await;
    // The order that crosses silver earns at base (the level held when placed)...
    assert_eq!(
        accrue(&env, "x1", "o1", "150.00").await.body["points_earned"],
        150
    );
    // ...the next at silver's x2 (and its 1000 growth reaches gold)...
    assert_eq!(
        accrue(&env, "x1", "o2", "1000.00").await.body["points_earned"],
        2000
    );
    // ...and gold earns no points (credit rules would still apply).
    let gold = accrue(&env, "x1", "o3", "50.00").await;
    assert_eq!(gold.body["points_earned"], 0, "{}", gold.raw);
    assert_eq!(member(&env, "x1").await["level"]["level_id"], "gold");
}

#[tokio::test]
async fn seed_000_rule_cards_by_level_are_issued_and_a_disabled_card_counts_for_nothing() {
    let env = TestEnv::new().await;
    shop_with(
        &env,
        "Asia/Kuala_Lumpur",
        &ladder("growth", [json!(0), json!(100), json!(1000)]),
    )
    .await;
    let vip = new_card(
        &env,
        json!({"kind": "rule", "name": "Silver club", "validity": {"kind": "permanent"},
               "rule": {"level": "silver"},
               "benefits": [{"kind": "points_multiplier", "factor": "3"}]}),
    )
    .await;
    assert_eq!(
        accrue(&env, "c1", "o1", "50.00").await.body["cards_issued"],
        json!([])
    );
    let crossing = accrue(&env, "c1", "o2", "60.00").await;
    assert_eq!(
        crossing.body["cards_issued"][0]["card_id"],
        vip.as_str(),
        "{}",
        crossing.raw
    );
    // Held and enabled: its x3 applies.
    assert_eq!(
        accrue(&env, "c1", "o3", "10.00").await.body["points_earned"],
        30
    );
    // Disabled: holders keep it but it counts for nothing.
    admin_card(&env, "PATCH", &vip, "", Some(json!({"status": "disabled"}))).await;
    assert_eq!(
        accrue(&env, "c1", "o4", "10.00").await.body["points_earned"],
        10
    );
}

#[tokio::test]
async fn seed_000_without_a_ladder_a_disabled_rule_card_is_no_level_and_no_multiplier() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    points_program(
        &env,
        json!({"enabled": true, "earn": {"points_per_unit": 1}, "redeem": {"points_per_unit": 100}}),
    )
    .await;
    let gold = new_card(
        &env,
        json!({"kind": "rule", "name": "Gold", "validity": {"kind": "permanent"},
               "rule": {"orders": 1}}),
    )
    .await;
    points_program(
        &env,
        json!({"enabled": true, "earn": {"points_per_unit": 1, "levels": {gold.clone(): "2"}},
               "redeem": {"points_per_unit": 100}}),
    )
    .await;
    accrue(&env, "v1", "o1", "10.00").await;
    assert_eq!(member(&env, "v1").await["level"]["level_id"], gold.as_str());
    assert_eq!(
        accrue(&env, "v1", "o2", "10.00").await.body["points_earned"],
        20
    );
    admin_card(
        &env,
        "PATCH",
        &gold,
        "",
        Some(json!({"status": "disabled"})),
    )
    .await;
    assert_eq!(member(&env, "v1").await["level"], Value::Null);
    assert_eq!(
        accrue(&env, "v1", "o3", "10.00").await.body["points_earned"],
        10
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seed_003_fifty_concurrent_accruals_across_a_threshold_upgrade_once_with_exact_growth() {
    let env = Arc::new(TestEnv::isolated().await);
    shop_with(
        &env,
        "Asia/Kuala_Lumpur",
        &ladder("growth", [json!(0), json!(500), json!(100000)]),
    )
    .await;
    let answers = race(50, |i| {
        let env = env.clone();
        async move { accrue(&env, "race", &format!("o{i}"), "20.00").await }
    })
    .await;
    let mut upgrades = 0;
    for res in &answers {
        assert_eq!(res.status, 200, "{}", res.raw);
        upgrades += res.body["level_changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["to"] == "silver")
            .count();
    }
    // 50 x 20 growth: silver once at 500 (growth back to 0), then 500 more.
    assert_eq!(upgrades, 1);
    let m = member(&env, "race").await;
    assert_eq!(m["level"]["level_id"], "silver");
    assert_eq!(m["growth"], 500);
    assert_eq!(m["points"]["balance"], 1000);
    assert_eq!(
        ledger_sum(&env, "race", "points").await,
        Decimal::from(1000)
    );
    assert_eq!(m["totals"]["orders"], 50);
}
