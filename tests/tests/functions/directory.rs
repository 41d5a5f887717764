//! The members directory (seed 003 会员资料): member numbers and phones unique in the shop,
//! changes that free the old ones, lookups by number, phone and card number, and a race
//! for one member number.

use std::sync::Arc;

use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

async fn put_profile(env: &TestEnv, member: &str, body: Value) -> Res {
    let req = Req::put(&format!("/admin/members/{member}"))
        .param("member_id", member)
        .bearer(&env.token("cashier", "till-1"))
        .json(&body)
        .build();
    Res::from_response(admin_members::handler(&env.ctx, req).await)
}

async fn lookup(env: &TestEnv, by: &str, value: &str) -> Res {
    let req = Req::get("/admin/members/lookup")
        .query(by, value)
        .bearer(&env.token("cashier", "till-1"))
        .build();
    Res::from_response(admin_members::handler(&env.ctx, req).await)
}

#[tokio::test]
async fn seed_003_member_numbers_and_phones_are_unique_in_the_shop_and_found_without_a_scan() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let set = put_profile(
        &env,
        "d1",
        json!({"member_no": "A0001", "name": "Siti",
        "phone": "+60123456789", "email": "siti@example.com", "birthday": "1990-05-01"}),
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.raw);
    assert_eq!(
        (set.body["member_no"].clone(), set.body["phone"].clone()),
        (json!("A0001"), json!("+60123456789"))
    );
    // Another member cannot take either; nothing of theirs changes.
    put_profile(&env, "d2", json!({"member_no": "A0001", "name": "Ali"}))
        .await
        .assert_problem(409, "member_no_taken");
    put_profile(&env, "d2", json!({"phone": "+60123456789"}))
        .await
        .assert_problem(409, "phone_taken");
    assert_eq!(member_items(&env, "d2").await, 0);
    // Setting the same values again is fine; changing the phone frees the old one.
    assert_eq!(
        put_profile(&env, "d1", json!({"member_no": "A0001"}))
            .await
            .status,
        200
    );
    assert_eq!(
        put_profile(&env, "d1", json!({"phone": "+60198765432"}))
            .await
            .status,
        200
    );
    let taken = put_profile(
        &env,
        "d2",
        json!({"phone": "+60123456789", "member_no": "A0002"}),
    )
    .await;
    assert_eq!(taken.status, 200, "{}", taken.raw);
    // Lookups: by number, by phone (a + may arrive as a space), by card numbers.
    assert_eq!(
        lookup(&env, "member_no", "A0001").await.body["member_id"],
        "d1"
    );
    assert_eq!(
        lookup(&env, "phone", "+60198765432").await.body["name"],
        "Siti"
    );
    assert_eq!(
        lookup(&env, "phone", " 60123456789").await.body["member_id"],
        "d2"
    );
    lookup(&env, "phone", "+60123000000")
        .await
        .assert_problem(404, "not_found");
    lookup(&env, "phone", "12")
        .await
        .assert_problem(422, "invalid_request");
    let card = new_card(
        &env,
        json!({"kind": "free", "name": "Club", "validity": {"kind": "permanent"}}),
    )
    .await;
    let claimed = claim(&env, &env.token("customer", "d2"), &card, json!({})).await;
    let no = claimed.body["card_no"].as_str().unwrap().to_owned();
    assert_eq!(lookup(&env, "card_no", &no).await.body["member_id"], "d2");
    lookup(&env, "card_no", "1234")
        .await
        .assert_problem(404, "not_found");
    put_profile(&env, "d3", json!({"phone": "60123"}))
        .await
        .assert_problem(422, "invalid_request");
    put_profile(&env, "d3", json!({"level_id": "gold"}))
        .await
        .assert_problem(422, "invalid_request");
    // A customer cannot edit the directory.
    let req = Req::put("/admin/members/d1")
        .param("member_id", "d1")
        .bearer(&env.token("customer", "d1"))
        .json(&json!({"name": "Me"}))
        .build();
    Res::from_response(admin_members::handler(&env.ctx, req).await)
        .assert_problem(403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seed_003_two_members_claiming_one_member_number_at_once_one_wins() {
    let env = Arc::new(TestEnv::isolated().await);
    setup_shop(&env).await;
    let answers = race(2, |i| {
        let env = env.clone();
        async move { put_profile(&env, &format!("r{i}"), json!({"member_no": "SAME-1"})).await }
    })
    .await;
    let (won, refused) = tally(answers, 200, "member_no_taken");
    assert_eq!((won.len(), refused), (1, 1));
    let winner = won[0].body["member_id"].clone();
    assert_eq!(
        lookup(&env, "member_no", "SAME-1").await.body["member_id"],
        winner
    );
}

async fn list(env: &TestEnv, query: &[(&str, &str)]) -> Res {
    let mut req = Req::get("/admin/members").bearer(&env.token("ops", "o1"));
    for (k, v) in query {
        req = req.query(k, v);
    }
    Res::from_response(admin_members::handler(&env.ctx, req.build()).await)
}

#[tokio::test]
async fn seed_003_members_are_listed_newest_registration_first_by_page_and_by_level() {
    let at = |s: &str| {
        domain::chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&domain::chrono::Utc)
    };
    let mut env = TestEnv::with_clock(api::Clock::Fixed(at("2026-03-01T10:00:00+08:00"))).await;
    setup_shop(&env).await;
    let req = Req::put("/admin/levels")
        .bearer(&env.admin())
        .json(&json!({
        "upgrade_by": "growth", "default_till": "silver", "default_online": "base", "levels": [
            {"level_id": "base", "name": "Member", "rank": 0, "threshold": 0},
            {"level_id": "silver", "name": "Silver", "rank": 1, "threshold": 500}]}))
        .build();
    assert_eq!(
        Res::from_response(admin_levels::handler(&env.ctx, req).await).status,
        200
    );
    for (i, (day, channel)) in [("01", "online"), ("02", "till"), ("03", "online")]
        .iter()
        .enumerate()
    {
        env.ctx.clock = api::Clock::Fixed(at(&format!("2026-03-{day}T10:00:00+08:00")));
        let req = Req::post(&format!("/members/l{i}/register"))
            .param("member_id", &format!("l{i}"))
            .bearer(&env.token("cashier", "till-1"))
            .json(&json!({"channel": channel}))
            .build();
        assert_eq!(
            Res::from_response(register_member::handler(&env.ctx, req).await).status,
            201
        );
    }
    let first = list(&env, &[("limit", "2")]).await;
    assert_eq!(first.status, 200, "{}", first.raw);
    let ids: Vec<&str> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["l2", "l1"]);
    let cursor = first.body["next"].as_str().unwrap().to_owned();
    let second = list(&env, &[("limit", "2"), ("cursor", &cursor)]).await;
    assert_eq!(second.body["items"][0]["member_id"], "l0", "{}", second.raw);
    let silver = list(&env, &[("level_id", "silver")]).await;
    let ids: Vec<&str> = silver.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["l1"]);
    list(&env, &[("cursor", "junk")])
        .await
        .assert_problem(422, "invalid_request");
}
