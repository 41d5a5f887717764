use std::sync::Arc;

use loyalty_tests::TestEnv;
use serde_json::json;

use crate::support::*;

async fn paid_card(env: &TestEnv, stock: u64) -> String {
    new_card(env, json!({"kind": "paid", "name": "Platinum", "price": "99.00", "stock": stock,
        "validity": {"kind": "days", "days": 365}, "gift_pack": {"points": 50, "coupons": ["VIP"]}}))
    .await
}

async fn stock(env: &TestEnv, card: &str) -> serde_json::Value {
    admin_card(env, "GET", card, "", None).await.body["stock"].clone()
}

#[tokio::test]
async fn a_purchase_reserves_stock_and_the_paid_webhook_issues_the_card_once() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let card = paid_card(&env, 3).await;
    let me = env.token("customer", "m1");
    let p = purchase(&env, &me, &card, json!({})).await;
    assert_eq!(p.status, 201, "{}", p.raw);
    assert_eq!(p.body["status"], "pending");
    assert_eq!(p.body["amount"], "99.00");
    assert_eq!(p.body["currency"], "MYR");
    assert_eq!(stock(&env, &card).await, 2);
    let pid = p.body["purchase_id"].as_str().unwrap().to_owned();

    let event = payment("evt_1", "payment.succeeded", &p.body);
    let res = webhook(&env, &event).await;
    assert_eq!(
        (res.status, &res.body["status"]),
        (200, &json!("processed")),
        "{}",
        res.raw
    );
    let got = get_purchase(&env, &me, &pid).await;
    assert_eq!(got.body["status"], "paid");
    let m = member(&env, "m1").await;
    assert_eq!(m["cards"][0]["card_id"], card.as_str());
    assert_eq!(m["cards"][0]["card_no"], got.body["card_no"]);
    assert_eq!(m["points"]["balance"], 50);

    // Redelivery of the same event: answered, nothing changes.
    let again = webhook(&env, &event).await;
    assert_eq!(
        (again.status, &again.body["status"]),
        (200, &json!("duplicate")),
        "{}",
        again.raw
    );
    // Another success event for the settled purchase changes nothing either.
    let other = webhook(&env, &payment("evt_2", "payment.succeeded", &p.body)).await;
    assert_eq!(other.body["status"], "duplicate");
    assert_eq!(member(&env, "m1").await["points"]["balance"], 50);
    assert_eq!(stock(&env, &card).await, 2);
    assert_eq!(
        admin_card(&env, "GET", &card, "", None).await.body["holders"],
        1
    );
    // Holding it, buying it again is a renewal (API 1.1; 000: gift packs on renewal), not
    // the 409 it was in version 1.
    let again = purchase(&env, &me, &card, json!({})).await;
    assert_eq!(
        (again.status, again.body["renewal"].clone()),
        (201, json!(true)),
        "{}",
        again.raw
    );
}

#[tokio::test]
async fn forged_stale_and_mismatched_payments_are_refused_and_write_nothing() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let card = paid_card(&env, 3).await;
    let p = purchase(&env, &env.token("customer", "m1"), &card, json!({})).await;
    // The purchase wrote the member's open-purchase record; the refused events add nothing.
    let before = member_items(&env, "m1").await;
    let event = payment("evt_1", "payment.succeeded", &p.body);
    webhook_signed(&env, &event, "whsec_not_the_secret_0", 0)
        .await
        .assert_problem(401, "bad_signature");
    webhook_signed(&env, &event, WEBHOOK_SECRET, 301)
        .await
        .assert_problem(401, "bad_signature");
    webhook_signed(&env, &event, WEBHOOK_SECRET, -301)
        .await
        .assert_problem(401, "bad_signature");
    let unsigned = loyalty_tests::Req::post("/webhooks/payments")
        .header("webhook-shop", &env.shop)
        .json(&event)
        .build();
    loyalty_tests::Res::from_response(payment_webhook::handler(&env.ctx, unsigned).await)
        .assert_problem(401, "bad_signature");
    let mut cheap = event.clone();
    cheap["data"]["amount"] = json!("9.90");
    webhook(&env, &cheap)
        .await
        .assert_problem(422, "amount_mismatch");
    let mut usd = event.clone();
    usd["data"]["currency"] = json!("USD");
    webhook(&env, &usd)
        .await
        .assert_problem(422, "amount_mismatch");
    assert_eq!(member_items(&env, "m1").await, before);
    assert!(!idempotency_record_exists(&env, "evt#evt_1").await);
    // The genuine event still goes through afterwards, recorded under its derived key.
    assert_eq!(webhook(&env, &event).await.body["status"], "processed");
    assert!(idempotency_record_exists(&env, "evt#evt_1").await);
}

#[tokio::test]
async fn a_failed_payment_releases_the_stock_and_a_late_success_takes_it_again_if_it_can() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let card = paid_card(&env, 1).await;
    let p1 = purchase(&env, &env.token("customer", "m1"), &card, json!({})).await;
    purchase(&env, &env.token("customer", "m2"), &card, json!({}))
        .await
        .assert_problem(409, "card_sold_out");
    webhook(&env, &payment("evt_f", "payment.failed", &p1.body)).await;
    assert_eq!(stock(&env, &card).await, 1);
    let pid1 = p1.body["purchase_id"].as_str().unwrap();
    assert_eq!(
        get_purchase(&env, &env.admin(), pid1).await.body["status"],
        "failed"
    );

    // m2 takes the released unit; m1's late success then finds none: refund due, no card.
    let p2 = purchase(&env, &env.token("customer", "m2"), &card, json!({})).await;
    assert_eq!(p2.status, 201, "{}", p2.raw);
    let late = webhook(&env, &payment("evt_late", "payment.succeeded", &p1.body)).await;
    assert_eq!(late.body["status"], "processed", "{}", late.raw);
    assert_eq!(
        get_purchase(&env, &env.admin(), pid1).await.body["status"],
        "refund_due"
    );
    assert_eq!(member(&env, "m1").await["cards"], json!([]));
    assert_eq!(stock(&env, &card).await, 0);
}

