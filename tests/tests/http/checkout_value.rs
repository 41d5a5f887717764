//! The checkout quote and stored value (003) over HTTP.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::stack::Stack;

#[tokio::test]
async fn a_checkout_quote_over_http_applies_one_benefit_and_previews_points_without_writing() {
    let stack = Stack::new("quote");
    stack.setup().await;
    stack
        .configure(
            "/admin/programs/points",
            json!({"enabled": true, "earn": {"points_per_unit": 1,
                          "exclude": {"campaign": true, "no_sku": true}},
                          "redeem": {"points_per_unit": 100}}),
        )
        .await;
    let card = stack
        .create_card(
            json!({"kind": "free", "name": "Club", "validity": {"kind": "permanent"},
                         "benefits": [{"kind": "discount", "percent": 90}]}),
        )
        .await;
    let me = stack.token("customer", "qh1");
    let claim = format!("/cards/{}/claim", card["card_id"].as_str().unwrap());
    let (s, _, _) = stack
        .send(Method::POST, &claim, Some(&me), None, Some(&json!({})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let cart = json!({"currency": "MYR", "lines": [
        {"sku": "A1", "category": "toys", "amount": "30.00"},
        {"sku": "B1", "category": "toys", "amount": "10.00", "campaign": true},
        {"sku": null, "category": "bulk", "amount": "5.55"}]});
    let (s, _, q) = stack
        .send(
            Method::POST,
            "/checkout/quote",
            Some(&me),
            None,
            Some(&cart),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(q["applied"]["id"], card["card_id"]);
    // 10% per line, half-even: 3.00 + 1.00 + 0.56 (0.555 -> 0.56).
    assert_eq!(q["discount"], "4.56");
    assert_eq!(q["total"], "40.99");
    // 003: the campaign line and the line without a sku earn nothing in the preview too.
    assert_eq!(q["points"]["earn"], 27);
    // Nothing was written: the member still reads as before.
    let (_, _, m) = stack
        .send(Method::GET, "/members/qh1", Some(&me), None, None)
        .await;
    assert_eq!(m["points"]["balance"], 0);
    let mut chosen = cart.clone();
    chosen["card_id"] = json!("card_nobody_holds");
    let (s, _, v) = stack
        .send(
            Method::POST,
            "/checkout/quote",
            Some(&me),
            None,
            Some(&chosen),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("card_not_usable"))
    );
    stack.check_invariants().await;
}

#[tokio::test]
async fn stored_value_is_recharged_spent_refunded_and_its_recharge_refunded_over_http() {
    let stack = Stack::new("value");
    stack.setup().await;
    stack
        .configure(
            "/admin/programs/value",
            json!({"enabled": true, "any_amount": true, "min_amount": "10.00", "rules": [
                {"rule_id": "r100", "name": "Top up 100, get 10", "pay": "100.00",
                 "gifts": {"value": "10.00"}, "channels": ["till", "online"]}]}),
        )
        .await;
    let cashier = stack.token("cashier", "till-1");
    let (s, _, done) = stack
        .send(
            Method::POST,
            "/members/sv1/recharges",
            Some(&cashier),
            Some("sv-k1"),
            Some(&json!({"rule_id": "r100", "channel": "till"})),
        )
        .await;
    assert_eq!(
        (s, done["value_balance"].as_str()),
        (StatusCode::CREATED, Some("110.00")),
        "{done}"
    );
    stack.check_invariants().await;
    let now = domain::chrono::Utc::now().to_rfc3339();
    let (s, _, v) = stack
        .send(
            Method::POST,
            "/orders/sv-o1/accrue",
            Some(&cashier),
            None,
            Some(
                &json!({"member_id": "sv1", "currency": "MYR", "total": "50.00",
                           "placed_at": now, "paid_at": now}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _, v) = stack
        .send(
            Method::POST,
            "/orders/sv-o1/redeem",
            Some(&cashier),
            None,
            Some(&json!({"member_id": "sv1", "value": "30.00"})),
        )
        .await;
    assert_eq!(
        (s, v["value_balance"].as_str()),
        (StatusCode::OK, Some("80.00")),
        "{v}"
    );
    stack.check_invariants().await;
    let (s, v) = stack
        .admin(
            Method::POST,
            "/orders/sv-o1/refunds",
            None,
            Some(&json!({"refund_id": "sv-r1", "amount": "50.00", "member_id": "sv1"})),
        )
        .await;
    assert_eq!(
        (s, v["value_restored"].as_str()),
        (StatusCode::OK, Some("30.00")),
        "{v}"
    );
    stack.check_invariants().await;
    let refund = format!(
        "/admin/recharges/{}/refund",
        done["recharge_id"].as_str().unwrap()
    );
    let (s, v) = stack
        .admin(
            Method::POST,
            &refund,
            None,
            Some(&json!({"reason": "returned"})),
        )
        .await;
    assert_eq!(
        (s, v["value_taken_back"].as_str()),
        (StatusCode::OK, Some("110.00")),
        "{v}"
    );
    let (s, v) = stack
        .admin(
            Method::POST,
            &refund,
            None,
            Some(&json!({"reason": "again"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("refund_exceeds_paid")
        )
    );
    stack.check_invariants().await;
}
