use std::sync::Arc;

use api::Clock;
use domain::chrono::{DateTime, TimeDelta, Utc};
use loyalty_tests::TestEnv;
use serde_json::json;

use crate::support::*;

fn gold() -> serde_json::Value {
    json!({"kind": "free", "name": "Gold", "validity": {"kind": "days", "days": 30},
           "benefits": [{"kind": "discount", "percent": 80}, {"kind": "free_shipping"}],
           "gift_pack": {"points": 100, "credit": "5.00", "coupons": ["WELCOME10"], "gifts": ["tote bag"]}})
}

#[tokio::test]
async fn a_free_card_is_claimed_once_with_its_gift_pack_in_the_ledger() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let res = create_card(&env, gold()).await;
    assert_eq!(res.status, 201, "{}", res.raw);
    assert_eq!(res.body["status"], "enabled");
    assert_eq!(res.body["listed"], true);
    assert_eq!(res.body["gift_pack"]["credit"], "5.00");
    let card = res.body["card_id"].as_str().unwrap().to_owned();

    let me = env.token("customer", "m1");
    let res = claim(&env, &me, &card, json!({})).await;
    assert_eq!(res.status, 201, "{}", res.raw);
    assert_eq!(res.body["gift_pack_issued"], true);
    assert_eq!(res.body["member_id"], "m1");
    assert!(res.body["valid_until"].is_string());
    let card_no = res.body["card_no"].as_str().unwrap().to_owned();
    assert_eq!(card_no.len(), 16);

    let m = member(&env, "m1").await;
    assert_eq!(m["points"]["balance"], 100);
    assert_eq!(m["credit"]["balance"], "5.00");
    // The gift pack's credit is the member's first: their credit card number comes with it.
    assert!(m["credit"]["card_no"]
        .as_str()
        .is_some_and(|n| n.len() == 16 && n != card_no));
    assert_eq!(m["cards"][0]["card_no"], card_no.as_str());
    assert_eq!(m["cards"][0]["status"], "active");
    let entries = ledger_all(&env, "m1", "points").await;
    assert_eq!(entries[0]["kind"], "gift_pack");
    assert_eq!(entries[0]["links"]["card_id"], card.as_str());

    claim(&env, &me, &card, json!({}))
        .await
        .assert_problem(409, "card_already_held");
    assert_eq!(member(&env, "m1").await["points"]["balance"], 100);

    let records = admin_card(&env, "GET", &card, "/claims", None).await;
    assert_eq!(records.status, 200, "{}", records.raw);
    assert_eq!(records.body["items"][0]["card_no"], card_no.as_str());
    let got = admin_card(&env, "GET", &card, "", None).await;
    assert_eq!(got.body["holders"], 1);
}

#[tokio::test]
async fn an_expired_card_may_be_claimed_again_without_a_second_gift_pack() {
    let start: DateTime<Utc> = "2026-04-01T05:00:00Z".parse().unwrap();
    let mut env = TestEnv::with_clock(Clock::Fixed(start)).await;
    setup_shop(&env).await;
    let mut body = gold();
    body["validity"] = json!({"kind": "days", "days": 1});
    let card = new_card(&env, body).await;
    let me = env.token("customer", "m1");
    assert_eq!(claim(&env, &me, &card, json!({})).await.status, 201);
    env.ctx.clock = Clock::Fixed(start + TimeDelta::days(2));
    assert_eq!(member(&env, "m1").await["cards"][0]["status"], "expired");
    let res = claim(&env, &me, &card, json!({})).await;
    assert_eq!(res.status, 201, "{}", res.raw);
    assert_eq!(res.body["gift_pack_issued"], false);
    assert_eq!(member(&env, "m1").await["points"]["balance"], 100);
}

#[tokio::test]
async fn editing_a_cards_validity_never_changes_cards_already_held() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let card = new_card(&env, gold()).await;
    let res = claim(&env, &env.token("customer", "m1"), &card, json!({})).await;
    let until = res.body["valid_until"].clone();
    let res = admin_card(
        &env,
        "PATCH",
        &card,
        "",
        Some(json!({"validity": {"kind": "permanent"}, "name": "Gold+"})),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["name"], "Gold+");
    assert_eq!(member(&env, "m1").await["cards"][0]["valid_until"], until);
    let res = claim(&env, &env.token("customer", "m2"), &card, json!({})).await;
    assert_eq!(res.body["valid_until"], json!(null));
}

#[tokio::test]
async fn claims_are_refused_with_their_codes_and_change_nothing() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let mut phone_card = gold();
    phone_card["require_phone"] = json!(true);
    let phone = new_card(&env, phone_card).await;
    let me = env.token("customer", "m1");
    claim(&env, &me, &phone, json!({}))
        .await
        .assert_problem(422, "phone_required");
    assert_eq!(member_items(&env, "m1").await, 0);
    assert_eq!(
        claim(&env, &me, &phone, json!({"phone": "+60123456789"}))
            .await
            .status,
        201
    );

    let free = new_card(&env, gold()).await;
    claim(
        &env,
        &env.token("customer", "m2"),
        &free,
        json!({"member_id": "m3"}),
    )
    .await
    .assert_problem(403, "forbidden");
    claim(&env, &env.token("cashier", "c1"), &free, json!({}))
        .await
        .assert_problem(422, "invalid_request");
    let res = claim(
        &env,
        &env.token("cashier", "c1"),
        &free,
        json!({"member_id": "m4"}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.raw);
    claim(&env, &me, "card_nope", json!({}))
        .await
        .assert_problem(404, "not_found");

    let res = admin_card(
        &env,
        "PATCH",
        &free,
        "",
        Some(json!({"status": "disabled"})),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.raw);
    claim(&env, &me, &free, json!({}))
        .await
        .assert_problem(409, "card_disabled");
    assert_eq!(
        member(&env, "m1").await["cards"].as_array().unwrap().len(),
        1
    );

    let paid = new_card(
        &env,
        json!({"kind": "paid", "name": "Paid", "price": "9.90", "stock": 5}),
    )
    .await;
    claim(&env, &me, &paid, json!({}))
        .await
        .assert_problem(422, "invalid_request");
}

