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

/// API 1.1: the first `PUT /admin/members/{id}` creates the member; the directory lists
/// them from then, newest first, and the export has them.
#[tokio::test]
async fn seed_003_members_created_by_staff_are_listed_newest_first_and_exported() {
    let start = loyalty_tests::test_epoch();
    let mut env = TestEnv::with_clock(api::Clock::Fixed(start)).await;
    setup_shop(&env).await;
    for i in 0..25 {
        env.ctx.clock = api::Clock::Fixed(start + domain::chrono::TimeDelta::minutes(i));
        let made = put_profile(
            &env,
            &format!("p{i:02}"),
            json!({"name": format!("Member {i}"), "member_no": format!("P{i:04}")}),
        )
        .await;
        assert_eq!(made.status, 200, "{}", made.raw);
        assert_eq!(
            made.body["registered_at"],
            (start + domain::chrono::TimeDelta::minutes(i)).to_rfc3339()
        );
    }
    // A later change keeps the time the member was created.
    env.ctx.clock = api::Clock::Fixed(start + domain::chrono::TimeDelta::hours(5));
    let renamed = put_profile(&env, "p03", json!({"name": "Renamed"})).await;
    assert_eq!(
        renamed.body["registered_at"],
        (start + domain::chrono::TimeDelta::minutes(3)).to_rfc3339()
    );

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let mut query = vec![("limit", "10")];
        if let Some(c) = &cursor {
            query.push(("cursor", c));
        }
        let page = list(&env, &query).await;
        assert_eq!(page.status, 200, "{}", page.raw);
        let items = page.body["items"].as_array().unwrap();
        sizes.push(items.len());
        seen.extend(
            items
                .iter()
                .map(|m| m["member_id"].as_str().unwrap().to_owned()),
        );
        match page.body["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let newest_first: Vec<String> = (0..25).rev().map(|i| format!("p{i:02}")).collect();
    assert_eq!(seen, newest_first);
    assert_eq!(sizes[..3], [10, 10, 5]);

    let req = Req::get("/admin/members/export")
        .bearer(&env.admin())
        .build();
    let export = Res::from_response(admin_members::handler(&env.ctx, req).await);
    assert_eq!(export.status, 200);
    let exported = export.raw.lines().skip(1).count();
    assert_eq!(exported, 25, "{}", export.raw);
    assert!(export.raw.contains("p03,P0003,Renamed,"), "{}", export.raw);

    // Created at the till first, they still register once (the registration's grants and
    // default level), keeping the time they were created; a second registration is refused.
    let register = |member: &str| {
        Req::post(&format!("/members/{member}/register"))
            .param("member_id", member)
            .bearer(&env.token("cashier", "till-1"))
            .json(&json!({"channel": "till"}))
            .build()
    };
    // The address and birthday the till took are kept when registration names none.
    put_profile(
        &env,
        "p07",
        json!({"email": "p07@example.com", "birthday": "1990-05-01"}),
    )
    .await;
    let first = Res::from_response(register_member::handler(&env.ctx, register("p07")).await);
    assert_eq!(first.status, 201, "{}", first.raw);
    let get = Req::get("/admin/members/p07")
        .param("member_id", "p07")
        .bearer(&env.admin())
        .build();
    let profile = Res::from_response(admin_members::handler(&env.ctx, get).await);
    assert_eq!(profile.body["email"], "p07@example.com", "{}", profile.raw);
    assert_eq!(profile.body["birthday"], "1990-05-01", "{}", profile.raw);
    assert_eq!(profile.body["registered"], true, "{}", profile.raw);
    assert_eq!(
        list(&env, &[("limit", "25")]).await.body["items"][17]["member_id"],
        "p07"
    );
    Res::from_response(register_member::handler(&env.ctx, register("p07")).await)
        .assert_problem(409, "already_registered");
}

fn rows(n: usize, prefix: &str) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({"member_id": format!("{prefix}{i}"), "member_no": format!("{prefix}-{i:04}"),
            "name": format!("Member {i}"), "phone": format!("+6012{:07}", i),
            "birthday": "1990-05-01", "points": 100, "credit": "5.00", "value": "20.00",
            "registered_at": "2026-01-01T10:00:00+08:00"})
        })
        .collect()
}

