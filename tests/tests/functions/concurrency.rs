//! Real races: many requests at once through the SDK against the local DynamoDB, each
//! decided by DynamoDB's conditional transactions.
//! Requests are served by `support::INSTANCES` concurrent function instances (`race`).

use std::sync::Arc;

use domain::Decimal;
use loyalty_tests::TestEnv;
use serde_json::json;
use tokio::task::JoinSet;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_spends_of_one_from_fifty_never_overdraw() {
    let env = Arc::new(TestEnv::isolated().await);
    adjust(
        &env,
        "m1",
        "seed",
        json!({"account": "points", "delta": 50, "reason": "seed"}),
    )
    .await;
    let answers = race(100, |i| {
        let env = env.clone();
        async move {
            adjust(
                &env,
                "m1",
                &format!("spend-{i}"),
                json!({"account": "points", "delta": -1, "reason": "race"}),
            )
            .await
        }
    })
    .await;
    let (won, refused) = tally(answers, 200, "insufficient_balance");
    let ok = won.len();
    assert_eq!((ok, refused), (50, 50));
    assert_eq!(member(&env, "m1").await["points"]["balance"], 0);
    assert_eq!(ledger_sum(&env, "m1", "points").await, Decimal::ZERO);
    assert_eq!(ledger_all(&env, "m1", "points").await.len(), 51);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_retries_of_one_key_have_one_effect_and_one_answer() {
    let env = Arc::new(TestEnv::isolated().await);
    setup_shop(&env).await;
    let mut set = JoinSet::new();
    for _ in 0..20 {
        let env = env.clone();
        set.spawn(async move {
            adjust(
                &env,
                "m1",
                "one-key",
                json!({"account": "credit", "delta": "7.25", "reason": "once"}),
            )
            .await
        });
    }
    let mut bodies = Vec::new();
    while let Some(res) = set.join_next().await {
        let res = res.unwrap();
        assert_eq!(res.status, 200, "{}", res.raw);
        bodies.push(res.raw);
    }
    assert_eq!(bodies.len(), 20);
    assert!(bodies.iter().all(|b| b == &bodies[0]), "{bodies:?}");
    assert_eq!(member(&env, "m1").await["credit"]["balance"], "7.25");
    assert_eq!(ledger_all(&env, "m1", "credit").await.len(), 1);
}
