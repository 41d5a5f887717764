//! Issue 12 (seeds 000, 001, 002, 003): staff reads of card set-up, campaign and no-sku
//! exclusions, credit redeemed by card number, paid card renewal and the checkout quote.

use domain::Decimal;
use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

async fn card_read(env: &TestEnv, token: &str, path: &str, id: Option<&str>) -> Res {
    let mut req = Req::get(path).bearer(token);
    if let Some(id) = id {
        req = req.param("card_id", id);
    }
    Res::from_response(admin_cards::handler(&env.ctx, req.build()).await)
}

#[tokio::test]
async fn seed_002_every_staff_role_reads_card_set_up_and_only_managers_change_it() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let card = new_card(
        &env,
        json!({"kind": "free", "name": "Club", "validity": {"kind": "permanent"}}),
    )
    .await;
    for role in ["cashier", "guide", "service", "ops", "admin", "owner"] {
        let token = env.token(role, "staff-1");
        assert_eq!(
            card_read(&env, &token, "/admin/cards", None).await.status,
            200,
            "{role}"
        );
        let one = card_read(&env, &token, &format!("/admin/cards/{card}"), Some(&card)).await;
        assert_eq!(one.body["card_id"], card.as_str(), "{role}");
        for records in ["claims", "returns"] {
            let path = format!("/admin/cards/{card}/{records}");
            assert_eq!(
                card_read(&env, &token, &path, Some(&card)).await.status,
                200,
                "{role} {records}"
            );
        }
    }
    card_read(&env, &env.token("customer", "m1"), "/admin/cards", None)
        .await
        .assert_problem(403, "forbidden");
    for role in ["cashier", "guide", "service", "ops"] {
        let req = Req::new(
            lambda_http::http::Method::PATCH,
            &format!("/admin/cards/{card}"),
        )
        .param("card_id", &card)
        .bearer(&env.token(role, "staff-1"))
        .json(&json!({"name": "Renamed"}))
        .build();
        Res::from_response(admin_cards::handler(&env.ctx, req).await)
            .assert_problem(403, "forbidden");
    }
    let still = card_read(
        &env,
        &env.admin(),
        &format!("/admin/cards/{card}"),
        Some(&card),
    )
    .await;
    assert_eq!(still.body["name"], "Club");
}

#[tokio::test]
async fn seed_003_campaign_lines_and_goods_without_a_code_earn_nothing_when_excluded() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let lines = json!([
        {"sku": "A1", "category": "milk", "amount": "10.00"},
        {"sku": "B2", "category": "toys", "amount": "20.00", "campaign": true},
        {"sku": null, "category": "bulk", "amount": "30.00"},
    ]);
    points_program(
        &env,
        json!({"enabled": true, "earn": {"points_per_unit": 1},
        "redeem": {"points_per_unit": 100}}),
    )
    .await;
    assert_eq!(
        accrue_now(&env, "m1", "o1", "60.00", lines.clone())
            .await
            .body["points_earned"],
        60
    );
    // Excluded, even a campaign line a category rule would match.
    points_program(
        &env,
        json!({"enabled": true, "earn": {"points_per_unit": 1,
        "rules": [{"category": "toys", "per_unit": 5}],
        "exclude": {"campaign": true, "no_sku": true}},
        "redeem": {"points_per_unit": 100}}),
    )
    .await;
    let res = accrue_now(&env, "m1", "o2", "60.00", lines).await;
    assert_eq!(res.body["points_earned"], 10, "{}", res.raw);
    let req = Req::get("/admin/programs/points")
        .bearer(&env.admin())
        .build();
    let program = Res::from_response(admin_points_program::handler(&env.ctx, req).await);
    assert_eq!(
        program.body["earn"]["exclude"]["campaign"], true,
        "{}",
        program.raw
    );
    assert_eq!(program.body["earn"]["exclude"]["no_sku"], true);
}

