//! Member levels (003) over HTTP: climbing, and a paid upgrade settled once.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::stack::Stack;

#[tokio::test]
async fn levels_climb_and_a_paid_upgrade_settles_once_over_http() {
    let stack = Stack::new("levels");
    stack.setup().await;
    stack
        .configure(
            "/admin/programs/points",
            json!({"enabled": true, "earn": {"points_per_unit": 1},
                          "redeem": {"points_per_unit": 100}}),
        )
        .await;
    // 003: a growth ladder with a till default and a paid top level.
    let ladder = json!({"upgrade_by": "growth", "default_till": "base", "levels": [
        {"level_id": "base", "name": "Member", "rank": 0, "threshold": 0},
        {"level_id": "silver", "name": "Silver", "rank": 1, "threshold": 500},
        {"level_id": "gold", "name": "Gold", "rank": 2, "threshold": 2000, "validity_days": 365,
         "paid_upgrade": {"price": "99.00", "reward": {"points": 500, "coupons": ["GOLD10"]}}}]});
    stack.configure("/admin/levels", ladder.clone()).await;
    let mut bad = ladder.clone();
    bad["levels"][1]["threshold"] = json!(0);
    let (s, v) = stack
        .admin(Method::PUT, "/admin/levels", None, Some(&bad))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_request"))
    );
    let cashier = stack.token("cashier", "till-1");
    let (s, _, v) = stack
        .send(
            Method::POST,
            "/members/lv1/register",
            Some(&cashier),
            None,
            Some(&json!({"channel": "till"})),
        )
        .await;
    assert_eq!(
        (s, v["level_id"].as_str()),
        (StatusCode::CREATED, Some("base")),
        "{v}"
    );
    let now = domain::chrono::Utc::now().to_rfc3339();
    let (s, _, v) = stack
        .send(
            Method::POST,
            "/orders/lv-o1/accrue",
            Some(&cashier),
            None,
            Some(
                &json!({"member_id": "lv1", "currency": "MYR", "total": "520.00",
                           "placed_at": now, "paid_at": now}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["level_changes"][0]["to"], "silver", "{v}");
    let me = stack.token("customer", "lv1");
    let (_, _, m) = stack
        .send(Method::GET, "/members/lv1", Some(&me), None, None)
        .await;
    assert_eq!(m["level"]["level_id"], "silver", "{m}");
    assert_eq!(m["growth"], 0);
    assert_eq!(m["level"]["progress"]["needed"], 2000);

    let (s, _, p) = stack
        .send(
            Method::POST,
            "/levels/gold/purchase",
            Some(&me),
            None,
            Some(&json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let body = json!({"id": "evt_lvl_http", "type": "payment.succeeded",
        "data": {"reference": p["purchase_id"], "amount": p["amount"], "currency": p["currency"]}})
    .to_string();
    let signature = api::payments::sign(
        "whsec_e2e_0123456789",
        domain::chrono::Utc::now().timestamp(),
        body.as_bytes(),
    );
    for expected in ["processed", "duplicate"] {
        let res = stack
            .http
            .post(format!("{}/webhooks/payments", stack.url))
            .header("webhook-shop", &stack.shop)
            .header("webhook-signature", &signature)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.json::<Value>().await.unwrap()["status"], expected);
    }
    let (_, _, m) = stack
        .send(Method::GET, "/members/lv1", Some(&me), None, None)
        .await;
    assert_eq!(m["level"]["level_id"], "gold", "{m}");
    assert!(m["level"]["valid_until"].is_string(), "{m}");
    assert_eq!(m["points"]["balance"], 1020);
    let (s, _, v) = stack
        .send(
            Method::POST,
            "/levels/gold/purchase",
            Some(&me),
            None,
            Some(&json!({})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("level_not_higher"))
    );
    stack.check_invariants().await;
}
