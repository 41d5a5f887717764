//! Rule cards issued by accrual, levels and their multipliers, pending points, the yearly
//! reset and flatness over a long history.

use api::Clock;
use domain::chrono::{DateTime, Utc};
use domain::Decimal;
use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::adjustments::seed_ledger;
use crate::support::*;

async fn program(env: &TestEnv, body: Value) -> Res {
    let req = Req::put("/admin/programs/points")
        .bearer(&env.admin())
        .json(&body)
        .build();
    Res::from_response(admin_points_program::handler(&env.ctx, req).await)
}

async fn read_program(env: &TestEnv) -> Res {
    let req = Req::get("/admin/programs/points")
        .bearer(&env.admin())
        .build();
    Res::from_response(admin_points_program::handler(&env.ctx, req).await)
}

fn per_unit(n: u32) -> Value {
    json!({"enabled": true, "earn": {"points_per_unit": n}, "redeem": {"points_per_unit": 100}})
}

/// m1's order of `total`, placed and paid at `placed`.
async fn accrue(env: &TestEnv, order: &str, total: &str, placed: &str) -> Res {
    let body = json!({"member_id": "m1", "currency": "MYR", "total": total,
                      "placed_at": placed, "paid_at": placed});
    env.accrue(order, body).await
}

async fn refund(env: &TestEnv, order: &str, refund_id: &str, amount: &str) -> Res {
    refund_order(env, "m1", order, refund_id, amount).await
}

/// m1 redeems `points` on `order` themselves.
async fn redeem(env: &TestEnv, order: &str, points: i64) -> Res {
    let token = env.token("customer", "m1");
    env.redeem_as(&token, order, json!({"points": points}))
        .await
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn crossing_a_rule_cards_threshold_issues_it_with_the_order_once() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    program(&env, per_unit(1)).await;
    let silver = new_card(
        &env,
        json!({"kind": "rule", "name": "Silver", "validity": {"kind": "permanent"},
               "rule": {"cumulative_spend": "100.00"}, "gift_pack": {"points": 50}}),
    )
    .await;
    let gold = new_card(
        &env,
        json!({"kind": "rule", "name": "Gold", "validity": {"kind": "permanent"},
               "rule": {"cumulative_spend": "300.00"}}),
    )
    .await;
    let now = env.ctx.now().to_rfc3339();
    let first = accrue(&env, "o1", "60.00", &now).await;
    assert_eq!(first.body["cards_issued"], json!([]), "{}", first.raw);
    assert_eq!(member(&env, "m1").await["level"], Value::Null);

    let before = env.store().calls();
    let second = accrue(&env, "o2", "50.00", &now).await;
    let calls = env.store().calls().since(&before);
    assert_eq!((calls.reads(), calls.writes()), (1, 1), "{calls:?}");
    let issued = second.body["cards_issued"].as_array().unwrap();
    assert_eq!(issued.len(), 1, "{}", second.raw);
    assert_eq!(issued[0]["card_id"], silver.as_str());
    // 60 + 50 points from the orders, 50 from the silver gift pack.
    assert_eq!(second.body["points_balance"], 160);
    let m = member(&env, "m1").await;
    assert_eq!(m["level"], json!({"level_id": silver, "name": "Silver"}));
    assert_eq!(ledger_sum(&env, "m1", "points").await, Decimal::from(160));

    // Further orders do not issue silver again; crossing 300 issues gold and moves the level.
    assert_eq!(
        accrue(&env, "o3", "10.00", &now).await.body["cards_issued"],
        json!([])
    );
    let third = accrue(&env, "o4", "200.00", &now).await;
    assert_eq!(third.body["cards_issued"][0]["card_id"], gold.as_str());
    assert_eq!(member(&env, "m1").await["level"]["name"], "Gold");
    let holders = admin_card(&env, "GET", &silver, "", None).await;
    assert_eq!(holders.body["holders"], 1, "{}", holders.raw);

    // A disabled rule card is not issued.
    let platinum = new_card(
        &env,
        json!({"kind": "rule", "name": "Platinum", "validity": {"kind": "permanent"},
               "rule": {"orders": 6}}),
    )
    .await;
    admin_card(
        &env,
        "PATCH",
        &platinum,
        "",
        Some(json!({"status": "disabled"})),
    )
    .await;
    assert_eq!(
        accrue(&env, "o5", "1.00", &now).await.body["cards_issued"],
        json!([])
    );
    assert_eq!(
        accrue(&env, "o6", "1.00", &now).await.body["cards_issued"],
        json!([])
    );
}