#[tokio::test]
async fn seed_001_credit_is_redeemed_by_card_number_and_a_reset_number_moves_nothing() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let req = Req::put("/admin/programs/credit")
        .bearer(&env.admin())
        .json(&json!({"enabled": true, "expiry": {"kind": "never"},
            "rules": [{"type": "registration", "grant": {"fixed": "8.00"}}]}))
        .build();
    assert_eq!(
        Res::from_response(admin_credit_program::handler(&env.ctx, req).await).status,
        200
    );
    let req = Req::post("/members/m1/register")
        .param("member_id", "m1")
        .bearer(&env.token("customer", "m1"))
        .json(&json!({}))
        .build();
    let joined = Res::from_response(register_member::handler(&env.ctx, req).await);
    let old = joined.body["card_no"].as_str().unwrap().to_owned();
    let cashier = env.token("cashier", "pos-1");
    let paid = env
        .redeem_as(
            &cashier,
            "o1",
            json!({"credit_card_no": old, "credit": "5.00"}),
        )
        .await;
    assert_eq!(paid.status, 200, "{}", paid.raw);
    assert_eq!(
        (
            paid.body["member_id"].clone(),
            paid.body["credit_balance"].clone()
        ),
        (json!("m1"), json!("3.00"))
    );
    // Another customer cannot spend m1's credit by knowing the number.
    env.redeem_as(
        &env.token("customer", "m2"),
        "o2",
        json!({"credit_card_no": old, "credit": "1.00"}),
    )
    .await
    .assert_problem(403, "forbidden");
    env.redeem_as(&cashier, "o3", json!({"credit_card_no": old, "points": 10}))
        .await
        .assert_problem(422, "invalid_request");
    let req = Req::post("/members/m1/credit-card/reset")
        .param("member_id", "m1")
        .bearer(&env.admin())
        .build();
    let fresh = Res::from_response(credit_card_reset::handler(&env.ctx, req).await);
    let new = fresh.body["card_no"].as_str().unwrap().to_owned();
    env.redeem_as(
        &cashier,
        "o4",
        json!({"credit_card_no": old, "credit": "1.00"}),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(member(&env, "m1").await["credit"]["balance"], "3.00");
    let ok = env
        .redeem_as(
            &env.token("customer", "m1"),
            "o5",
            json!({"credit_card_no": new, "credit": "1.00"}),
        )
        .await;
    assert_eq!(ok.body["credit_balance"], "2.00", "{}", ok.raw);
    assert_eq!(ledger_sum(&env, "m1", "credit").await, Decimal::new(200, 2));
}

