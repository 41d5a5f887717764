//! Set-up, refusals as problem+json, and concurrency over HTTP: balances that agree,
//! spends that never overdraw, retries that land once.

use domain::Decimal;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::stack::Stack;

#[tokio::test]
async fn a_shop_is_set_up_a_balance_moves_and_reads_agree() {
    let stack = Stack::new("flow");
    stack.setup().await;
    let (s, v) = stack
        .adjust(
            "m1",
            "k1",
            json!({"account": "credit", "delta": "12.50", "reason": "welcome"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["balance"], "12.50");
    let (s, v) = stack
        .adjust(
            "m1",
            "k2",
            json!({"account": "points", "set": 3098, "reason": "migration"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let (s, v) = stack.admin(Method::GET, "/members/m1", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["points"]["balance"], 3098);
    assert_eq!(v["credit"]["balance"], "12.50");

    // The member reads their own record; credit is hidden while the program is off.
    let me = stack.token("customer", "m1");
    let (s, _, v) = stack
        .send(Method::GET, "/members/m1", Some(&me), None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["credit"], Value::Null);
    let (s, _, v) = stack
        .send(Method::GET, "/members/m2", Some(&me), None, None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );

    let (s, v) = stack
        .admin(Method::GET, "/members/m1/ledger?limit=1", None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"][0]["amount"], 3098);
    assert!(v["next"].is_string());
    stack.check_invariants().await;
}

#[tokio::test]
async fn refusals_arrive_as_problem_json_over_http() {
    let stack = Stack::new("refusals");
    stack.setup().await;
    let path = "/members/m1/adjustments";
    let (s, ctype, v) = stack
        .send(
            Method::POST,
            path,
            None,
            Some("k"),
            Some(&json!({"account": "points", "delta": 1, "reason": "x"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    assert_eq!(ctype, "application/problem+json");

    let (s, v) = stack
        .adjust(
            "m1",
            "k",
            json!({"account": "credit", "delta": "1.001", "reason": "x"}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_request"))
    );
    let (s, v) = stack
        .adjust(
            "m1",
            "k",
            json!({"account": "points", "delta": -1, "reason": "x"}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("insufficient_balance"))
    );
    let cashier = stack.token("cashier", "c1");
    let (s, _, v) = stack
        .send(
            Method::POST,
            path,
            Some(&cashier),
            Some("k"),
            Some(&json!({"account": "points", "delta": 1, "reason": "x"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (s, v) = stack
        .admin(Method::GET, "/members/m1/ledger", None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"], json!([]));
    stack.check_invariants().await;
}

#[tokio::test]
async fn a_hundred_concurrent_spends_over_http_never_overdraw() {
    let stack = Stack::new("race");
    let (s, v) = stack
        .adjust(
            "m1",
            "seed",
            json!({"account": "points", "delta": 50, "reason": "seed"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut set = JoinSet::new();
    for i in 0..100 {
        let stack = stack.clone();
        set.spawn(async move {
            stack
                .adjust(
                    "m1",
                    &format!("spend-{i}"),
                    json!({"account": "points", "delta": -1, "reason": "race"}),
                )
                .await
        });
    }
    let (mut ok, mut refused) = (0, 0);
    while let Some(r) = set.join_next().await {
        let (s, v) = r.unwrap();
        match s {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => {
                assert_eq!(v["code"], "insufficient_balance");
                refused += 1;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!((ok, refused), (50, 50));
    let (_, v) = stack.admin(Method::GET, "/members/m1", None, None).await;
    assert_eq!(v["points"]["balance"], 0);
    assert_eq!(stack.ledger_sum("m1", "points").await, (Decimal::ZERO, 51));
    stack.check_invariants().await;
}

#[tokio::test]
async fn twenty_concurrent_retries_over_http_have_one_effect_and_one_answer() {
    let stack = Stack::new("retries");
    stack.setup().await;
    let mut set = JoinSet::new();
    for _ in 0..20 {
        let stack = stack.clone();
        set.spawn(async move {
            stack
                .adjust(
                    "m1",
                    "one-key",
                    json!({"account": "credit", "delta": "3.30", "reason": "once"}),
                )
                .await
        });
    }
    let mut answers = Vec::new();
    while let Some(r) = set.join_next().await {
        let (s, v) = r.unwrap();
        assert_eq!(s, StatusCode::OK, "{v}");
        answers.push(v);
    }
    assert!(answers.iter().all(|a| a == &answers[0]));
    let (_, v) = stack.admin(Method::GET, "/members/m1", None, None).await;
    assert_eq!(v["credit"]["balance"], "3.30");
    assert_eq!(
        stack.ledger_sum("m1", "credit").await,
        (Decimal::new(330, 2), 1)
    );
    stack.check_invariants().await;
}
