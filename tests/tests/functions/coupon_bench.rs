//! Not checks: the figures for BENCHMARKS.md ("Coupons", issue 33). A coupon drop of
//! 10,000 claims against one coupon (claims a second, p50/p99, shards), the capacity of a
//! claim, a coupon redemption and a quote with 50 coupons in the wallet.
//! `cargo test -p loyalty-tests --test functions coupon_figures -- --ignored --nocapture`

use std::sync::Arc;
use std::time::Instant;

use loyalty_tests::capacity::Meter;
use loyalty_tests::{Req, Res, TestEnv};
use serde_json::json;

use crate::support::*;

async fn take(env: &TestEnv, member: &str, id: &str) -> Res {
    let req = Req::post(&format!("/coupons/{id}/claim"))
        .param("coupon_id", id)
        .bearer(&env.token("customer", member))
        .header("Idempotency-Key", &format!("k-{member}"))
        .json(&json!({}))
        .build();
    Res::from_response(member_coupons::handler(&env.ctx, req).await)
}

fn pct(sorted: &[u128], p: usize) -> u128 {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn coupon_figures() {
    for shards in [4u16, 16] {
        let env = Arc::new(TestEnv::isolated().await);
        setup_shop(&env).await;
        let id = define_coupon(
            &env,
            json!({"name": "Drop", "kind": "amount_off", "amount": "5.00",
            "validity": {"kind": "days", "days": 7}, "stock": 10_000, "per_member": 1,
            "claimable": true, "stock_shards": shards}),
        )
        .await;
        let started = Instant::now();
        let answers = race(10_000, |i| {
            let (env, id) = (env.clone(), id.clone());
            async move {
                let t = Instant::now();
                let mut res = take(&env, &format!("m{i}"), &id).await;
                res.raw = t.elapsed().as_millis().to_string();
                res
            }
        })
        .await;
        let took = started.elapsed().as_millis().max(1);
        let ok = answers.iter().filter(|r| r.status == 201).count();
        let mut ms: Vec<u128> = answers.iter().map(|r| r.raw.parse().unwrap()).collect();
        ms.sort();
        println!(
            "BENCH coupon drop shards={shards}: {ok} of 10000 issued in {took} ms, {} claims/s, \
             p50 {} ms, p99 {} ms",
            10_000_000 / took,
            pct(&ms, 50),
            pct(&ms, 99)
        );
        assert_eq!(ok, 10_000);
    }
}

/// Not a check: what a claim, a coupon redemption and a quote with 50 coupons in the wallet
/// cost in capacity (`loyalty_tests::capacity`).
/// `cargo test -p loyalty-tests --test functions coupon_capacity_figures -- --ignored --nocapture`
#[tokio::test]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn coupon_capacity_figures() {
    let mut env = TestEnv::new().await;
    setup_shop(&env).await;
    let id = define_coupon(
        &env,
        json!({"name": "10 off", "kind": "amount_off", "amount": "10.00",
        "validity": {"kind": "days", "days": 30}, "stock": 1000, "claimable": true}),
    )
    .await;
    let plain = env.ctx.store.clone();
    let meter = Meter::default();
    env.ctx.store = meter.store(&plain);
    for i in 0..49 {
        let req = Req::post("/members/m1/coupons")
            .param("member_id", "m1")
            .bearer(&env.admin())
            .header("Idempotency-Key", &format!("i{i}"))
            .json(&json!({"coupon_id": id}))
            .build();
        assert_eq!(
            Res::from_response(member_coupons::handler(&env.ctx, req).await).status,
            201
        );
    }
    meter.reset();
    let claimed = take(&env, "m1", &id).await;
    assert_eq!(claimed.status, 201, "{}", claimed.raw);
    let cost = meter.cost(&plain).await;
    println!(
        "BENCH coupon claim (50th coupon): {} items read, {} RCU, {} items written, {} WCU",
        cost.items_read,
        cost.rcu,
        cost.writes.len(),
        cost.wcu()
    );
    let lines = json!([{"sku": "A", "amount": "30.00"}, {"sku": "B", "amount": "20.00"}]);
    let req = Req::post("/checkout/quote")
        .bearer(&env.admin())
        .json(&json!({"member_id": "m1", "currency": "MYR", "lines": lines}))
        .build();
    let quoted = Res::from_response(checkout_quote::handler(&env.ctx, req).await);
    assert_eq!(
        quoted.body["coupons"].as_array().unwrap().len(),
        50,
        "{}",
        quoted.raw
    );
    let cost = meter.cost(&plain).await;
    println!(
        "BENCH quote with 50 coupons: {} items read, {} RCU",
        cost.items_read, cost.rcu
    );
    let no = claimed.body["coupon_no"].as_str().unwrap();
    let res = redeem(&env, "m1", "o1", json!({"coupon_no": no, "lines": lines})).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    let cost = meter.cost(&plain).await;
    println!("BENCH coupon redemption (50 in the wallet): {} items read, {} RCU, {} items written, {} WCU ({:?})",
        cost.items_read, cost.rcu, cost.writes.len(), cost.wcu(), cost.by_kind());
}
