use loyalty_tests::{token_for, token_signed, Req, TestEnv};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn requests_without_a_valid_token_are_401_and_write_nothing() {
    let env = TestEnv::new().await;
    let body = json!({"account": "points", "delta": 5, "reason": "x"});
    let expired = token_for(&env.shop, "admin", "a1", -3600);
    let forged = token_signed(&env.shop, "admin", "a1", 3600, "not-the-secret");
    let mut tampered = env.admin();
    tampered.push('x');
    for token in [
        expired.as_str(),
        forged.as_str(),
        tampered.as_str(),
        "",
        "abc.def.ghi",
    ] {
        let res = call_adjust(&env, &adjust_req(token, "m1", Some("k"), &body)).await;
        res.assert_problem(401, "unauthorized");
    }
    let no_header = Req::post("/members/m1/adjustments")
        .param("member_id", "m1")
        .header("Idempotency-Key", "k")
        .json(&body);
    call_adjust(&env, &no_header)
        .await
        .assert_problem(401, "unauthorized");
    let basic = no_header.clone().header("authorization", "Basic YTpi");
    call_adjust(&env, &basic)
        .await
        .assert_problem(401, "unauthorized");
    // A token without a shop claim, or with one that cannot be a key.
    let bad_shop = token_for("s#1", "admin", "a1", 3600);
    call_adjust(&env, &adjust_req(&bad_shop, "m1", Some("k"), &body))
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(member_items(&env, "m1").await, 0);
    assert!(!idempotency_record_exists(&env, "k").await);
}

#[tokio::test]
async fn roles_decide_who_may_adjust_and_customers_see_only_themselves() {
    let env = TestEnv::new().await;
    let body = json!({"account": "points", "delta": 5, "reason": "x"});
    for role in [
        "cashier",
        "guide",
        "service",
        "ops",
        "customer",
        "superuser",
    ] {
        let token = env.token(role, "m1");
        call_adjust(&env, &adjust_req(&token, "m1", Some("k"), &body))
            .await
            .assert_problem(403, "forbidden");
    }
    assert_eq!(member_items(&env, "m1").await, 0);
    assert_eq!(
        call_adjust(
            &env,
            &adjust_req(&env.token("owner", "o1"), "m1", Some("k"), &body)
        )
        .await
        .status,
        200
    );

    let me = env.token("customer", "m1");
    assert_eq!(member_as(&env, &me, "m1").await.status, 200);
    member_as(&env, &me, "m2")
        .await
        .assert_problem(403, "forbidden");
    ledger_page(&env, &me, "m2", &[])
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(ledger_page(&env, &me, "m1", &[]).await.status, 200);
    // Every staff role may read any member of its shop.
    for role in ["cashier", "guide", "service", "ops"] {
        assert_eq!(
            member_as(&env, &env.token(role, "x"), "m1").await.status,
            200
        );
    }
}

#[tokio::test]
async fn another_shops_token_never_reaches_this_shops_data() {
    let env = TestEnv::new().await;
    adjust(
        &env,
        "m1",
        "k1",
        json!({"account": "points", "delta": 70, "reason": "x"}),
    )
    .await;
    let other = token_for("other-shop", "admin", "a1", 3600);
    let res = member_as(&env, &other, "m1").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["points"]["balance"], 0);
    let res = ledger_page(&env, &other, "m1", &[]).await;
    assert_eq!(res.body["items"], json!([]));
    // The other shop's adjustment lands in its own partition, never in this one.
    let res = call_adjust(
        &env,
        &adjust_req(
            &other,
            "m1",
            Some("k1"),
            &json!({"account": "points", "delta": -70, "reason": "x"}),
        ),
    )
    .await;
    res.assert_problem(409, "insufficient_balance");
    assert_eq!(member(&env, "m1").await["points"]["balance"], 70);
}

#[tokio::test]
async fn rs256_tokens_verify_against_a_configured_jwk_set() {
    use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
    let root = loyalty_tests::workspace_root().join("tests/fixtures");
    let jwks = std::fs::read_to_string(root.join("rs256-test-jwks.json")).unwrap();
    let key = EncodingKey::from_rsa_der(&std::fs::read(root.join("rs256-test-key.der")).unwrap());
    let mut env = TestEnv::new().await;
    env.ctx.auth = api::auth::Authenticator::jwks(serde_json::from_str(&jwks).unwrap());
    let claims = |exp: i64| json!({"shop": env.shop, "sub": "a1", "role": "admin", "exp": exp});
    let now = domain::chrono::Utc::now().timestamp();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-key-1".into());
    let good = encode(&header, &claims(now + 600), &key).unwrap();
    assert_eq!(member_as(&env, &good, "m1").await.status, 200);

    let expired = encode(&header, &claims(now - 600), &key).unwrap();
    member_as(&env, &expired, "m1")
        .await
        .assert_problem(401, "unauthorized");
    let mut unknown = header.clone();
    unknown.kid = Some("rotated-away".into());
    let stranger = encode(&unknown, &claims(now + 600), &key).unwrap();
    member_as(&env, &stranger, "m1")
        .await
        .assert_problem(401, "unauthorized");
    // An HS256 token is no good once the shop verifies against its identity provider's keys.
    member_as(&env, &env.admin(), "m1")
        .await
        .assert_problem(401, "unauthorized");
}
