//! The sample events under each function's `events/` (for `cargo lambda invoke`) are real
//! API Gateway HTTP API events that the functions answer.

use api::auth::{Authenticator, DEFAULT_LOCAL_SECRET};
use loyalty_tests::{workspace_root, Res, TestEnv};

fn event(path: &str) -> lambda_http::Request {
    let text = std::fs::read_to_string(workspace_root().join("functions").join(path)).unwrap();
    lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn the_sample_events_are_answered_by_their_functions() {
    let mut env = TestEnv::new().await;
    // The samples carry a token for shop s1 signed with the local stack's default secret.
    env.ctx.auth = Authenticator::hs256(DEFAULT_LOCAL_SECRET.as_bytes());
    let ctx = &env.ctx;
    let res = Res::from_response(
        admin_settings::handler(ctx, event("admin-settings/events/put-settings.json")).await,
    );
    assert_eq!(res.status, 200, "{}", res.raw);
    let res = Res::from_response(
        adjust_balance::handler(ctx, event("adjust-balance/events/add-points.json")).await,
    );
    assert_eq!(
        (res.status, &res.body["balance"]),
        (200, &serde_json::json!(100)),
        "{}",
        res.raw
    );
    let res = Res::from_response(
        adjust_balance::handler(ctx, event("adjust-balance/events/set-credit.json")).await,
    );
    assert_eq!(res.body["balance"], "12.50", "{}", res.raw);
    let res = Res::from_response(
        get_member::handler(ctx, event("get-member/events/get-member.json")).await,
    );
    assert_eq!(res.body["points"]["balance"], 100, "{}", res.raw);
    let res = Res::from_response(
        get_ledger::handler(ctx, event("get-ledger/events/get-ledger.json")).await,
    );
    assert_eq!(
        res.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        res.raw
    );
}
