use api::Clock;
use domain::chrono::{DateTime, TimeDelta, Utc};
use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

async fn refund(env: &TestEnv, card_no: &str, body: Value) -> Res {
    let req = Req::post(&format!("/admin/member-cards/{card_no}/refund"))
        .param("card_no", card_no)
        .bearer(&env.admin())
        .json(&body)
        .build();
    Res::from_response(refund_card::handler(&env.ctx, req).await)
}

/// A paid card bought and paid for by m1; returns (card id, card number).
async fn bought(env: &TestEnv) -> (String, String) {
    let card = new_card(
        env,
        json!({"kind": "paid", "name": "Platinum", "price": "99.00", "stock": 5,
        "validity": {"kind": "days", "days": 30},
        "gift_pack": {"points": 50, "credit": "5.00", "coupons": ["VIP"], "gifts": ["mug"]}}),
    )
    .await;
    let p = purchase(env, &env.token("customer", "m1"), &card, json!({})).await;
    let res = webhook(env, &payment("evt_1", "payment.succeeded", &p.body)).await;
    assert_eq!(res.body["status"], "processed", "{}", res.raw);
    let m = member(env, "m1").await;
    (card, m["cards"][0]["card_no"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_refund_with_money_reclaims_what_is_left_of_the_gift_pack_and_returns_the_stock() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let (card, card_no) = bought(&env).await;
    // The member already spent 30 of the 50 gift points.
    adjust(
        &env,
        "m1",
        "spend",
        json!({"account": "points", "delta": -30, "reason": "spent"}),
    )
    .await;
    refund(
        &env,
        &card_no,
        json!({"refund_amount": "99.01", "reason": "x"}),
    )
    .await
    .assert_problem(422, "refund_exceeds_paid");
    let res = refund(
        &env,
        &card_no,
        json!({"refund_amount": "50.00", "reclaim_gifts": true, "reason": "changed mind"}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["refund_amount"], "50.00");
    assert_eq!(res.body["reclaimed"]["points"], 20);
    assert_eq!(res.body["reclaimed"]["credit"], "5.00");
    assert_eq!(res.body["reclaimed"]["items"].as_array().unwrap().len(), 2);

    let m = member(&env, "m1").await;
    assert_eq!(m["points"]["balance"], 0);
    assert_eq!(m["credit"]["balance"], "0.00");
    assert_eq!(m["cards"][0]["status"], "refunded");
    let got = admin_card(&env, "GET", &card, "", None).await;
    assert_eq!(
        (got.body["stock"].clone(), got.body["holders"].clone()),
        (json!(5), json!(0))
    );
    let returns = admin_card(&env, "GET", &card, "/returns", None).await;
    assert_eq!(returns.body["items"][0]["reason"], "changed mind");
    refund(&env, &card_no, json!({"reason": "again"}))
        .await
        .assert_problem(409, "card_refunded");
    // The refunded card no longer blocks a new purchase.
    assert_eq!(
        purchase(&env, &env.token("customer", "m1"), &card, json!({}))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn an_expired_card_cannot_be_refunded_and_unknown_numbers_are_404() {
    let start: DateTime<Utc> = "2026-04-01T05:00:00Z".parse().unwrap();
    let mut env = TestEnv::with_clock(Clock::Fixed(start)).await;
    setup_shop(&env).await;
    let (_, card_no) = bought(&env).await;
    env.ctx.clock = Clock::Fixed(start + TimeDelta::days(31));
    refund(&env, &card_no, json!({"reason": "late"}))
        .await
        .assert_problem(409, "card_expired");
    refund(&env, "1234567890123456", json!({"reason": "x"}))
        .await
        .assert_problem(404, "not_found");
    refund(&env, &card_no, json!({"refund_amount": 5}))
        .await
        .assert_problem(422, "invalid_request");
}