#[tokio::test]
async fn a_held_card_can_be_disabled_but_not_deleted_and_an_unheld_one_goes() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let held = new_card(&env, gold()).await;
    claim(&env, &env.token("customer", "m1"), &held, json!({})).await;
    admin_card(&env, "DELETE", &held, "", None)
        .await
        .assert_problem(409, "card_in_use");
    let spare = new_card(&env, gold()).await;
    let res = admin_card(&env, "DELETE", &spare, "", None).await;
    assert_eq!(res.status, 204, "{}", res.raw);
    admin_card(&env, "GET", &spare, "", None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn bad_card_definitions_are_refused() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    for body in [
        json!({"kind": "gold", "name": "x"}),
        json!({"kind": "free", "name": ""}),
        json!({"kind": "free", "name": "x", "validity": {"kind": "days", "days": 0}}),
        json!({"kind": "free", "name": "x", "validity": {"kind": "range", "from": "2026-05-02", "until": "2026-05-01"}}),
        json!({"kind": "free", "name": "x", "benefits": [{"kind": "discount", "percent": 120}]}),
        json!({"kind": "free", "name": "x", "gift_pack": {"credit": "1.001"}}),
        json!({"kind": "paid", "name": "x", "stock": 3}),
        json!({"kind": "paid", "name": "x", "price": "-1.00", "stock": 3}),
        json!({"kind": "rule", "name": "x"}),
        json!({"kind": "free", "name": "x", "price": "1.00"}),
    ] {
        create_card(&env, body.clone())
            .await
            .assert_problem(422, "invalid_request");
    }
    let list = Res::from_response(
        admin_cards::handler(
            &env.ctx,
            loyalty_tests::Req::get("/admin/cards")
                .bearer(&env.admin())
                .build(),
        )
        .await,
    );
    assert_eq!(list.body["items"], json!([]));
    let cashier = loyalty_tests::Req::post("/admin/cards")
        .bearer(&env.token("cashier", "c"))
        .json(&gold())
        .build();
    Res::from_response(admin_cards::handler(&env.ctx, cashier).await)
        .assert_problem(403, "forbidden");
}

use loyalty_tests::Res;

#[tokio::test]
async fn the_301st_card_definition_is_refused() {
    let env = TestEnv::isolated().await;
    for i in 0..300 {
        let res = create_card(&env, json!({"kind": "free", "name": format!("c{i}")})).await;
        assert_eq!(res.status, 201, "card {i}: {}", res.raw);
    }
    create_card(&env, json!({"kind": "free", "name": "one too many"}))
        .await
        .assert_problem(409, "card_limit_reached");
    // Deleting one frees a place.
    let list = Res::from_response(
        admin_cards::handler(
            &env.ctx,
            loyalty_tests::Req::get("/admin/cards")
                .bearer(&env.admin())
                .build(),
        )
        .await,
    );
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 300);
    let first = items[0]["card_id"].as_str().unwrap();
    assert_eq!(
        admin_card(&env, "DELETE", first, "", None).await.status,
        204
    );
    assert_eq!(
        create_card(&env, json!({"kind": "free", "name": "again"}))
            .await
            .status,
        201
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_claims_by_one_member_issue_one_card_and_one_gift_pack() {
    let env = Arc::new(TestEnv::isolated().await);
    setup_shop(&env).await;
    let card = new_card(&env, gold()).await;
    let answers = race(50, |_| {
        let (env, card) = (env.clone(), card.clone());
        async move { claim(&env, &env.token("customer", "m1"), &card, json!({})).await }
    })
    .await;
    let (won, held) = tally(answers, 201, "card_already_held");
    let won = won.len();
    assert_eq!((won, held), (1, 49));
    let m = member(&env, "m1").await;
    assert_eq!(m["points"]["balance"], 100);
    assert_eq!(m["credit"]["balance"], "5.00");
    assert_eq!(ledger_all(&env, "m1", "points").await.len(), 1);
    assert_eq!(
        admin_card(&env, "GET", &card, "", None).await.body["holders"],
        1
    );
}

#[tokio::test]
async fn a_claim_is_one_read_and_one_write() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let card = new_card(&env, gold()).await;
    let before = env.store().calls();
    assert_eq!(
        claim(&env, &env.token("customer", "m1"), &card, json!({}))
            .await
            .status,
        201
    );
    let calls = env.store().calls().since(&before);
    assert_eq!(
        (calls.of("BatchGetItem"), calls.of("TransactWriteItems")),
        (1, 1),
        "{calls:?}"
    );
    assert_eq!((calls.reads(), calls.writes()), (1, 1));
}

#[tokio::test]
async fn a_retried_card_creation_with_its_key_creates_one_card() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let create = || {
        loyalty_tests::Req::post("/admin/cards")
            .bearer(&env.admin())
            .header("Idempotency-Key", "create-gold-1")
            .json(&gold())
            .build()
    };
    let first = Res::from_response(admin_cards::handler(&env.ctx, create()).await);
    let again = Res::from_response(admin_cards::handler(&env.ctx, create()).await);
    assert_eq!(first.status, 201, "{}", first.raw);
    assert_eq!(again.raw, first.raw);
    let list = Res::from_response(
        admin_cards::handler(
            &env.ctx,
            loyalty_tests::Req::get("/admin/cards")
                .bearer(&env.admin())
                .build(),
        )
        .await,
    );
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}
