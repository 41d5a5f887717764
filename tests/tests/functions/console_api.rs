//! What the console needs from the API (API 1.2 "Console"): the settings it formats with,
//! a member's profile by id, the points program's gift rules at the till, and claim links
//! with their QR codes (000, 002: cards are handed out by link or QR code).

use loyalty_tests::{Req, Res, TestEnv};
use serde_json::json;

use crate::support::*;

async fn get_settings(env: &TestEnv, token: &str) -> Res {
    let req = Req::get("/admin/settings").bearer(token).build();
    Res::from_response(admin_settings::handler(&env.ctx, req).await)
}

#[tokio::test]
async fn staff_read_the_settings_without_any_secret() {
    let env = TestEnv::new().await;
    get_settings(&env, &env.admin())
        .await
        .assert_problem(404, "not_found");
    setup_shop(&env).await;
    let res = get_settings(&env, &env.token("cashier", "c1")).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["currency"], "MYR");
    assert_eq!(res.body["timezone"], "Asia/Kuala_Lumpur");
    assert_eq!(res.body["webhook_secret_set"], true);
    assert_eq!(res.body["claim_url"], serde_json::Value::Null);
    assert!(!res.raw.contains("whsec_0123456789abcdef"), "{}", res.raw);
    get_settings(&env, &env.token("customer", "m1"))
        .await
        .assert_problem(403, "forbidden");
}

/// 000/002: the claim link template is https and names the card; free and paid card reads
/// carry it filled in, rule cards never (they are granted by their rule).
#[tokio::test]
async fn claim_links_fill_the_template_for_free_and_paid_cards_only() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let admin = env.admin();
    for bad in [
        json!("https://shop.example/cards/"),
        json!("ftp://shop.example/{card_id}"),
        json!("https://user@shop.example/{card_id}"),
        json!(42),
    ] {
        settings(&env, &admin, json!({"claim_url": bad}))
            .await
            .assert_problem(422, "invalid_request");
    }
    let free = new_card(
        &env,
        json!({"kind": "free", "name": "Welcome", "validity": {"kind": "permanent"}}),
    )
    .await;
    let rule = new_card(
        &env,
        json!({"kind": "rule", "name": "Loyal", "validity": {"kind": "permanent"}, "rule": {"orders": 5}}),
    )
    .await;
    // Without a template: null, and the QR code says why it cannot be drawn.
    let read = admin_card(&env, "GET", &free, "", None).await;
    assert_eq!(
        read.body["claim_url"],
        serde_json::Value::Null,
        "{}",
        read.raw
    );
    admin_card(&env, "GET", &free, "/qr", None)
        .await
        .assert_problem(409, "claim_url_not_set");

    let res = settings(
        &env,
        &admin,
        json!({"claim_url": "https://shop.example/cards/{card_id}?src=qr"}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(
        res.body["claim_url"],
        "https://shop.example/cards/{card_id}?src=qr"
    );
    // Fields not sent keep their values: the currency and zone stay.
    assert_eq!(res.body["currency"], "MYR");

    let read = admin_card(&env, "GET", &free, "", None).await;
    assert_eq!(
        read.body["claim_url"],
        format!("https://shop.example/cards/{free}?src=qr")
    );
    let list = Res::from_response(
        admin_cards::handler(&env.ctx, Req::get("/admin/cards").bearer(&admin).build()).await,
    );
    let items = list.body["items"].as_array().unwrap();
    let of = |id: &str| items.iter().find(|c| c["card_id"] == id).unwrap().clone();
    assert_eq!(
        of(&free)["claim_url"],
        format!("https://shop.example/cards/{free}?src=qr")
    );
    assert!(of(&rule).get("claim_url").is_none(), "{}", of(&rule));

    let qr = admin_card(&env, "GET", &free, "/qr", None).await;
    assert_eq!(qr.status, 200, "{}", qr.raw);
    assert_eq!(qr.content_type, "image/svg+xml");
    assert!(
        qr.raw.contains("<svg") && qr.raw.contains("<path"),
        "{}",
        qr.raw
    );
    admin_card(&env, "GET", &rule, "/qr", None)
        .await
        .assert_problem(409, "not_claimable");
    admin_card(&env, "GET", "card_nosuch", "/qr", None)
        .await
        .assert_problem(404, "not_found");

    // null removes the template.
    let res = settings(&env, &admin, json!({"claim_url": null})).await;
    assert_eq!(
        res.body["claim_url"],
        serde_json::Value::Null,
        "{}",
        res.raw
    );
}

/// A QR code staff show a member at the till (002 发权益卡): every staff role may draw it.
#[tokio::test]
async fn a_cashier_draws_the_qr_code_a_customer_cannot() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    settings(
        &env,
        &env.admin(),
        json!({"claim_url": "https://shop.example/c/{card_id}"}),
    )
    .await;
    let free = new_card(
        &env,
        json!({"kind": "free", "name": "Welcome", "validity": {"kind": "permanent"}}),
    )
    .await;
    for (role, status) in [("cashier", 200), ("guide", 200), ("customer", 403)] {
        let req = Req::get(&format!("/admin/cards/{free}/qr"))
            .param("card_id", &free)
            .bearer(&env.token(role, "x1"))
            .build();
        let res = Res::from_response(admin_cards::handler(&env.ctx, req).await);
        assert_eq!(res.status, status, "{role}: {}", res.raw);
    }
}

/// 003 at the till: a cashier reads the points program (its gifts for points) but cannot
/// change it; the console's member page reads a profile by id.
#[tokio::test]
async fn the_till_reads_the_gift_rules_and_a_profile_by_id() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    points_program(
        &env,
        json!({"enabled": true, "name": "Points", "earn": {"points_per_unit": 1},
               "redeem": {"points_per_unit": 100}, "expiry": {"kind": "never"},
               "exchange": [{"rule_id": "tote", "points": 500, "gift": "Tote bag", "stock": 3}]}),
    )
    .await;
    let cashier = env.token("cashier", "c1");
    let req = Req::get("/admin/programs/points").bearer(&cashier).build();
    let res = Res::from_response(admin_points_program::handler(&env.ctx, req).await);
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["exchange"][0]["gift"], "Tote bag", "{}", res.raw);
    let req = Req::put("/admin/programs/points")
        .bearer(&cashier)
        .json(&json!({"enabled": false}))
        .build();
    Res::from_response(admin_points_program::handler(&env.ctx, req).await)
        .assert_problem(403, "forbidden");

    let put = Req::put("/admin/members/m7")
        .param("member_id", "m7")
        .bearer(&cashier)
        .json(&json!({"name": "Ana", "phone": "+60123000777", "member_no": "A7"}))
        .build();
    let res = Res::from_response(admin_members::handler(&env.ctx, put).await);
    assert_eq!(res.status, 200, "{}", res.raw);
    let get = |id: &str| {
        Req::get(&format!("/admin/members/{id}"))
            .param("member_id", id)
            .bearer(&cashier)
            .build()
    };
    let res = Res::from_response(admin_members::handler(&env.ctx, get("m7")).await);
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["name"], "Ana");
    assert_eq!(res.body["phone"], "+60123000777");
    assert_eq!(res.body["member_no"], "A7");
    // Never written: an empty profile, as the member read answers empty balances.
    let res = Res::from_response(admin_members::handler(&env.ctx, get("m8")).await);
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["member_id"], "m8");
    assert_eq!(res.body["name"], serde_json::Value::Null);
}
