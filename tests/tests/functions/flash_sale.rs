//! Seed: API 1.1 "Paid card stock at scale" (`stock_shards`: the stock split over 1..64
//! counters so a flash sale is not capped by one partition; reads show the sum; never more
//! sold than stock) and 000 (stock returned by failed payments, lapses and refunds).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};
use store::{cards, keys};

use crate::support::*;

async fn sharded_card(env: &TestEnv, stock: u64, shards: u16) -> String {
    new_card(
        env,
        json!({"kind": "paid", "name": "Flash", "price": "19.90", "stock": stock,
            "stock_shards": shards, "validity": {"kind": "days", "days": 30}}),
    )
    .await
}

/// Every shard item of the card, straight from the table: shard -> stock.
async fn shards(env: &TestEnv, card: &str) -> BTreeMap<u16, i64> {
    let shop = domain::ShopId::parse(&env.shop).unwrap();
    let snapshot = env
        .store()
        .load(&cards::all_shard_keys(&shop, card))
        .await
        .unwrap();
    cards::read_shards(&snapshot, &shop, card, 0..domain::stock::MAX_SHARDS)
        .into_iter()
        .collect()
}

/// The shard a purchase took its unit from, as its item records it.
async fn shard_of(env: &TestEnv, purchase_id: &str) -> u16 {
    let shop = domain::ShopId::parse(&env.shop).unwrap();
    let snapshot = env
        .store()
        .load(&[keys::purchase(&shop, purchase_id)])
        .await
        .unwrap();
    store::purchases::read(&snapshot, &shop, purchase_id)
        .unwrap()
        .unwrap()
        .stock_shard
}

