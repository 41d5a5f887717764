//! Benefit cards over HTTP (000, 002): claimed, bought and paid for.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::stack::Stack;

#[tokio::test]
async fn cards_are_claimed_bought_and_paid_for_over_http() {
    let stack = Stack::new("cards");
    stack.setup().await;
    let free = stack
        .create_card(json!({"kind": "free", "name": "Gold",
            "gift_pack": {"points": 100}}))
        .await;
    let me = stack.token("customer", "m1");
    let claim = format!("/cards/{}/claim", free["card_id"].as_str().unwrap());
    let (s, _, card) = stack
        .send(Method::POST, &claim, Some(&me), None, Some(&json!({})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{card}");
    assert_eq!(card["gift_pack_issued"], true);
    let (s, _, again) = stack
        .send(Method::POST, &claim, Some(&me), None, Some(&json!({})))
        .await;
    assert_eq!(
        (s, again["code"].as_str()),
        (StatusCode::CONFLICT, Some("card_already_held"))
    );

    let (_, paid) = stack
        .admin(
            Method::POST,
            "/admin/cards",
            None,
            Some(&json!({"kind": "paid", "name": "Platinum",
            "price": "99.00", "stock": 20})),
        )
        .await;
    let buy = format!("/cards/{}/purchase", paid["card_id"].as_str().unwrap());
    // A flash sale: 300 buyers at once for 20 cards.
    let mut set = JoinSet::new();
    for i in 0..300 {
        let (stack, buy) = (stack.clone(), buy.clone());
        set.spawn(async move {
            let token = stack.token("customer", &format!("buyer{i}"));
            stack
                .send(Method::POST, &buy, Some(&token), None, Some(&json!({})))
                .await
        });
    }
    let mut pending = Vec::new();
    let mut sold_out = 0;
    while let Some(r) = set.join_next().await {
        let (s, _, v) = r.unwrap();
        match s {
            StatusCode::CREATED => pending.push(v),
            StatusCode::CONFLICT if v["code"] == "card_sold_out" => sold_out += 1,
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!((pending.len(), sold_out), (20, 280));

    // The provider pays one of them, and delivers the event twice.
    let p = &pending[0];
    let body = json!({"id": "evt_http_1", "type": "payment.succeeded",
        "data": {"reference": p["purchase_id"], "amount": p["amount"], "currency": p["currency"]}})
    .to_string();
    let deliver = |body: String, signature: String| {
        let stack = stack.clone();
        async move {
            let res = stack
                .http
                .post(format!("{}/webhooks/payments", stack.url))
                .header("webhook-shop", &stack.shop)
                .header("webhook-signature", signature)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let now = domain::chrono::Utc::now().timestamp();
    let good = api::payments::sign("whsec_e2e_0123456789", now, body.as_bytes());
    assert_eq!(
        deliver(body.clone(), good.clone()).await.1["status"],
        "processed"
    );
    assert_eq!(deliver(body.clone(), good).await.1["status"], "duplicate");
    let forged = api::payments::sign("whsec_somebody_else0", now, body.as_bytes());
    let (s, v) = deliver(body.clone(), forged).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_signature"))
    );

    let buyer = stack.token("customer", p["member_id"].as_str().unwrap());
    let path = format!("/purchases/{}", p["purchase_id"].as_str().unwrap());
    let (_, _, got) = stack
        .send(Method::GET, &path, Some(&buyer), None, None)
        .await;
    assert_eq!(got["status"], "paid");
    stack.check_invariants().await;
}