#[tokio::test]
async fn seed_003_a_thousand_members_import_once_and_again_changes_nothing() {
    let env = TestEnv::isolated().await;
    setup_shop(&env).await;
    let file = json!({"members": rows(1000, "im")});
    let before = env.store().calls();
    let started = std::time::Instant::now();
    let done = import(&env, "imp-1", ImportBody::Json(file.clone())).await;
    let took = started.elapsed();
    let calls = env.store().calls().since(&before);
    assert_eq!(done.status, 200, "{}", done.raw);
    assert_eq!(
        (
            done.body["imported"].clone(),
            done.body["unchanged"].clone()
        ),
        (json!(1000), json!(0)),
        "{}",
        done.raw
    );
    assert_eq!(done.body["errors"], json!([]));
    // Rows packed into transactions of at most 100 items: 9 items a row and room for the
    // report counters and a webhook messages item (9), so 10 rows each (a last partial one).
    assert!(calls.of("TransactWriteItems") <= 1000 / 10 + 1, "{calls:?}");
    eprintln!("BENCH import 1000 rows: {took:?}, {calls:?}");
    let m = member(&env, "im7").await;
    assert_eq!(
        (
            m["points"]["balance"].clone(),
            m["credit"]["balance"].clone(),
            m["value"]["balance"].clone()
        ),
        (json!(100), json!("5.00"), json!("20.00"))
    );
    assert_eq!(
        lookup(&env, "member_no", "im-0007").await.body["member_id"],
        "im7"
    );
    let entries = ledger_all(&env, "im7", "points").await;
    assert_eq!(
        (entries.len(), entries[0]["kind"].clone()),
        (1, json!("import")),
        "{entries:?}"
    );
    // The same key replays; the same file under a new key: all unchanged, no new entries.
    assert_eq!(
        import(&env, "imp-1", ImportBody::Json(file.clone()))
            .await
            .raw,
        done.raw
    );
    let again = import(&env, "imp-2", ImportBody::Json(file)).await;
    assert_eq!(
        (
            again.body["imported"].clone(),
            again.body["unchanged"].clone()
        ),
        (json!(0), json!(1000)),
        "{}",
        again.raw
    );
    assert_eq!(ledger_all(&env, "im7", "points").await.len(), 1);
    // The export of the thousand parses back to the same data: imported again, unchanged.
    let req = Req::get("/admin/members/export")
        .bearer(&env.admin())
        .build();
    let export = Res::from_response(admin_members::handler(&env.ctx, req).await);
    assert_eq!(export.status, 200);
    let lines: Vec<&str> = export.raw.lines().collect();
    assert_eq!(lines.len(), 1001, "a header and a line per member");
    assert!(lines[0].starts_with("member_id,member_no,name,phone,email,birthday"));
    let seven = lines.iter().find(|l| l.starts_with("im7,")).unwrap();
    assert!(
        seven.contains(",im-0007,Member 7,+60120000007,,1990-05-01,,100,5.00,20.00,"),
        "{seven}"
    );
    let back = import(&env, "imp-4", ImportBody::Csv(export.raw.clone())).await;
    assert_eq!(
        (
            back.body["imported"].clone(),
            back.body["unchanged"].clone(),
            back.body["errors"].clone()
        ),
        (json!(0), json!(1000), json!([])),
        "{}",
        back.raw
    );
    // 1,001 rows: 413, nothing imported.
    let too_many = import(
        &env,
        "imp-3",
        ImportBody::Json(json!({"members": rows(1001, "big")})),
    )
    .await;
    too_many.assert_problem(413, "too_many_rows");
    assert_eq!(member_items(&env, "big0").await, 0);
}

#[tokio::test]
async fn seed_003_bad_and_conflicting_rows_are_reported_by_number_and_the_rest_land() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    put_profile(&env, "owner-of-no", json!({"member_no": "bd-0003"})).await;
    let mut file = rows(100, "bd");
    // Ten bad rows: bad phones, a taken number, a duplicate number in the file, a negative
    // balance, a missing id, a bad date.
    for i in [5, 11, 17, 23] {
        file[i]["phone"] = json!("12345");
    }
    file[3]["member_no"] = json!("bd-0003");
    file[3]["member_id"] = json!("bd3");
    file[40]["member_no"] = json!("bd-0039");
    file[50]["credit"] = json!("-1.00");
    file[60].as_object_mut().unwrap().remove("member_id");
    file[70]["birthday"] = json!("1990-13-01");
    file[80]["points"] = json!(-5);
    let done = import(&env, "bad-1", ImportBody::Json(json!({"members": file}))).await;
    assert_eq!(done.body["imported"], 90, "{}", done.raw);
    let failed: Vec<u64> = done.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_u64().unwrap())
        .collect();
    assert_eq!(
        failed,
        [4, 6, 12, 18, 24, 41, 51, 61, 71, 81],
        "{}",
        done.raw
    );
    assert_eq!(done.body["errors"][0]["code"], "member_no_taken");
    assert_eq!(member_items(&env, "bd5").await, 0);
    // A member that exists with other data is reported, never overwritten.
    let mut changed = rows(1, "bd");
    changed[0]["name"] = json!("Someone else");
    let clash = import(&env, "bad-2", ImportBody::Json(json!({"members": changed}))).await;
    assert_eq!(
        clash.body["errors"][0]["code"], "member_exists",
        "{}",
        clash.raw
    );
    assert_eq!(
        lookup(&env, "member_no", "bd-0000").await.body["name"],
        "Member 0"
    );
    // CSV with a header row.
    let csv = "member_id,member_no,name,phone,points\ncsv1,C-1,Ana,+60111111111,10\ncsv2,,Ben,,\n";
    let done = import(&env, "csv-1", ImportBody::Csv(csv.into())).await;
    assert_eq!(
        (done.body["imported"].clone(), done.body["errors"].clone()),
        (json!(2), json!([])),
        "{}",
        done.raw
    );
    assert_eq!(
        lookup(&env, "phone", "+60111111111").await.body["name"],
        "Ana"
    );
}