#[tokio::test]
async fn delisted_cards_are_sold_out_and_disabled_ones_refused() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let card = paid_card(&env, 10).await;
    let me = env.token("customer", "m1");
    admin_card(&env, "PATCH", &card, "", Some(json!({"listed": false}))).await;
    purchase(&env, &me, &card, json!({}))
        .await
        .assert_problem(409, "card_sold_out");
    admin_card(
        &env,
        "PATCH",
        &card,
        "",
        Some(json!({"listed": true, "status": "disabled"})),
    )
    .await;
    purchase(&env, &me, &card, json!({}))
        .await
        .assert_problem(409, "card_disabled");
    assert_eq!(stock(&env, &card).await, 10);
    get_purchase(&env, &me, "card_x~m1~0123456789abcdef")
        .await
        .assert_problem(404, "not_found");
    get_purchase(&env, &me, "card_x~m2~0123456789abcdef")
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flash_sale_never_oversells_and_duplicate_deliveries_change_nothing() {
    let env = Arc::new(TestEnv::isolated().await);
    setup_shop(&env).await;
    let card = paid_card(&env, 20).await;
    let answers = race(300, |i| {
        let (env, card) = (env.clone(), card.clone());
        async move {
            let buyer = env.token("customer", &format!("buyer{i}"));
            purchase(&env, &buyer, &card, json!({})).await
        }
    })
    .await;
    let (bought, sold_out) = tally(answers, 201, "card_sold_out");
    let pending: Vec<serde_json::Value> = bought.into_iter().map(|r| r.body).collect();
    assert_eq!((pending.len(), sold_out), (20, 280));
    assert_eq!(stock(&env, &card).await, 0);

    for (i, p) in pending.iter().enumerate() {
        let res = webhook(&env, &payment(&format!("evt_{i}"), "payment.succeeded", p)).await;
        assert_eq!(res.body["status"], "processed", "{}", res.raw);
    }
    for (i, p) in pending.iter().enumerate() {
        let res = webhook(&env, &payment(&format!("evt_{i}"), "payment.succeeded", p)).await;
        assert_eq!(res.body["status"], "duplicate", "{}", res.raw);
    }
    let got = admin_card(&env, "GET", &card, "", None).await;
    assert_eq!(
        (got.body["holders"].clone(), got.body["stock"].clone()),
        (json!(20), json!(0))
    );
    let records = admin_card(&env, "GET", &card, "/claims?limit=100", None).await;
    assert_eq!(records.body["items"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn purchase_and_webhook_are_each_one_read_and_one_write() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let card = paid_card(&env, 3).await;
    let before = env.store().calls();
    let p = purchase(&env, &env.token("customer", "m1"), &card, json!({})).await;
    let calls = env.store().calls().since(&before);
    assert_eq!((calls.reads(), calls.writes()), (1, 1), "{calls:?}");
    let before = env.store().calls();
    webhook(&env, &payment("evt_1", "payment.succeeded", &p.body)).await;
    let calls = env.store().calls().since(&before);
    assert_eq!((calls.reads(), calls.writes()), (1, 1), "{calls:?}");
}

#[tokio::test]
async fn a_lapsed_reservation_gives_its_stock_back_and_a_later_payment_takes_it_again() {
    use api::Clock;
    let start: domain::chrono::DateTime<domain::chrono::Utc> =
        "2026-04-01T05:00:00Z".parse().unwrap();
    let mut env = TestEnv::with_clock(Clock::Fixed(start)).await;
    setup_shop(&env).await;
    let card = paid_card(&env, 1).await;
    let p = purchase(&env, &env.token("customer", "m1"), &card, json!({})).await;
    let pid = p.body["purchase_id"].as_str().unwrap().to_owned();
    // Before the 15 minutes are up nothing is released.
    let swept =
        expire_purchases::sweep(env.store(), start + domain::chrono::TimeDelta::minutes(14))
            .await
            .unwrap();
    assert_eq!(swept["expired"], 0);
    assert_eq!(stock(&env, &card).await, 0);
    let later = start + domain::chrono::TimeDelta::minutes(16);
    let swept = expire_purchases::sweep(env.store(), later).await.unwrap();
    assert_eq!(swept["expired"], 1);
    assert_eq!(stock(&env, &card).await, 1);
    env.ctx.clock = Clock::Fixed(later);
    assert_eq!(
        get_purchase(&env, &env.admin(), &pid).await.body["status"],
        "expired"
    );
    // Swept twice, released once.
    assert_eq!(
        expire_purchases::sweep(env.store(), later).await.unwrap()["expired"],
        0
    );
    // The buyer pays late: the unit is still free, so the card is issued after all.
    let res = webhook(&env, &payment("evt_late", "payment.succeeded", &p.body)).await;
    assert_eq!(res.body["status"], "processed", "{}", res.raw);
    assert_eq!(
        get_purchase(&env, &env.admin(), &pid).await.body["status"],
        "paid"
    );
    assert_eq!(stock(&env, &card).await, 0);
    assert_eq!(member(&env, "m1").await["cards"][0]["status"], "active");
}