/// 300 buyers at once for `stock` units over `n` shards: the purchases (201), the refused
/// (409 card_sold_out), what it took, and the transactions that sold nothing (lost races).
async fn sale(env: &Arc<TestEnv>, card: &str) -> (Vec<Value>, usize, u128, u64) {
    let before = env.store().calls();
    let started = Instant::now();
    let answers = race(300, |i| {
        let (env, card) = (env.clone(), card.to_owned());
        async move {
            let buyer = env.token("customer", &format!("buyer{i}"));
            purchase(&env, &buyer, &card, json!({})).await
        }
    })
    .await;
    let took = started.elapsed().as_millis().max(1);
    let calls = env.store().calls().since(&before);
    let (bought, sold_out) = tally(answers, 201, "card_sold_out");
    let lost = calls.of("TransactWriteItems") - bought.len() as u64;
    (
        bought.into_iter().map(|r| r.body).collect(),
        sold_out,
        took,
        lost,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_buyers_for_twenty_over_eight_shards_buy_exactly_twenty() {
    let env = Arc::new(TestEnv::isolated().await);
    setup_shop(&env).await;
    let card = sharded_card(&env, 20, 8).await;
    assert_eq!(
        shards(&env, &card).await.into_values().collect::<Vec<_>>(),
        vec![3, 3, 3, 3, 2, 2, 2, 2]
    );
    let (pending, sold_out, _, _) = sale(&env, &card).await;
    assert_eq!((pending.len(), sold_out), (20, 280));
    let left = shards(&env, &card).await;
    assert!(left.values().all(|s| *s == 0), "{left:?}");
    let got = admin_card(&env, "GET", &card, "", None).await;
    assert_eq!(
        (&got.body["stock"], &got.body["stock_shards"]),
        (&json!(0), &json!(8))
    );

    // Three payments fail: each unit goes back to the shard it came from.
    let mut expected: BTreeMap<u16, i64> = (0..8).map(|k| (k, 0)).collect();
    for (i, p) in pending[..3].iter().enumerate() {
        let shard = shard_of(&env, p["purchase_id"].as_str().unwrap()).await;
        *expected.get_mut(&shard).unwrap() += 1;
        let res = webhook(&env, &payment(&format!("evt_f{i}"), "payment.failed", p)).await;
        assert_eq!(res.body["status"], "processed", "{}", res.raw);
    }
    assert_eq!(shards(&env, &card).await, expected);
    // The rest pay; one card is refunded and its unit returns to its shard too.
    for (i, p) in pending[3..].iter().enumerate() {
        let res = webhook(&env, &payment(&format!("evt_p{i}"), "payment.succeeded", p)).await;
        assert_eq!(res.body["status"], "processed", "{}", res.raw);
    }
    let refunded = &pending[3];
    let shard = shard_of(&env, refunded["purchase_id"].as_str().unwrap()).await;
    *expected.get_mut(&shard).unwrap() += 1;
    let holder = refunded["member_id"].as_str().unwrap();
    let card_no = member(&env, holder).await["cards"][0]["card_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let req = Req::post(&format!("/admin/member-cards/{card_no}/refund"))
        .param("card_no", &card_no)
        .bearer(&env.admin())
        .json(&json!({}))
        .build();
    let res = Res::from_response(refund_card::handler(&env.ctx, req).await);
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(shards(&env, &card).await, expected);
    // Four units are back on sale, and four more buyers get exactly them.
    let (again, sold_out, _, _) = sale(&env, &card).await;
    assert_eq!((again.len(), sold_out), (4, 296));
    assert!(shards(&env, &card).await.values().all(|s| *s == 0));
}

#[tokio::test]
async fn shard_counts_are_checked_and_a_new_count_keeps_the_stock() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    for bad in [json!(0), json!(65), json!("8")] {
        let res = create_card(
            &env,
            json!({"kind": "paid", "name": "X", "price": "1.00", "stock": 5, "stock_shards": bad}),
        )
        .await;
        res.assert_problem(422, "invalid_request");
    }
    create_card(
        &env,
        json!({"kind": "free", "name": "Free", "stock_shards": 4}),
    )
    .await
    .assert_problem(422, "invalid_request");
    // Refused, nothing was created.
    let req = Req::get("/admin/cards").bearer(&env.admin()).build();
    let listed = Res::from_response(admin_cards::handler(&env.ctx, req).await);
    assert_eq!(listed.body["items"], json!([]), "{}", listed.raw);
    // One shard unless asked: one counter, as before.
    let card = new_card(
        &env,
        json!({"kind": "paid", "name": "One", "price": "1.00", "stock": 10}),
    )
    .await;
    assert_eq!(shards(&env, &card).await, BTreeMap::from([(0, 10)]));
    let me = env.token("customer", "m1");
    assert_eq!(purchase(&env, &me, &card, json!({})).await.status, 201);
    // A count out of range changes nothing.
    admin_card(&env, "PATCH", &card, "", Some(json!({"stock_shards": 65})))
        .await
        .assert_problem(422, "invalid_request");
    assert_eq!(shards(&env, &card).await, BTreeMap::from([(0, 9)]));
    // Spread the 9 left over 4 shards, then back to 2: the total never changes.
    let res = admin_card(&env, "PATCH", &card, "", Some(json!({"stock_shards": 4}))).await;
    assert_eq!(
        (res.status, &res.body["stock"]),
        (200, &json!(9)),
        "{}",
        res.raw
    );
    assert_eq!(
        shards(&env, &card).await,
        BTreeMap::from([(0, 3), (1, 2), (2, 2), (3, 2)])
    );
    let res = admin_card(&env, "PATCH", &card, "", Some(json!({"stock_shards": 2}))).await;
    assert_eq!(res.body["stock"], 9);
    assert_eq!(
        shards(&env, &card).await,
        BTreeMap::from([(0, 5), (1, 4), (2, 0), (3, 0)])
    );
    // A new stock with a new count: split over the new count.
    let res = admin_card(
        &env,
        "PATCH",
        &card,
        "",
        Some(json!({"stock": 7, "stock_shards": 3})),
    )
    .await;
    assert_eq!(
        (&res.body["stock"], &res.body["stock_shards"]),
        (&json!(7), &json!(3))
    );
    assert_eq!(
        admin_card(&env, "GET", &card, "", None).await.body["stock"],
        7
    );
    // Only paid cards have shards.
    let free = new_card(&env, json!({"kind": "free", "name": "F"})).await;
    admin_card(&env, "PATCH", &free, "", Some(json!({"stock_shards": 2})))
        .await
        .assert_problem(422, "invalid_request");
}

/// Not a check: the figures for BENCHMARKS.md ("Flash sale past one partition").
/// `cargo test -p loyalty-tests --test functions flash_sale_figures -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn flash_sale_figures() {
    for n in [1u16, 4, 16] {
        let env = Arc::new(TestEnv::isolated().await);
        setup_shop(&env).await;
        let card = sharded_card(&env, 20, n).await;
        let (bought, sold_out, took, lost) = sale(&env, &card).await;
        assert_eq!((bought.len(), sold_out), (20, 280));
        println!(
            "BENCH flash N={n}: 300 buyers, stock 20: {took} ms, {} answers/s, {lost} \
             transactions lost a race",
            300_000 / took,
        );
    }
}
