use api::Clock;
use domain::chrono::{DateTime, TimeDelta, Utc};
use domain::Decimal;
use loyalty_tests::TestEnv;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_points_delta_moves_the_balance_and_the_ledger_explains_it() {
    let env = TestEnv::new().await;
    let res = adjust(
        &env,
        "m1",
        "k1",
        json!({"account": "points", "delta": 150, "reason": "welcome"}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["account"], "points");
    assert_eq!(res.body["balance"], 150);
    let res = adjust(
        &env,
        "m1",
        "k2",
        json!({"account": "points", "delta": -40, "reason": "typo fix"}),
    )
    .await;
    assert_eq!(res.body["balance"], 110);
    let entry_id = res.body["entry_id"].as_str().unwrap().to_owned();

    let m = member(&env, "m1").await;
    assert_eq!(m["points"]["balance"], 110);
    let entries = ledger_all(&env, "m1", "points").await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["entry_id"], entry_id.as_str());
    assert_eq!(entries[0]["amount"], -40);
    assert_eq!(entries[0]["balance_after"], 110);
    assert_eq!(entries[0]["reason"], "typo fix");
    assert_eq!(entries[0]["actor"], "admin:staff-1");
    assert_eq!(entries[0]["links"]["idempotency_key"], "k2");
    assert_eq!(ledger_sum(&env, "m1", "points").await, Decimal::from(110));
}

#[tokio::test]
async fn credit_is_set_and_moved_in_exact_minor_units() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let res = adjust(
        &env,
        "m1",
        "k1",
        json!({"account": "credit", "delta": "12.5", "reason": "refund"}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["balance"], "12.50");
    let res = adjust(
        &env,
        "m1",
        "k2",
        json!({"account": "credit", "delta": "-0.10", "reason": "x"}),
    )
    .await;
    assert_eq!(res.body["balance"], "12.40");
    let res = adjust(
        &env,
        "m1",
        "k3",
        json!({"account": "credit", "set": "0.30", "reason": "audit"}),
    )
    .await;
    assert_eq!(res.body["balance"], "0.30");
    let entries = ledger_all(&env, "m1", "credit").await;
    assert_eq!(entries[0]["amount"], "-12.10");
    assert_eq!(entries[0]["balance_after"], "0.30");
    assert_eq!(ledger_sum(&env, "m1", "credit").await, Decimal::new(30, 2));
    assert_eq!(member(&env, "m1").await["credit"]["balance"], "0.30");
}

#[tokio::test]
async fn going_below_zero_is_refused_and_changes_nothing() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    adjust(
        &env,
        "m1",
        "k1",
        json!({"account": "points", "delta": 50, "reason": "x"}),
    )
    .await;
    adjust(
        &env,
        "m1",
        "k2",
        json!({"account": "credit", "delta": "5.00", "reason": "x"}),
    )
    .await;
    let items = member_items(&env, "m1").await;
    for (key, body) in [
        (
            "k3",
            json!({"account": "points", "delta": -51, "reason": "x"}),
        ),
        ("k4", json!({"account": "points", "set": -1, "reason": "x"})),
        (
            "k5",
            json!({"account": "credit", "delta": "-5.01", "reason": "x"}),
        ),
    ] {
        adjust(&env, "m1", key, body)
            .await
            .assert_problem(409, "insufficient_balance");
        assert!(!idempotency_record_exists(&env, key).await);
    }
    assert_eq!(member_items(&env, "m1").await, items);
    let m = member(&env, "m1").await;
    assert_eq!(m["points"]["balance"], 50);
    assert_eq!(m["credit"]["balance"], "5.00");
}

