//! Stored value (seed 003 会员储值): the value account, adjusted like credit, spent at
//! checkout, given back by order refunds, raced by concurrent spends.

use std::sync::Arc;

use domain::Decimal;
use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

async fn spend(env: &TestEnv, member: &str, order: &str, amount: &str) -> Res {
    let req = Req::post(&format!("/orders/{order}/redeem"))
        .param("order_id", order)
        .bearer(&env.token("cashier", "pos-1"))
        .json(&json!({"member_id": member, "value": amount}))
        .build();
    Res::from_response(redeem::handler(&env.ctx, req).await)
}

async fn refund(env: &TestEnv, member: &str, order: &str, id: &str, amount: &str) -> Res {
    let req = Req::post(&format!("/orders/{order}/refunds"))
        .param("order_id", order)
        .bearer(&env.admin())
        .json(&json!({"refund_id": id, "amount": amount, "member_id": member}))
        .build();
    Res::from_response(order_refund::handler(&env.ctx, req).await)
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
    let first = refund(&env, "v1", "o1", "r1", "30.00").await;
    assert_eq!(first.body["value_restored"], "10.00", "{}", first.raw);
    let rest = refund(&env, "v1", "o1", "r2", "60.00").await;
    assert_eq!(
        (
            rest.body["value_restored"].clone(),
            rest.body["value_balance"].clone()
        ),
        (json!("20.00"), json!("100.00"))
    );
    let entries = ledger_all(&env, "v1", "value").await;
    assert_eq!(entries.len(), 4);
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
