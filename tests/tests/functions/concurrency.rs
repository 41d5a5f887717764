//! Real races: many requests at once through the SDK against the local DynamoDB, each
//! decided by DynamoDB's conditional transactions.
//!
//! A hundred requests are in flight at once, served by `INSTANCES` concurrent function
//! instances, as Lambda (and `cargo lambda watch --concurrency`) serves them: each instance
//! handles one request at a time. More instances than this only queue on the local
//! DynamoDB, which serves one request at a time.

use std::sync::Arc;

use tokio::sync::Semaphore;

use domain::Decimal;
use loyalty_tests::TestEnv;
use serde_json::json;
use tokio::task::JoinSet;

use crate::support::*;

const INSTANCES: usize = 16;

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
    let instances = Arc::new(Semaphore::new(INSTANCES));
    let mut set = JoinSet::new();
    for i in 0..100 {
        let env = env.clone();
        let instances = instances.clone();
        set.spawn(async move {
            let _instance = instances.acquire().await.unwrap();
            adjust(
                &env,
                "m1",
                &format!("spend-{i}"),
                json!({"account": "points", "delta": -1, "reason": "race"}),
            )
            .await
        });
    }
    let mut ok = 0;
    let mut refused = 0;
    while let Some(res) = set.join_next().await {
        let res = res.unwrap();
        match res.status {
            200 => ok += 1,
            409 => {
                res.assert_problem(409, "insufficient_balance");
                refused += 1
            }
            other => panic!("unexpected {other}: {}", res.raw),
        }
    }
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