#[tokio::test]
async fn only_the_level_multiplier_is_taken_back_on_return() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let gold = new_card(
        &env,
        json!({"kind": "rule", "name": "Gold", "validity": {"kind": "permanent"},
               "rule": {"orders": 1}}),
    )
    .await;
    // The holiday is today in the shop's zone, not the machine's or UTC's.
    let today = domain::time::ShopTz::parse("Asia/Kuala_Lumpur")
        .unwrap()
        .local_date(env.ctx.now());
    let mut p = per_unit(1);
    p["earn"]["levels"] = json!({ gold.clone(): "2" });
    p["earn"]["holidays"] = json!([{"date": today.to_string(), "factor": "3"}]);
    assert_eq!(program(&env, p).await.status, 200);
    let now = env.ctx.now().to_rfc3339();
    // The first order makes the member gold; it earns at the level they had (none): 10 x 3.
    assert_eq!(
        accrue(&env, "o1", "10.00", &now).await.body["points_earned"],
        30
    );
    // Gold now: 100 x 2 (level) = 200 reversible, x 3 (holiday) = 600.
    let second = accrue(&env, "o2", "100.00", &now).await;
    assert_eq!(second.body["points_earned"], 600, "{}", second.raw);
    // A full return takes back the 200 the level-multiplied base earned; the holiday extra stays.
    let back = refund(&env, "o2", "r1", "100.00").await;
    assert_eq!(back.status, 200, "{}", back.raw);
    assert_eq!(back.body["points_clawed_back"], 200);
    assert_eq!(back.body["points_balance"], 430);
    assert_eq!(ledger_sum(&env, "m1", "points").await, Decimal::from(430));
}

#[tokio::test]
async fn pending_points_are_not_spendable_until_released_and_a_refund_cancels_them() {
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-04-01T09:00:00+08:00"))).await;
    setup_shop(&env).await;
    let mut p = per_unit(100);
    p["pending_days"] = json!(7);
    p["expiry"] = json!({"kind": "months", "months": 6});
    assert_eq!(program(&env, p).await.status, 200);
    env.ctx.clock = Clock::Fixed(at("2026-04-01T13:30:00+08:00"));
    let res = accrue(&env, "o1", "10.00", "2026-04-01T13:25:00+08:00").await;
    assert_eq!(res.body["points_earned"], 1000, "{}", res.raw);
    assert_eq!(
        res.body["points_pending_until"],
        "2026-04-08T13:25:00+08:00"
    );
    assert_eq!(res.body["points_balance"], 0);
    let m = member(&env, "m1").await;
    assert_eq!(
        (
            m["points"]["balance"].clone(),
            m["points"]["pending"].clone()
        ),
        (json!(0), json!(1000))
    );
    redeem(&env, "c1", 5)
        .await
        .assert_problem(409, "insufficient_balance");

    // A refund of half inside the window cancels half of the held points.
    env.ctx.clock = Clock::Fixed(at("2026-04-03T10:00:00+08:00"));
    let back = refund(&env, "o1", "r1", "5.00").await;
    assert_eq!(back.status, 200, "{}", back.raw);
    assert_eq!(back.body["points_pending_cancelled"], 500);
    assert_eq!(back.body["points_clawed_back"], 500);
    assert_eq!(member(&env, "m1").await["points"]["pending"], 500);

    // Released after seven days: spendable, and the ledger explains it once the job runs.
    env.ctx.clock = Clock::Fixed(at("2026-04-08T13:26:00+08:00"));
    let m = member(&env, "m1").await;
    assert_eq!(m["points"]["balance"], 500);
    assert_eq!(
        m["points"]["expiring"],
        json!([{"date": "2026-10-01", "amount": 500}])
    );
    let swept = expire_lots::sweep(&env.ctx, env.ctx.now()).await.unwrap();
    assert_eq!(swept["settled"], 1, "{swept}");
    let entries = ledger_all(&env, "m1", "points").await;
    assert_eq!(entries[0]["reason"], "pending_released");
    assert_eq!(ledger_sum(&env, "m1", "points").await, Decimal::from(500));
    assert_eq!(redeem(&env, "c2", 500).await.status, 200);
}

