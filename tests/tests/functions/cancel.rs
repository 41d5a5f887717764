//! Cancelled orders (API 1.3; seeds 004 积分抵扣, 001 购物金, 003 储值): a storefront
//! redeemed before payment and the payment failed; the cancel gives back everything spent
//! on the order, once, and nothing accrues or redeems on it after.

use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

/// The till cancels `order`.
async fn cancel(env: &TestEnv, order: &str, body: Value) -> Res {
    let cashier = env.token("cashier", "pos-1");
    env.cancel_as(&cashier, order, body).await
}

/// A shop earning and redeeming points, with credit and stored value, and m1 holding 500
/// points, 20.00 credit and 100.00 stored value.
async fn funded(env: &TestEnv) {
    earning_shop(env).await;
    let credit = Req::put("/admin/programs/credit")
        .bearer(&env.admin())
        .json(&json!({"enabled": true, "expiry": {"kind": "never"}, "rules": []}))
        .build();
    let res = Res::from_response(admin_credit_program::handler(&env.ctx, credit).await);
    assert_eq!(res.status, 200, "{}", res.raw);
    for (key, account, delta) in [
        ("a1", "points", json!(500)),
        ("a2", "credit", json!("20.00")),
        ("a3", "value", json!("100.00")),
    ] {
        let body = json!({"account": account, "delta": delta, "reason": "opening"});
        assert_eq!(adjust(env, "m1", key, body).await.status, 200);
    }
}

async fn spend_all_three(env: &TestEnv, order: &str) {
    for spend in [
        json!({"points": 100}),
        json!({"credit": "5.00"}),
        json!({"value": "30.00"}),
    ] {
        let res = redeem(env, "m1", order, spend).await;
        assert_eq!(res.status, 200, "{}", res.raw);
    }
}

#[tokio::test]
async fn seed_004_a_failed_payment_gives_back_points_credit_and_value_once() {
    let env = TestEnv::new().await;
    funded(&env).await;
    spend_all_three(&env, "o1").await;
    let done = cancel(
        &env,
        "o1",
        json!({"member_id": "m1", "reason": "payment failed"}),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.raw);
    assert_eq!(
        done.body,
        json!({"order_id": "o1", "status": "cancelled", "points_restored": 100,
               "credit_restored": "5.00", "value_restored": "30.00", "coupon_restored": null,
               "points_balance": 500, "credit_balance": "20.00", "value_balance": "100.00"})
    );
    let m = member(&env, "m1").await;
    assert_eq!(
        (
            &m["points"]["balance"],
            &m["credit"]["balance"],
            &m["value"]["balance"]
        ),
        (&json!(500), &json!("20.00"), &json!("100.00"))
    );
    for account in ["points", "credit", "value"] {
        let entries = ledger_all(&env, "m1", account).await;
        let back: Vec<&Value> = entries
            .iter()
            .filter(|e| e["reason"] == "order_cancelled")
            .collect();
        assert_eq!(back.len(), 1, "{account}: {entries:?}");
        assert_eq!(back[0]["links"]["order_id"], "o1");
    }
    // The same call replays; the member's balances do not move twice.
    let again = cancel(&env, "o1", json!({"member_id": "m1"})).await;
    assert_eq!((again.status, &again.body), (200, &done.body));
    assert_eq!(ledger_all(&env, "m1", "points").await.len(), 3);
    accrue_now(&env, "m1", "o1", "80.00", json!([]))
        .await
        .assert_problem(409, "order_cancelled");
    refund_order(&env, "m1", "o1", "r1", "10.00")
        .await
        .assert_problem(409, "order_cancelled");
}

#[tokio::test]
async fn a_paid_order_is_refunded_not_cancelled_and_nobody_cancels_another_members_order() {
    let env = TestEnv::new().await;
    funded(&env).await;
    spend_all_three(&env, "o1").await;
    assert_eq!(
        accrue_now(&env, "m1", "o1", "80.00", json!([]))
            .await
            .status,
        200
    );
    let before = member(&env, "m1").await;
    cancel(&env, "o1", json!({"member_id": "m1"}))
        .await
        .assert_problem(409, "order_paid");
    assert_eq!(member(&env, "m1").await, before);
    spend_all_three(&env, "o2").await;
    cancel(&env, "o2", json!({"member_id": "m2"}))
        .await
        .assert_problem(409, "order_of_another_member");
    // Without member_id the order names its member; an order nobody knows is 404.
    let done = cancel(&env, "o2", json!({})).await;
    assert_eq!(
        (done.status, &done.body["points_restored"]),
        (200, &json!(100)),
        "{}",
        done.raw
    );
    cancel(&env, "o9", json!({}))
        .await
        .assert_problem(404, "not_found");
    cancel(&env, "o3", json!({"member_id": "m1", "surprise": 1}))
        .await
        .assert_problem(422, "invalid_request");
}

/// An abandoned cart nothing was spent on: zeros, and the order stays closed.
#[tokio::test]
async fn nothing_spent_answers_zeros_and_the_order_stays_cancelled() {
    let env = TestEnv::new().await;
    funded(&env).await;
    let done = cancel(&env, "o5", json!({"member_id": "m1"})).await;
    assert_eq!(
        (
            &done.body["points_restored"],
            &done.body["credit_restored"],
            &done.body["value_restored"]
        ),
        (&json!(0), &json!("0.00"), &json!("0.00")),
        "{}",
        done.raw
    );
    accrue_now(&env, "m1", "o5", "10.00", json!([]))
        .await
        .assert_problem(409, "order_cancelled");
    redeem(&env, "m1", "o5", json!({"points": 10}))
        .await
        .assert_problem(409, "order_cancelled");
    assert_eq!(member(&env, "m1").await["points"]["balance"], 500);
}
