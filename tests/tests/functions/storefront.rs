//! What a shop page shows its members (API 1.2 "Storefront"): the cards a member may claim
//! or buy (000) and the level ladder to show progress against (003), nothing the shop keeps
//! to itself.

use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

async fn read(env: &TestEnv, path: &str, role: &str) -> Res {
    let req = Req::get(path).bearer(&env.token(role, "m1")).build();
    Res::from_response(storefront::handler(&env.ctx, req).await)
}

fn paid(name: &str, stock: u64) -> Value {
    json!({"kind": "paid", "name": name, "validity": {"kind": "days", "days": 30},
           "price": "99.00", "stock": stock, "gift_pack": {"points": 100, "gifts": ["Tote bag"]},
           "benefits": [{"kind": "discount", "percent": 90}]})
}

/// 000: members see the enabled, listed free and paid cards; disabled, delisted and rule
/// cards never; a paid card with nothing left says so, without saying how many there are.
#[tokio::test]
async fn the_card_centre_offers_what_a_member_may_claim_or_buy() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let free = new_card(&env, json!({"kind": "free", "name": "Welcome", "validity": {"kind": "permanent"}, "description": "Hello"})).await;
    let gold = new_card(&env, paid("Gold", 5)).await;
    let gone = new_card(&env, paid("Gone", 1)).await;
    let off = new_card(
        &env,
        json!({"kind": "free", "name": "Off", "validity": {"kind": "permanent"}}),
    )
    .await;
    let hidden = new_card(&env, paid("Hidden", 5)).await;
    new_card(&env, json!({"kind": "rule", "name": "Loyal", "validity": {"kind": "permanent"}, "rule": {"orders": 5}})).await;
    admin_card(&env, "PATCH", &off, "", Some(json!({"status": "disabled"}))).await;
    admin_card(&env, "PATCH", &hidden, "", Some(json!({"listed": false}))).await;
    admin_card(&env, "PATCH", &gone, "", Some(json!({"stock": 0}))).await;
    // The shop guides members to Gold on product pages (000 引导购买).
    settings(
        &env,
        &env.admin(),
        json!({"guide_card_id": gold, "guide_on": ["product"]}),
    )
    .await;

    for role in ["customer", "cashier"] {
        let res = read(&env, "/cards", role).await;
        assert_eq!(res.status, 200, "{}", res.raw);
        let items = res.body["items"].as_array().unwrap();
        let mut ids: Vec<&str> = items
            .iter()
            .map(|c| c["card_id"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        let mut want = vec![free.as_str(), gold.as_str(), gone.as_str()];
        want.sort_unstable();
        assert_eq!(ids, want, "{}", res.raw);
        let of = |id: &str| items.iter().find(|c| c["card_id"] == id).unwrap();
        assert_eq!(of(&gold)["sold_out"], false);
        assert_eq!(of(&gold)["price"], "99.00");
        assert_eq!(of(&gold)["gift_pack"]["gifts"][0], "Tote bag");
        assert_eq!(of(&gone)["sold_out"], true);
        assert_eq!(of(&free)["sold_out"], false);
        assert_eq!(of(&free)["description"], "Hello");
        for card in items {
            for internal in [
                "stock",
                "stock_shards",
                "holders",
                "status",
                "listed",
                "rule",
                "version",
            ] {
                assert!(card.get(internal).is_none(), "{internal} in {card}");
            }
        }
        assert_eq!(res.body["guide_card_id"], gold.as_str());
        assert_eq!(res.body["currency"], "MYR");
    }
    // The guide card not listed any more: no offer.
    admin_card(&env, "PATCH", &gold, "", Some(json!({"listed": false}))).await;
    let res = read(&env, "/cards", "customer").await;
    assert_eq!(res.body["guide_card_id"], Value::Null, "{}", res.raw);
}

/// 003: the ladder with names, thresholds and benefits, none of its set-up internals.
#[tokio::test]
async fn the_public_ladder_shows_levels_without_their_rules() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let res = read(&env, "/levels", "customer").await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body, json!({"levels": []}));
    let req = Req::put("/admin/levels")
        .bearer(&env.admin())
        .json(&json!({"upgrade_by": "cumulative_spend", "default_online": "base",
            "levels": [
                {"level_id": "base", "name": "Member", "rank": 0, "threshold": "0.00"},
                {"level_id": "gold", "name": "Gold", "rank": 1, "threshold": "1000.00",
                 "discount": {"percent": 90, "categories": null, "exclude_categories": ["milk"]},
                 "validity_days": 365, "downgrade": {"kind": "to_level", "level_id": "base"},
                 "paid_upgrade": {"price": "99.00", "reward": {"points": 500, "coupons": ["GOLD10"]}}}]}))
        .build();
    let put = Res::from_response(admin_levels::handler(&env.ctx, req).await);
    assert_eq!(put.status, 200, "{}", put.raw);
    let res = read(&env, "/levels", "customer").await;
    assert_eq!(res.body["upgrade_by"], "cumulative_spend");
    let gold = &res.body["levels"][1];
    assert_eq!(gold["name"], "Gold");
    assert_eq!(gold["threshold"], "1000.00");
    assert_eq!(gold["discount"]["percent"], 90);
    assert_eq!(gold["paid_upgrade"], json!({"price": "99.00"}));
    assert!(gold.get("downgrade").is_none(), "{gold}");
    assert!(res.body.get("default_online").is_none(), "{}", res.raw);
    // Another shop's token reads its own (empty) shop, never this one.
    let other = Req::get("/levels")
        .bearer(&loyalty_tests::token_for(
            "another-shop",
            "customer",
            "m1",
            600,
        ))
        .build();
    let res = Res::from_response(storefront::handler(&env.ctx, other).await);
    assert_eq!(res.status, 409, "{}", res.raw);
}