#[tokio::test]
async fn bad_input_is_a_4xx_with_its_code_and_writes_nothing() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let admin = env.admin();
    let cases: Vec<(&str, u16, &str)> = vec![
        ("{not json", 400, "invalid_request"),
        ("", 400, "invalid_request"),
        ("[1,2]", 422, "invalid_request"),
        (
            r#"{"account":"points","delta":"10","reason":"x"}"#,
            422,
            "invalid_request",
        ),
        (
            r#"{"account":"points","delta":1.5,"reason":"x"}"#,
            422,
            "invalid_request",
        ),
        (
            r#"{"account":"credit","delta":5.0,"reason":"x"}"#,
            422,
            "invalid_request",
        ),
        (
            r#"{"account":"credit","delta":"1.005","reason":"x"}"#,
            422,
            "invalid_request",
        ),
        (
            r#"{"account":"credit","delta":"1e3","reason":"x"}"#,
            422,
            "invalid_request",
        ),
        (
            r#"{"account":"credit","delta":"99999999999999.00","reason":"x"}"#,
            422,
            "invalid_request",
        ),
        (
            r#"{"account":"points","delta":10000000000000,"reason":"x"}"#,
            422,
            "invalid_request",
        ),
        (r#"{"account":"points","delta":10}"#, 422, "invalid_request"),
        (
            r#"{"account":"points","delta":10,"reason":"   "}"#,
            422,
            "invalid_request",
        ),
        (
            r#"{"account":"stars","delta":10,"reason":"x"}"#,
            422,
            "invalid_request",
        ),
        (r#"{"delta":10,"reason":"x"}"#, 422, "invalid_request"),
        (
            r#"{"account":"points","delta":10,"set":5,"reason":"x"}"#,
            422,
            "invalid_request",
        ),
        (
            r#"{"account":"points","reason":"x"}"#,
            422,
            "invalid_request",
        ),
        (
            r#"{"account":"points","delta":0,"reason":"x"}"#,
            422,
            "invalid_request",
        ),
        (
            r#"{"account":"points","delta":5,"reason":"x","expires_on":"2001-01-01"}"#,
            422,
            "invalid_request",
        ),
        (
            r#"{"account":"points","delta":5,"reason":"x","expires_on":"tomorrow"}"#,
            422,
            "invalid_request",
        ),
    ];
    for (i, (body, status, code)) in cases.iter().enumerate() {
        let key = format!("bad-{i}");
        let req = loyalty_tests::Req::post("/members/m1/adjustments")
            .param("member_id", "m1")
            .bearer(&admin)
            .header("Idempotency-Key", &key)
            .raw(body);
        let res = call_adjust(&env, &req).await;
        assert_eq!(res.status, *status, "{body}: {}", res.raw);
        res.assert_problem(*status, code);
        assert!(!idempotency_record_exists(&env, &key).await, "{body}");
    }
    // Bad member ids and a missing Idempotency-Key.
    let body = json!({"account": "points", "delta": 5, "reason": "x"});
    call_adjust(&env, &adjust_req(&admin, "m#1", Some("k"), &body))
        .await
        .assert_problem(422, "invalid_request");
    call_adjust(&env, &adjust_req(&admin, "m1", None, &body))
        .await
        .assert_problem(422, "invalid_request");
    assert_eq!(member_items(&env, "m1").await, 0);
}

#[tokio::test]
async fn a_retry_replays_the_first_answer_and_a_reused_key_is_refused() {
    let env = TestEnv::new().await;
    let body = json!({"account": "points", "delta": 10, "reason": "x"});
    let first = adjust(&env, "m1", "same", body.clone()).await;
    let again = adjust(&env, "m1", "same", body).await;
    assert_eq!(first.status, 200);
    assert_eq!(again.status, 200);
    assert_eq!(first.raw, again.raw);
    assert!(again.replayed);
    // Same key, different body (or member): refused, nothing changes.
    adjust(
        &env,
        "m1",
        "same",
        json!({"account": "points", "delta": 11, "reason": "x"}),
    )
    .await
    .assert_problem(422, "idempotency_key_reused");
    adjust(
        &env,
        "m2",
        "same",
        json!({"account": "points", "delta": 10, "reason": "x"}),
    )
    .await
    .assert_problem(422, "idempotency_key_reused");
    assert_eq!(member(&env, "m1").await["points"]["balance"], 10);
    assert_eq!(member(&env, "m2").await["points"]["balance"], 0);
    assert_eq!(ledger_all(&env, "m1", "points").await.len(), 1);
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn expiring_points_vanish_after_235959_local_and_are_written_off_in_the_ledger() {
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-04-01T13:21:00+08:00"))).await;
    setup_shop(&env).await;
    adjust(
        &env,
        "m1",
        "k1",
        json!({"account": "points", "delta": 100, "reason": "promo", "expires_on": "2026-10-01"}),
    )
    .await;
    adjust(
        &env,
        "m1",
        "k2",
        json!({"account": "points", "delta": 30, "reason": "keep"}),
    )
    .await;
    let m = member(&env, "m1").await;
    assert_eq!(m["points"]["balance"], 130);
    assert_eq!(
        m["points"]["expiring"],
        json!([{"date": "2026-10-01", "amount": 100}])
    );

    // 004: still there at 23:59:59 local on the expiry date, gone a second later.
    env.ctx.clock = Clock::Fixed(at("2026-10-01T23:59:59+08:00"));
    assert_eq!(member(&env, "m1").await["points"]["balance"], 130);
    env.ctx.clock = Clock::Fixed(at("2026-10-01T23:59:59+08:00") + TimeDelta::seconds(1));
    let m = member(&env, "m1").await;
    assert_eq!(m["points"]["balance"], 30);
    assert_eq!(m["points"]["expiring"], json!([]));

    // Spending more than the live balance is refused even though 130 are still stored.
    adjust(
        &env,
        "m1",
        "k3",
        json!({"account": "points", "delta": -31, "reason": "x"}),
    )
    .await
    .assert_problem(409, "insufficient_balance");
    let res = adjust(
        &env,
        "m1",
        "k4",
        json!({"account": "points", "delta": -10, "reason": "x"}),
    )
    .await;
    assert_eq!(res.body["balance"], 20);
    let entries = ledger_all(&env, "m1", "points").await;
    assert_eq!(entries[1]["kind"], "expiry");
    assert_eq!(entries[1]["amount"], -100);
    assert_eq!(ledger_sum(&env, "m1", "points").await, Decimal::from(20));
}

#[tokio::test]
async fn each_adjustment_is_one_read_and_one_write_however_long_the_ledger() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let before = env.store().calls();
    adjust(
        &env,
        "m1",
        "k0",
        json!({"account": "credit", "delta": "1.00", "reason": "x"}),
    )
    .await;
    let calls = env.store().calls().since(&before);
    assert_eq!(
        (calls.of("BatchGetItem"), calls.of("TransactWriteItems")),
        (1, 1),
        "{calls:?}"
    );
    assert_eq!((calls.reads(), calls.writes()), (1, 1));

    seed_ledger(&env, "m1", 1000).await;
    let before = env.store().calls();
    adjust(
        &env,
        "m1",
        "k1",
        json!({"account": "credit", "delta": "1.00", "reason": "x"}),
    )
    .await;
    let calls = env.store().calls().since(&before);
    assert_eq!((calls.reads(), calls.writes()), (1, 1), "{calls:?}");

    let before = env.store().calls();
    member(&env, "m1").await;
    ledger_page(&env, &env.admin(), "m1", &[("limit", "50")]).await;
    let calls = env.store().calls().since(&before);
    assert_eq!(
        (calls.of("BatchGetItem"), calls.of("Query"), calls.writes()),
        (1, 1, 0),
        "{calls:?}"
    );
}

/// Writes `n` old ledger items straight into the member's partition (BatchWriteItem, not
/// transactions, so moto stays fast).
pub async fn seed_ledger(env: &TestEnv, member: &str, n: usize) {
    use store::item::{n as num, s};
    let client = env.store().client();
    for chunk in (0..n).collect::<Vec<_>>().chunks(25) {
        let mut batch = client.batch_write_item();
        let mut writes = Vec::new();
        for i in chunk {
            let id = format!("0000000000001{i:06}");
            let item = std::collections::HashMap::from([
                ("PK".to_owned(), s(format!("SHOP#{}#M#{member}", env.shop))),
                ("SK".to_owned(), s(format!("LEDGER#{id}"))),
                ("LSI1SK".to_owned(), s(format!("POINTS#{id}"))),
                ("entity_type".to_owned(), s("ledger")),
                ("entry_id".to_owned(), s(id)),
                ("account".to_owned(), s("points")),
                ("kind".to_owned(), s("adjustment")),
                ("amount".to_owned(), num(0)),
                ("balance_after".to_owned(), num(0)),
                ("reason".to_owned(), s("history")),
                ("actor".to_owned(), s("seed")),
                ("at".to_owned(), s("2020-01-01T00:00:00Z")),
            ]);
            writes.push(
                aws_sdk_dynamodb::types::WriteRequest::builder()
                    .put_request(
                        aws_sdk_dynamodb::types::PutRequest::builder()
                            .set_item(Some(item))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            );
        }
        batch = batch.request_items(env.store().table(), writes);
        batch.send().await.unwrap();
    }
}
