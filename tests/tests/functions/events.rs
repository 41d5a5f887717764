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
    env.ctx.auth = Authenticator::hs256(DEFAULT_LOCAL_SECRET.as_bytes()).unwrap();
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

fn event_with(path: &str, from: &str, to: &str) -> lambda_http::Request {
    let text = std::fs::read_to_string(workspace_root().join("functions").join(path))
        .unwrap()
        .replace(from, to);
    lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn every_sample_event_is_an_api_gateway_event_and_the_card_samples_work() {
    for dir in std::fs::read_dir(workspace_root().join("functions")).unwrap() {
        let dir = dir.unwrap().path();
        for file in std::fs::read_dir(dir.join("events")).unwrap() {
            let file = file.unwrap().path();
            let text = std::fs::read_to_string(&file).unwrap();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            if value.get("routeKey").is_some() {
                lambda_http::request::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            }
        }
    }
    let mut env = TestEnv::new().await;
    env.ctx.auth = Authenticator::hs256(DEFAULT_LOCAL_SECRET.as_bytes()).unwrap();
    let ctx = &env.ctx;
    admin_settings::handler(ctx, event("admin-settings/events/put-settings.json")).await;
    let free = Res::from_response(
        admin_cards::handler(ctx, event("admin-cards/events/create-free-card.json")).await,
    );
    assert_eq!(free.status, 201, "{}", free.raw);
    let id = free.body["card_id"].as_str().unwrap();
    let claimed = Res::from_response(
        claim_card::handler(
            ctx,
            event_with("claim-card/events/claim.json", "CARD_ID", id),
        )
        .await,
    );
    assert_eq!(claimed.status, 201, "{}", claimed.raw);
    let paid = Res::from_response(
        admin_cards::handler(ctx, event("admin-cards/events/create-paid-card.json")).await,
    );
    let id = paid.body["card_id"].as_str().unwrap();
    let bought = Res::from_response(
        purchase_card::handler(
            ctx,
            event_with("purchase-card/events/purchase.json", "CARD_ID", id),
        )
        .await,
    );
    assert_eq!(bought.status, 201, "{}", bought.raw);
    let pid = bought.body["purchase_id"].as_str().unwrap();
    let got = Res::from_response(
        get_purchase::handler(
            ctx,
            event_with("get-purchase/events/get-purchase.json", "PURCHASE_ID", pid),
        )
        .await,
    );
    assert_eq!(got.body["status"], "pending", "{}", got.raw);
    let list = Res::from_response(
        admin_cards::handler(ctx, event("admin-cards/events/list-cards.json")).await,
    );
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(2));
}
