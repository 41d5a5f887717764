use loyalty_tests::TestEnv;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn the_ledger_pages_newest_first_without_gaps_or_repeats() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    for i in 1..=5 {
        adjust(
            &env,
            "m1",
            &format!("p{i}"),
            json!({"account": "points", "delta": i, "reason": format!("r{i}")}),
        )
        .await;
    }
    adjust(
        &env,
        "m1",
        "c1",
        json!({"account": "credit", "delta": "2.00", "reason": "c"}),
    )
    .await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut q = vec![("account", "points"), ("limit", "2")];
        if let Some(c) = &cursor {
            q.push(("cursor", c.as_str()));
        }
        let res = ledger_page(&env, &env.admin(), "m1", &q).await;
        assert_eq!(res.status, 200, "{}", res.raw);
        pages += 1;
        for e in res.body["items"].as_array().unwrap() {
            seen.push(e["reason"].as_str().unwrap().to_owned());
        }
        match res.body["next"].as_str() {
            Some(n) => cursor = Some(n.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ["r5", "r4", "r3", "r2", "r1"]);
    assert!(pages >= 3);

    // Without an account filter both accounts are listed, newest first.
    let all = ledger_page(&env, &env.admin(), "m1", &[]).await;
    let items = all.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    assert_eq!(items[0]["account"], "credit");
    assert_eq!(items[0]["amount"], "2.00");
}

#[tokio::test]
async fn bad_ledger_queries_are_refused() {
    let env = TestEnv::new().await;
    let admin = env.admin();
    for q in [
        [("account", "stars")],
        [("limit", "0")],
        [("limit", "101")],
        [("limit", "ten")],
        [("cursor", "SHOP#x")],
    ] {
        ledger_page(&env, &admin, "m1", &q)
            .await
            .assert_problem(422, "invalid_request");
    }
}

/// Issue 25: every invocation's log line carries the capacity DynamoDB reported for its
/// calls. The store asks for it on each call: a Query reports nothing unless asked, and a
/// ledger page is one.
#[tokio::test]
async fn a_ledger_page_counts_the_capacity_dynamodb_reports() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    adjust(
        &env,
        "m1",
        "p1",
        json!({"account": "points", "delta": 5, "reason": "r1"}),
    )
    .await;
    let before = env.store().calls();
    let res = ledger_page(&env, &env.admin(), "m1", &[("account", "points")]).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    let calls = env.store().calls().since(&before);
    assert_eq!(calls.of("Query"), 1, "{calls:?}");
    let queried = env.store().calls();
    env.store()
        .partition("SHOP#none#M#none", "A", "Z")
        .await
        .unwrap();
    let query_only = env.store().calls().since(&queried);
    assert_eq!((query_only.of("Query"), query_only.reads()), (1, 1));
    assert!(
        query_only.capacity_units() > 0.0,
        "a Query's capacity is reported: {query_only:?}"
    );
    assert!(
        calls.capacity_units() >= query_only.capacity_units(),
        "{calls:?}"
    );
}