#[tokio::test]
async fn points_reset_on_1_january_local_with_a_warning_from_16_december() {
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-12-10T09:00:00+08:00"))).await;
    setup_shop(&env).await;
    let mut p = per_unit(100);
    p["reset_yearly"] = json!(true);
    let res = program(&env, p).await;
    assert_eq!(res.body["reset_warning"], Value::Null, "{}", res.raw);
    let earned = accrue(&env, "o1", "10.00", "2026-12-10T09:00:00+08:00").await;
    assert_eq!(earned.body["points_expire_at"], "2026-12-31T23:59:59+08:00");

    env.ctx.clock = Clock::Fixed(at("2026-12-16T00:00:00+08:00"));
    let warned = read_program(&env).await;
    assert_eq!(
        warned.body["reset_warning"]["resets_on"], "2027-01-01",
        "{}",
        warned.raw
    );
    assert_eq!(
        member(&env, "m1").await["points"]["resets_on"],
        "2027-01-01"
    );

    env.ctx.clock = Clock::Fixed(at("2026-12-31T23:59:59+08:00"));
    assert_eq!(member(&env, "m1").await["points"]["balance"], 1000);
    env.ctx.clock = Clock::Fixed(at("2027-01-01T00:00:00+08:00"));
    assert_eq!(member(&env, "m1").await["points"]["balance"], 0);
    // The scheduled job writes the reset into the ledger; a second run finds nothing.
    let swept = expire_lots::sweep(&env.ctx, env.ctx.now()).await.unwrap();
    assert_eq!(swept["settled"], 1, "{swept}");
    assert_eq!(
        expire_lots::sweep(&env.ctx, env.ctx.now()).await.unwrap()["settled"],
        0
    );
    let entries = ledger_all(&env, "m1", "points").await;
    assert_eq!(
        (entries[0]["kind"].clone(), entries[0]["amount"].clone()),
        (json!("expiry"), json!(-1000))
    );
    assert_eq!(ledger_sum(&env, "m1", "points").await, Decimal::ZERO);
    // Points earned in the new year last until its end.
    let next = accrue(&env, "o2", "1.00", "2027-01-01T00:00:00+08:00").await;
    assert_eq!(next.body["points_expire_at"], "2027-12-31T23:59:59+08:00");
}

#[tokio::test]
async fn accrual_redemption_and_refund_stay_one_read_one_write_over_10000_entries() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    program(&env, per_unit(100)).await;
    seed_ledger(&env, "m1", 10_000).await;
    let now = env.ctx.now().to_rfc3339();
    let mut measured = Vec::new();
    let before = env.store().calls();
    assert_eq!(accrue(&env, "o1", "10.00", &now).await.status, 200);
    measured.push(env.store().calls().since(&before));
    let before = env.store().calls();
    assert_eq!(redeem(&env, "o2", 100).await.status, 200);
    measured.push(env.store().calls().since(&before));
    let before = env.store().calls();
    assert_eq!(refund(&env, "o1", "r1", "5.00").await.status, 200);
    measured.push(env.store().calls().since(&before));
    for calls in measured {
        assert_eq!((calls.reads(), calls.writes()), (1, 1), "{calls:?}");
    }
}