async fn held_until(env: &TestEnv, member: &str, card: &str) -> (String, String) {
    let m = crate::support::member(env, member).await;
    let held = m["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["card_id"] == card)
        .cloned()
        .unwrap();
    (
        held["valid_until"].as_str().unwrap().to_owned(),
        held["card_no"].as_str().unwrap().to_owned(),
    )
}

async fn buy_and_pay(env: &TestEnv, card: &str, buyer: &str, event: &str) -> Value {
    let started = purchase(env, &env.token("customer", buyer), card, json!({})).await;
    assert_eq!(started.status, 201, "{}", started.raw);
    let paid = webhook(env, &payment(event, "payment.succeeded", &started.body)).await;
    assert_eq!(paid.body["status"], "processed", "{}", paid.raw);
    started.body
}

#[tokio::test]
async fn seed_000_buying_a_held_paid_card_again_renews_it_from_its_end_with_the_gift_pack() {
    let env = TestEnv::with_clock(api::Clock::Fixed(
        domain::chrono::DateTime::parse_from_rfc3339("2026-04-01T13:21:00+08:00")
            .unwrap()
            .with_timezone(&domain::chrono::Utc),
    ))
    .await;
    setup_shop(&env).await;
    let card = new_card(&env, json!({"kind": "paid", "name": "VIP", "price": "10.00", "stock": 5,
        "validity": {"kind": "days", "days": 30}, "gift_pack": {"points": 50, "coupons": ["VIP5"]}})).await;
    let first = buy_and_pay(&env, &card, "m1", "evt_r1").await;
    assert_eq!(first["renewal"], false);
    let (until, card_no) = held_until(&env, "m1", &card).await;
    assert_eq!(until, "2026-04-30T15:59:59Z");
    let again = buy_and_pay(&env, &card, "m1", "evt_r2").await;
    assert_eq!(again["renewal"], true);
    let (renewed, same_no) = held_until(&env, "m1", &card).await;
    // The old end plus the card's 30 days; the same card number; the gift pack again.
    assert_eq!(renewed, "2026-05-30T15:59:59Z");
    assert_eq!(same_no, card_no);
    let m = member(&env, "m1").await;
    assert_eq!(m["points"]["balance"], 100);
    assert_eq!(ledger_sum(&env, "m1", "points").await, Decimal::from(100));
    let def = admin_card(&env, "GET", &card, "", None).await;
    assert_eq!(
        (def.body["holders"].clone(), def.body["stock"].clone()),
        (json!(1), json!(3)),
        "{}",
        def.raw
    );
    // A permanent paid card cannot be renewed: still 409 while held.
    let forever = new_card(
        &env,
        json!({"kind": "paid", "name": "Life", "price": "10.00", "stock": 5,
        "validity": {"kind": "permanent"}}),
    )
    .await;
    buy_and_pay(&env, &forever, "m1", "evt_r3").await;
    purchase(&env, &env.token("customer", "m1"), &forever, json!({}))
        .await
        .assert_problem(409, "card_already_held");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seed_000_fifty_renewals_paid_at_once_move_the_validity_by_exactly_fifty_terms() {
    let mut env = TestEnv::isolated().await;
    let t0 = loyalty_tests::test_epoch();
    env.ctx.clock = api::Clock::Fixed(t0);
    setup_shop(&env).await;
    let card = new_card(
        &env,
        json!({"kind": "paid", "name": "Month", "price": "5.00", "stock": 100,
        "validity": {"kind": "days", "days": 10}, "gift_pack": {"points": 7}}),
    )
    .await;
    buy_and_pay(&env, &card, "m1", "evt_first").await;
    let (first_until, _) = held_until(&env, "m1", &card).await;
    // A member has one pending purchase of a card at a time (API 1.3 "Safety"): each of the
    // fifty opens after the one before lapsed (16 minutes on), and all are paid late, at
    // once.
    let mut started = Vec::new();
    for i in 0..50 {
        env.ctx.clock = api::Clock::Fixed(t0 + domain::chrono::TimeDelta::minutes(16 * (i + 1)));
        let res = purchase(&env, &env.token("customer", "m1"), &card, json!({})).await;
        assert_eq!(
            (res.status, res.body["renewal"].clone()),
            (201, json!(true)),
            "{}",
            res.raw
        );
        started.push(res.body);
    }
    let started = std::sync::Arc::new(started);
    let env = std::sync::Arc::new(env);
    let answers = race(50, |i| {
        let (env, started) = (env.clone(), started.clone());
        async move {
            webhook(
                &env,
                &payment(&format!("evt_renew_{i}"), "payment.succeeded", &started[i]),
            )
            .await
        }
    })
    .await;
    for a in &answers {
        assert_eq!(a.body["status"], "processed", "{}", a.raw);
    }
    let (until, _) = held_until(&env, "m1", &card).await;
    let first = domain::chrono::DateTime::parse_from_rfc3339(&first_until).unwrap();
    let last = domain::chrono::DateTime::parse_from_rfc3339(&until).unwrap();
    assert_eq!((last - first).num_days(), 500, "{first_until} -> {until}");
    let m = member(&env, "m1").await;
    assert_eq!(m["points"]["balance"], 51 * 7);
    assert_eq!(
        ledger_sum(&env, "m1", "points").await,
        Decimal::from(51 * 7)
    );
    let def = admin_card(&env, "GET", &card, "", None).await;
    assert_eq!(
        (def.body["holders"].clone(), def.body["stock"].clone()),
        (json!(1), json!(49))
    );
}

async fn quote(env: &TestEnv, token: &str, body: Value) -> Res {
    let req = Req::post("/checkout/quote")
        .bearer(token)
        .json(&body)
        .build();
    Res::from_response(checkout_quote::handler(&env.ctx, req).await)
}

#[tokio::test]
async fn seed_000_a_quote_applies_the_one_benefit_that_saves_most_and_writes_nothing() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    points_program(
        &env,
        json!({"enabled": true, "earn": {"points_per_unit": 1},
        "redeem": {"points_per_unit": 100}}),
    )
    .await;
    let req = Req::put("/admin/levels")
        .bearer(&env.admin())
        .json(&json!({
        "upgrade_by": "growth", "levels": [
            {"level_id": "base", "name": "Member", "rank": 0, "threshold": 0},
            {"level_id": "silver", "name": "Silver", "rank": 1, "threshold": 100,
             "discount": {"percent": 90, "categories": null, "exclude_categories": ["milk"]}},
            {"level_id": "gold", "name": "Gold", "rank": 2, "threshold": 100000}]}))
        .build();
    assert_eq!(
        Res::from_response(admin_levels::handler(&env.ctx, req).await).status,
        200
    );
    assert_eq!(
        accrue_now(&env, "q1", "o1", "200.00", json!([]))
            .await
            .status,
        200
    );
    adjust(
        &env,
        "q1",
        "credit-seed",
        json!({"account": "credit", "delta": "5.00", "reason": "gift"}),
    )
    .await;
    let ship = new_card(
        &env,
        json!({"kind": "free", "name": "Ship", "validity": {"kind": "permanent"},
        "benefits": [{"kind": "discount", "percent": 95}, {"kind": "free_shipping"}]}),
    )
    .await;
    let twenty = new_card(
        &env,
        json!({"kind": "free", "name": "Twenty", "validity": {"kind": "permanent"},
        "benefits": [{"kind": "discount", "percent": 80}]}),
    )
    .await;
    let vip = new_card(
        &env,
        json!({"kind": "paid", "name": "VIP", "price": "99.00", "stock": 10,
        "validity": {"kind": "days", "days": 365}}),
    )
    .await;
    let me = env.token("customer", "q1");
    for card in [&ship, &twenty] {
        assert_eq!(claim(&env, &me, card, json!({})).await.status, 201);
    }
    admin_card(
        &env,
        "PATCH",
        &twenty,
        "",
        Some(json!({"status": "disabled"})),
    )
    .await;
    let res = settings(
        &env,
        &env.admin(),
        json!({"guide_card_id": vip, "guide_on": ["checkout"]}),
    )
    .await;
    assert_eq!(res.body["guide_card_id"], vip.as_str(), "{}", res.raw);
    settings(&env, &env.admin(), json!({"guide_card_id": ship}))
        .await
        .assert_problem(422, "invalid_request");

    let cart = json!({"currency": "MYR", "shipping": "8.00", "lines": [
        {"sku": "M1", "category": "milk", "amount": "30.00"},
        {"sku": "T1", "category": "toys", "amount": "50.00", "member_discount": true},
        {"sku": "F1", "category": "food", "amount": "20.00", "member_discount": false}]});
    let items_before = member_items(&env, "q1").await;
    let before = env.store().calls();
    let q = quote(&env, &me, cart.clone()).await;
    let calls = env.store().calls().since(&before);
    assert_eq!((calls.reads(), calls.writes()), (1, 0), "{calls:?}");
    assert_eq!(member_items(&env, "q1").await, items_before);
    assert_eq!(q.status, 200, "{}", q.raw);
    // Silver saves 5.00 (toys only: milk is excluded, food takes no member discount); the
    // disabled 20% card is not usable; the Ship card saves 4.00 + 8.00 shipping.
    assert_eq!(
        q.body["applied"],
        json!({"source": "card", "id": ship, "name": "Ship"})
    );
    assert_eq!(
        q.body["lines"],
        json!([
            {"sku": "M1", "amount": "30.00", "discount": "1.50", "pays": "28.50"},
            {"sku": "T1", "amount": "50.00", "discount": "2.50", "pays": "47.50"},
            {"sku": "F1", "amount": "20.00", "discount": "0.00", "pays": "20.00"}])
    );
    assert_eq!(
        (
            q.body["discount"].clone(),
            q.body["free_shipping"].clone(),
            q.body["shipping_discount"].clone(),
            q.body["total"].clone()
        ),
        (json!("4.00"), json!(true), json!("8.00"), json!("96.00"))
    );
    assert_eq!(
        q.body["points"],
        json!({"earn": 96, "balance": 200, "redeemable": 200, "redeem_value": "2.00"})
    );
    assert_eq!(
        q.body["credit"],
        json!({"balance": "5.00", "usable": "5.00"})
    );
    assert_eq!(
        q.body["value"],
        json!({"balance": "0.00", "usable": "0.00"})
    );
    assert_eq!(
        q.body["offers"],
        json!([{"card_id": vip, "name": "VIP", "price": "99.00"}])
    );

    // Without free shipping at stake the level wins; the member may still choose the card.
    let mut no_ship = cart.clone();
    no_ship["shipping"] = json!("0.00");
    let q = quote(&env, &me, no_ship.clone()).await;
    assert_eq!(
        (q.body["applied"]["id"].clone(), q.body["discount"].clone()),
        (json!("silver"), json!("5.00"))
    );
    no_ship["card_id"] = json!(ship);
    let q = quote(&env, &me, no_ship.clone()).await;
    assert_eq!(
        (q.body["applied"]["id"].clone(), q.body["discount"].clone()),
        (json!(ship), json!("4.00"))
    );
    // A disabled card, a card not held, the level's id: 409 card_not_usable.
    for bad in [twenty.as_str(), vip.as_str(), "silver"] {
        no_ship["card_id"] = json!(bad);
        quote(&env, &me, no_ship.clone())
            .await
            .assert_problem(409, "card_not_usable");
    }
    // Another member's quote, another currency: refused.
    quote(
        &env,
        &env.token("customer", "q2"),
        json!({"member_id": "q1", "currency": "MYR", "lines": []}),
    )
    .await
    .assert_problem(403, "forbidden");
    quote(&env, &me, json!({"currency": "USD", "lines": []}))
        .await
        .assert_problem(422, "invalid_request");
    quote(
        &env,
        &me,
        json!({"currency": "MYR", "lines": [{"amount": "-1.00"}]}),
    )
    .await
    .assert_problem(422, "invalid_request");
}
