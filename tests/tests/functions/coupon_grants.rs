//! The seeds' gifts as coupons a member holds (API 1.3): a card's gift pack (000 送优惠券)
//! and a recharge rule's gifts (003 充值赠送) issue coupons in the transaction of what
//! grants them; one disabled or sold out by then is not issued and the rest goes through;
//! a gift pack naming an undefined coupon is refused; words written before 1.3 stay words.

use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

fn ten_off(stock: Value) -> Value {
    json!({"name": "10 off", "kind": "amount_off", "amount": "10.00", "stock": stock,
           "validity": {"kind": "days", "days": 30}})
}

async fn wallet(env: &TestEnv, member: &str) -> Vec<Value> {
    let req = Req::get(&format!("/members/{member}/coupons"))
        .param("member_id", member)
        .bearer(&env.admin())
        .build();
    let res = Res::from_response(member_coupons::handler(&env.ctx, req).await);
    assert_eq!(res.status, 200, "{}", res.raw);
    res.body["items"].as_array().unwrap().clone()
}

async fn disable(env: &TestEnv, id: &str) {
    let req = Req::new("PATCH".parse().unwrap(), &format!("/admin/coupons/{id}"))
        .param("coupon_id", id)
        .bearer(&env.admin())
        .json(&json!({"status": "disabled"}))
        .build();
    assert_eq!(
        Res::from_response(admin_coupons::handler(&env.ctx, req).await).status,
        200
    );
}

#[tokio::test]
async fn seed_000_a_cards_gift_pack_puts_its_coupons_in_the_wallet_when_claimed() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let ten = define_coupon(&env, ten_off(json!(1))).await;
    let gone = define_coupon(&env, ten_off(Value::Null)).await;
    let card = |coupons: Value| {
        json!({"kind": "free", "name": "Welcome", "validity": {"kind": "days", "days": 30},
               "gift_pack": {"points": 0, "coupons": coupons}})
    };
    create_card(&env, card(json!(["cpn_nosuchthing"])))
        .await
        .assert_problem(422, "coupon_not_found");
    // A name written before coupons were things stays a word on the card.
    assert_eq!(
        create_card(&env, card(json!(["WELCOME10"]))).await.status,
        201
    );
    let id = new_card(&env, card(json!([ten, ten, gone, "WELCOME10"]))).await;
    disable(&env, &gone).await;
    let got = claim(&env, &env.token("customer", "m1"), &id, json!({})).await;
    assert_eq!(got.status, 201, "{}", got.raw);
    // Two of `ten` asked with one in stock: one is issued, the other is listed as sold
    // out; the disabled one issues nothing; the card itself is claimed all the same.
    let mut not_issued: Vec<(String, String)> = got.body["coupons_not_issued"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["coupon_id"].as_str().unwrap().into(),
                n["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    not_issued.sort();
    let mut want = vec![
        (ten.clone(), "coupon_sold_out".to_owned()),
        (gone.clone(), "coupon_disabled".to_owned()),
    ];
    want.sort();
    assert_eq!(not_issued, want);
    let held = wallet(&env, "m1").await;
    assert_eq!((held.len(), &held[0]["coupon_id"]), (1, &json!(ten)));

    // With stock for both, both land in the wallet from the gift pack.
    let plenty = define_coupon(&env, ten_off(json!(10))).await;
    let id = new_card(&env, card(json!([plenty, plenty]))).await;
    let got = claim(&env, &env.token("customer", "m2"), &id, json!({})).await;
    assert_eq!(got.status, 201, "{}", got.raw);
    assert!(got.body.get("coupons_not_issued").is_none(), "{}", got.raw);
    let held = wallet(&env, "m2").await;
    assert_eq!(held.len(), 2);
    assert!(held
        .iter()
        .all(|c| c["source"] == "gift_pack" && c["status"] == "available"));
}

#[tokio::test]
async fn seed_003_a_recharge_rules_gift_coupon_lands_in_the_wallet_at_the_till() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let gift = define_coupon(&env, ten_off(Value::Null)).await;
    let program = |coupons: Value| {
        json!({"enabled": true, "rules": [{"rule_id": "r100", "name": "Top up 100", "pay": "100.00",
               "gifts": {"coupons": coupons}, "channels": ["till"]}]})
    };
    let put = |body: Value| {
        Req::put("/admin/programs/value")
            .bearer(&env.admin())
            .json(&body)
            .build()
    };
    let res = Res::from_response(
        admin_value_program::handler(&env.ctx, put(program(json!(["cpn_unknown1"])))).await,
    );
    res.assert_problem(422, "coupon_not_found");
    let res = Res::from_response(
        admin_value_program::handler(&env.ctx, put(program(json!([gift])))).await,
    );
    assert_eq!(res.status, 200, "{}", res.raw);
    let req = Req::post("/members/m1/recharges")
        .param("member_id", "m1")
        .bearer(&env.token("cashier", "till-1"))
        .header("Idempotency-Key", "r1")
        .json(&json!({"rule_id": "r100", "channel": "till"}))
        .build();
    let done = Res::from_response(recharge::handler(&env.ctx, req).await);
    assert_eq!(done.status, 201, "{}", done.raw);
    let held = wallet(&env, "m1").await;
    assert_eq!(
        (held.len(), &held[0]["source"]),
        (1, &json!("recharge")),
        "{held:?}"
    );
}
