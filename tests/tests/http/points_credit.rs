//! The points seeds (004) and store credit (001) over HTTP: rules, refunds, levels.

use domain::Decimal;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::task::JoinSet;

use crate::stack::Stack;

#[tokio::test]
async fn the_points_seed_examples_hold_over_http() {
    let stack = Stack::new("points");
    stack.setup().await;
    stack
        .configure(
            "/admin/programs/points",
            json!({"enabled": true,
            "name": "Points", "earn": {"points_per_unit": 100}, "redeem": {"points_per_unit": 100},
            "expiry": {"kind": "months", "months": 6}}),
        )
        .await;
    let placed = domain::chrono::Utc::now().to_rfc3339();
    let order = json!({"member_id": "m1", "currency": "MYR", "total": "30.98",
        "placed_at": placed, "paid_at": placed, "lines": [{"sku": "A1", "amount": "30.98"}]});
    let cashier = stack.token("cashier", "pos-1");
    // 004: MYR 30.98 at 100 points per MYR earns 3098, rounded down; a second call replays.
    let (s, _, first) = stack
        .send(
            Method::POST,
            "/orders/o1/accrue",
            Some(&cashier),
            None,
            Some(&order),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["points_earned"], 3098);
    let (_, _, again) = stack
        .send(
            Method::POST,
            "/orders/o1/accrue",
            Some(&cashier),
            None,
            Some(&order),
        )
        .await;
    assert_eq!(again, first);
    // 004: 387 points at 100 per MYR are a MYR 3.87 discount.
    let me = stack.token("customer", "m1");
    let (s, _, r) = stack
        .send(
            Method::POST,
            "/orders/o2/redeem",
            Some(&me),
            None,
            Some(&json!({"points": 387})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["discount"], "3.87");
    assert_eq!(r["points_balance"], 3098 - 387);
    // A half refund of o1 takes back half of what it earned.
    let (s, _, refund) = stack
        .send(
            Method::POST,
            "/orders/o1/refunds",
            Some(&cashier),
            None,
            Some(&json!({"refund_id": "r1", "amount": "15.49"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{refund}");
    assert_eq!(refund["points_clawed_back"], 1549);
    let (_, m) = stack.admin(Method::GET, "/members/m1", None, None).await;
    assert_eq!(m["points"]["balance"], 3098 - 387 - 1549);
    assert_eq!(
        stack.ledger_sum("m1", "points").await.0,
        Decimal::from(3098 - 387 - 1549)
    );
    stack.check_invariants().await;
}

#[tokio::test]
async fn store_credit_rules_refunds_and_levels_hold_over_http() {
    let stack = Stack::new("credit");
    stack.setup().await;
    stack.configure("/admin/programs/credit", json!({"enabled": true, "expiry": {"kind": "days", "days": 365}, "rules": [
                {"type": "first_order", "grant": {"fixed": "5.00"}},
                {"type": "each_order", "grant": {"per": "100.00", "give": "2.00"}, "min_order": "50.00"},
                {"type": "registration", "grant": {"fixed": "3.00"}},
                {"type": "order_count", "tiers": [{"orders": 3, "give": "5.00"}]},
                {"type": "cumulative_spend", "every": {"per": "500.00", "give": "10.00"}}]})).await;
    let card = stack
        .create_card(
            json!({"kind": "rule", "name": "Gold", "validity": {"kind": "permanent"},
                         "rule": {"orders": 3}}),
        )
        .await;
    let me = stack.token("customer", "m1");
    let (s, _, joined) = stack
        .send(
            Method::POST,
            "/members/m1/register",
            Some(&me),
            None,
            Some(&json!({"birthday": "1990-04-01"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{joined}");
    assert_eq!(joined["credit_issued"], "3.00");
    let cashier = stack.token("cashier", "pos-1");
    let placed = domain::chrono::Utc::now().to_rfc3339();
    let mut issued = Vec::new();
    for (order, total) in [
        ("o1", "120.00"),
        ("o2", "30.00"),
        ("o3", "60.00"),
        ("o4", "850.00"),
        ("o5", "440.00"),
    ] {
        let (s, _, v) = stack
            .send(
                Method::POST,
                &format!("/orders/{order}/accrue"),
                Some(&cashier),
                None,
                Some(&json!({"member_id": "m1", "currency": "MYR", "total": total, "placed_at": placed})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        issued.push(v["credit_issued"].as_str().unwrap().to_owned());
        if order == "o3" {
            assert_eq!(v["cards_issued"][0]["card_id"], card["card_id"], "{v}");
        }
    }
    // Registration 3; first order 5 + 2; below the minimum 0; third order 5; crossing 500
    // and 1000 gives 20 + 16; the carried 60.00 makes 1500 reachable: 10 + 8.
    assert_eq!(issued, ["7.00", "0.00", "5.00", "36.00", "18.00"]);
    let (_, m) = stack.admin(Method::GET, "/members/m1", None, None).await;
    assert_eq!(m["credit"]["balance"], "69.00", "{m}");
    assert_eq!(m["credit"]["card_no"], joined["card_no"]);
    assert_eq!(m["level"]["name"], "Gold");
    assert_eq!(
        stack.ledger_sum("m1", "credit").await,
        (Decimal::from(69), 8)
    );

    // Refund to credit: capped at what the order paid, one landing per refund id.
    let to_credit = |id: String, amount: &str| json!({"refund_id": id, "member_id": "m1", "amount": amount, "note": "damaged", "notify": true});
    let (s, _, over) = stack
        .send(
            Method::POST,
            "/orders/o2/refund-to-credit",
            Some(&stack.token("admin", "a")),
            None,
            Some(&to_credit("big".into(), "30.01")),
        )
        .await;
    assert_eq!(
        (s, over["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("refund_exceeds_paid")
        )
    );
    let mut set = JoinSet::new();
    for i in 0..30 {
        let (stack, body) = (stack.clone(), to_credit(format!("rc{i}"), "3.00"));
        set.spawn(async move {
            let admin = stack.token("admin", "a");
            stack
                .send(
                    Method::POST,
                    "/orders/o2/refund-to-credit",
                    Some(&admin),
                    None,
                    Some(&body),
                )
                .await
                .0
        });
    }
    let mut landed = 0;
    while let Some(status) = set.join_next().await {
        match status.unwrap() {
            StatusCode::OK => landed += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(landed, 10);
    let (_, m) = stack.admin(Method::GET, "/members/m1", None, None).await;
    assert_eq!(m["credit"]["balance"], "99.00");
    stack.check_invariants().await;
}
