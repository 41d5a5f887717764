//! Coupons on orders (API 1.3; seed 000 送优惠券): the quote's choice and exact allocation,
//! an order's redemption at the quote's figures, one coupon an order and one order a
//! coupon whatever the races, back by cancel or a whole refund, void on erasure, and the
//! till finding the holder by number.

use std::sync::Arc;

use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

/// Issues one coupon of `id` to `member` (staff); its number.
async fn give(env: &TestEnv, member: &str, id: &str) -> String {
    let req = Req::post(&format!("/members/{member}/coupons"))
        .param("member_id", member)
        .bearer(&env.admin())
        .header(
            "Idempotency-Key",
            &format!("give-{id}-{member}-{}", rand_key()),
        )
        .json(&json!({"coupon_id": id}))
        .build();
    let res = Res::from_response(member_coupons::handler(&env.ctx, req).await);
    assert_eq!(res.status, 201, "{}", res.raw);
    res.body["items"][0]["coupon_no"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn rand_key() -> u64 {
    rand::random()
}

fn off(name: &str, amount: &str, min_spend: &str, with_benefit: bool) -> Value {
    json!({"name": name, "kind": "amount_off", "amount": amount, "min_spend": min_spend,
           "with_benefit": with_benefit, "validity": {"kind": "days", "days": 30}})
}

async fn quote(env: &TestEnv, member: &str, coupon: Option<&str>, lines: Value) -> Res {
    let mut body = json!({"member_id": member, "currency": "MYR", "lines": lines});
    if let Some(c) = coupon {
        body["coupon_no"] = json!(c);
    }
    let req = Req::post("/checkout/quote")
        .bearer(&env.admin())
        .json(&body)
        .build();
    Res::from_response(checkout_quote::handler(&env.ctx, req).await)
}

async fn spend(env: &TestEnv, member: &str, order: &str, no: &str, lines: Value) -> Res {
    redeem(env, member, order, json!({"coupon_no": no, "lines": lines})).await
}

fn three_tens() -> Value {
    json!([{"sku": "A", "amount": "10.00"}, {"sku": "B", "amount": "10.00"},
           {"sku": "C", "amount": "10.00"}])
}

async fn wallet(env: &TestEnv, member: &str) -> Vec<Value> {
    let req = Req::get(&format!("/members/{member}/coupons"))
        .param("member_id", member)
        .bearer(&env.admin())
        .build();
    let res = Res::from_response(member_coupons::handler(&env.ctx, req).await);
    res.body["items"].as_array().unwrap().clone()
}

/// API 1.3: 1.00 off three lines of 10.00 is 0.34/0.33/0.33 (the tie to the earlier line);
/// the quote picks the best coupon, lists the rest with why, and the order is charged the
/// same figures; the coupon is then used with the order.
#[tokio::test]
async fn seed_000_the_quote_picks_the_best_coupon_and_the_order_pays_its_figures() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let one = define_coupon(&env, off("1 off", "1.00", "0.00", true)).await;
    let five = define_coupon(&env, off("5 off 50", "5.00", "50.00", true)).await;
    let small = give(&env, "m1", &one).await;
    let big = give(&env, "m1", &five).await;
    let q = quote(&env, "m1", None, three_tens()).await;
    assert_eq!(q.status, 200, "{}", q.raw);
    assert_eq!(q.body["coupon"]["coupon_no"], small, "{}", q.raw);
    let parts: Vec<&Value> = q.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["coupon_discount"])
        .collect();
    assert_eq!(parts, [&json!("0.34"), &json!("0.33"), &json!("0.33")]);
    assert_eq!(q.body["total"], "29.00");
    let listed = &q.body["coupons"];
    assert_eq!(
        (&listed[0]["coupon_no"], &listed[0]["usable"]),
        (&json!(small), &json!(true))
    );
    assert_eq!(
        (
            &listed[1]["coupon_no"],
            &listed[1]["reason"],
            &listed[1]["short_by"]
        ),
        (&json!(big), &json!("min_spend_not_met"), &json!("20.00"))
    );
    let none = quote(&env, "m1", Some("none"), three_tens()).await;
    assert_eq!(
        (&none.body["coupon"], &none.body["total"]),
        (&Value::Null, &json!("30.00"))
    );

    spend(&env, "m1", "o1", &big, three_tens())
        .await
        .assert_problem(409, "min_spend_not_met");
    let paid = spend(&env, "m1", "o1", &small, three_tens()).await;
    assert_eq!(paid.status, 200, "{}", paid.raw);
    assert_eq!(
        (
            &paid.body["discount"],
            &paid.body["lines"][0]["coupon_discount"]
        ),
        (&json!("1.00"), &json!("0.34"))
    );
    // The same request replays; another coupon on the order is refused; the coupon is used.
    let again = spend(&env, "m1", "o1", &small, three_tens()).await;
    assert_eq!((again.status, &again.body), (200, &paid.body));
    let other = give(&env, "m1", &one).await;
    spend(&env, "m1", "o1", &other, three_tens())
        .await
        .assert_problem(409, "coupon_already_applied");
    spend(&env, "m1", "o2", &small, three_tens())
        .await
        .assert_problem(409, "coupon_used");
    spend(&env, "m2", "o3", &other, three_tens())
        .await
        .assert_problem(404, "not_found");
    let used = wallet(&env, "m1")
        .await
        .into_iter()
        .find(|c| c["coupon_no"] == json!(small))
        .unwrap();
    assert_eq!(
        (&used["status"], &used["order_id"]),
        (&json!("used"), &json!("o1"))
    );
}

/// Many orders spending one coupon at once: exactly one wins, the rest are told it is used.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_orders_spending_one_coupon_at_once_use_it_once() {
    let env = Arc::new(TestEnv::new().await);
    setup_shop(&env).await;
    let id = define_coupon(&env, off("1 off", "1.00", "0.00", true)).await;
    let no = give(&env, "m1", &id).await;
    let answers = race(20, |i| {
        let (env, no) = (env.clone(), no.clone());
        async move { spend(&env, "m1", &format!("o{i}"), &no, three_tens()).await }
    })
    .await;
    let (won, refused) = tally(answers, 200, "coupon_used");
    assert_eq!((won.len(), refused), (1, 19));
}

/// Back: a cancelled order's coupon is available again; a partial refund keeps it used and
/// the refund that completes the order gives it back; an erased member's coupons are void.
#[tokio::test]
async fn a_coupon_comes_back_on_cancel_and_whole_refund_and_is_void_after_erasure() {
    let env = TestEnv::new().await;
    earning_shop(&env).await;
    let id = define_coupon(&env, off("1 off", "1.00", "0.00", true)).await;
    let no = give(&env, "m1", &id).await;
    assert_eq!(spend(&env, "m1", "o1", &no, three_tens()).await.status, 200);
    let why = json!({"member_id": "m1", "reason": "payment failed"});
    let cancelled = env.cancel_as(&env.admin(), "o1", why).await;
    assert_eq!(
        cancelled.body["coupon_restored"],
        json!(no),
        "{}",
        cancelled.raw
    );
    assert_eq!(wallet(&env, "m1").await[0]["status"], "available");

    assert_eq!(spend(&env, "m1", "o2", &no, three_tens()).await.status, 200);
    assert_eq!(
        accrue_now(&env, "m1", "o2", "29.00", json!([]))
            .await
            .status,
        200
    );
    let part = refund_order(&env, "m1", "o2", "r1", "9.00").await;
    assert_eq!(
        (part.status, &part.body["coupon_returned"]),
        (200, &Value::Null),
        "{}",
        part.raw
    );
    assert_eq!(wallet(&env, "m1").await[0]["status"], "used");
    let rest = refund_order(&env, "m1", "o2", "r2", "20.00").await;
    assert_eq!(rest.body["coupon_returned"], json!(no), "{}", rest.raw);
    assert_eq!(wallet(&env, "m1").await[0]["status"], "available");

    // The till finds the holder by the number, typed in lower case with a hyphen.
    let typed = format!("{}-{}", &no[..6], &no[6..]).to_lowercase();
    let req = Req::get("/admin/members/lookup")
        .query("coupon_no", &typed)
        .bearer(&env.token("cashier", "till-1"))
        .build();
    let found = Res::from_response(admin_members::handler(&env.ctx, req).await);
    assert_eq!(
        (found.status, &found.body["member_id"]),
        (200, &json!("m1")),
        "{}",
        found.raw
    );

    let req = Req::new("DELETE".parse().unwrap(), "/admin/members/m1")
        .param("member_id", "m1")
        .bearer(&env.admin())
        .json(&json!({"reason": "asked"}))
        .build();
    let erased = Res::from_response(member_privacy::handler(&env.ctx, req).await);
    assert_eq!(erased.status, 200, "{}", erased.raw);
    assert_eq!(wallet(&env, "m1").await[0]["status"], "void");
    // The number no longer finds anyone: an erased member is found by nothing (the fuzzer
    // once got a 409 `member_erased` here, telling that the holder had existed).
    let req = Req::get("/admin/members/lookup")
        .query("coupon_no", &no)
        .bearer(&env.token("cashier", "till-1"))
        .build();
    let gone = Res::from_response(admin_members::handler(&env.ctx, req).await);
    assert_eq!(gone.status, 404, "{}", gone.raw);
}

async fn coupons_report(env: &TestEnv, from: &str, to: &str) -> Vec<Value> {
    let res = report_as(env, &env.admin(), "/admin/reports/coupons", from, to, &[]).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    res.body["items"].as_array().unwrap().clone()
}

fn row<'a>(rows: &'a [Value], id: &str) -> &'a Value {
    rows.iter().find(|r| r["coupon_id"] == id).unwrap()
}

fn figures(r: &Value) -> [i64; 6] {
    ["issued", "used", "returned", "expired", "void", "held"].map(|k| r[k].as_i64().unwrap())
}

/// The coupons report (API 1.3): issued, used, returned, expired and void per definition
/// over shop-local days, the discount net of returns, and what is held at the period's
/// end; expiries count once they happen, never ahead; a closed month carries what is held.
#[tokio::test]
async fn seed_000_the_coupons_report_follows_every_coupon_through_use_return_void_and_expiry() {
    let t0 = "2026-06-10T10:00:00+08:00";
    let mut env = TestEnv::with_clock(api::Clock::Fixed(
        domain::chrono::DateTime::parse_from_rfc3339(t0)
            .unwrap()
            .into(),
    ))
    .await;
    earning_shop(&env).await;
    let a = define_coupon(&env, off("1 off", "1.00", "0.00", true)).await;
    let b = define_coupon(&env, off("2 off", "2.00", "0.00", true)).await;
    let (a1, a2) = (give(&env, "m1", &a).await, give(&env, "m1", &a).await);
    give(&env, "m1", &a).await;
    give(&env, "m2", &a).await;
    give(&env, "m3", &b).await;
    assert_eq!(spend(&env, "m1", "o1", &a1, three_tens()).await.status, 200);
    assert_eq!(spend(&env, "m1", "o2", &a2, three_tens()).await.status, 200);
    let why = json!({"member_id": "m1", "reason": "payment failed"});
    assert_eq!(env.cancel_as(&env.admin(), "o2", why).await.status, 200);
    let req = Req::post("/members/m2/register")
        .param("member_id", "m2")
        .bearer(&env.token("customer", "m2"))
        .json(&json!({"name": "Two"}))
        .build();
    assert_eq!(register_member::handler(&env.ctx, req).await.status(), 201);
    let req = Req::new("DELETE".parse().unwrap(), "/admin/members/m2")
        .param("member_id", "m2")
        .bearer(&env.admin())
        .json(&json!({"reason": "asked"}))
        .build();
    assert_eq!(member_privacy::handler(&env.ctx, req).await.status(), 200);

    // Issued 4 of A: one used, one used and given back, one void, so two held.
    let day = coupons_report(&env, "2026-06-10", "2026-06-10").await;
    assert_eq!(figures(row(&day, &a)), [4, 2, 1, 0, 1, 2], "{day:?}");
    assert_eq!(row(&day, &a)["discount"], "1.00");
    assert_eq!(figures(row(&day, &b)), [1, 0, 0, 0, 0, 1]);
    // Nothing yet expires while they are valid: a period reaching past today counts no
    // expiry to come.
    let ahead = coupons_report(&env, "2026-06-01", "2026-12-31").await;
    assert_eq!(figures(row(&ahead, &a)), [4, 2, 1, 0, 1, 2]);

    // Thirty days on, the held ones have expired: counted in July, when they did.
    env.ctx.clock = api::Clock::Fixed(
        domain::chrono::DateTime::parse_from_rfc3339("2026-08-05T09:00:00+08:00")
            .unwrap()
            .into(),
    );
    let july = coupons_report(&env, "2026-07-01", "2026-07-31").await;
    assert_eq!(figures(row(&july, &a)), [0, 0, 0, 2, 0, 0], "{july:?}");
    assert_eq!(figures(row(&july, &b)), [0, 0, 0, 1, 0, 0]);
    assert_eq!(row(&july, &a)["discount"], "0.00");
    let june = coupons_report(&env, "2026-06-01", "2026-06-30").await;
    assert_eq!(figures(row(&june, &a)), [4, 2, 1, 0, 1, 2]);

    // June closed: the same figures from what it carried.
    let closed = expire_lots::close_months(&env.ctx, env.ctx.now())
        .await
        .unwrap();
    assert!(closed["months_closed"].as_u64().unwrap() > 0, "{closed}");
    assert_eq!(coupons_report(&env, "2026-07-01", "2026-07-31").await, july);
    assert_eq!(coupons_report(&env, "2026-06-01", "2026-06-30").await, june);

    let csv = report_as(
        &env,
        &env.admin(),
        "/admin/reports/coupons",
        "2026-06-01",
        "2026-06-30",
        &[("format", "csv")],
    )
    .await;
    assert!(
        csv.raw.starts_with(
            "coupon_id,name,issued,used,returned,expired,void,held,discount,from,to,currency"
        ),
        "{}",
        csv.raw
    );
    assert!(
        csv.raw.contains(&format!(
            "{a},1 off,4,2,1,0,1,2,1.00,2026-06-01,2026-06-30,MYR"
        )),
        "{}",
        csv.raw
    );
}

/// The members' expiring notices of every `coupon_expiring` item in `member`'s outbox.
async fn coupon_notices(env: &TestEnv, member: &str) -> Vec<Value> {
    outbox_items(env, member)
        .await
        .into_iter()
        .filter(|it| {
            it.get("event")
                .and_then(|e| e.as_s().ok())
                .map(String::as_str)
                == Some("coupon_expiring")
        })
        .map(|it| serde_json::from_str(it["payload"].as_s().unwrap()).unwrap())
        .collect()
}

/// API 1.3: the daily notice tells a member once of each held coupon ending within 3 days,
/// found through the wallets' own due index; a rerun tells nothing twice, and a wallet's
/// later coupon is told of on its own days.
#[tokio::test]
async fn seed_000_a_member_hears_once_of_each_coupon_ending_within_three_days() {
    let at = |s: &str| {
        domain::chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&domain::chrono::Utc)
    };
    let env = TestEnv::with_clock(api::Clock::Fixed(at("2026-06-10T10:00:00+08:00"))).await;
    setup_shop(&env).await;
    let days = |name: &str, n: u32| {
        json!({"name": name, "kind": "amount_off", "amount": "1.00",
               "validity": {"kind": "days", "days": n}})
    };
    let five = define_coupon(&env, days("five days", 5)).await;
    let twenty = define_coupon(&env, days("twenty days", 20)).await;
    let first = give(&env, "m1", &five).await;
    let later = give(&env, "m1", &twenty).await;
    let used = give(&env, "m1", &five).await;
    assert_eq!(
        spend(&env, "m1", "o1", &used, three_tens()).await.status,
        200
    );

    let held = wallet(&env, "m1").await;
    let end_of = |no: &str| {
        let c = held.iter().find(|c| c["coupon_no"] == no).unwrap();
        at(c["valid_until"].as_str().unwrap())
    };
    let (end1, end2) = (end_of(&first), end_of(&later));
    let hours = domain::chrono::Duration::hours;
    let run = |now| expire_lots::notify_coupons_expiring(&env.ctx, now);
    assert_eq!(
        run(end1 - hours(73)).await.unwrap(),
        0,
        "more than three days ahead"
    );
    assert_eq!(run(end1 - hours(71)).await.unwrap(), 1);
    assert_eq!(run(end1 - hours(71)).await.unwrap(), 0, "told once");
    assert_eq!(run(end1 + hours(30)).await.unwrap(), 0);
    assert_eq!(run(end2 - hours(71)).await.unwrap(), 1);
    let told: Vec<Value> = coupon_notices(&env, "m1").await;
    let mut numbers: Vec<&str> = told
        .iter()
        .map(|n| n["coupon_no"].as_str().unwrap())
        .collect();
    numbers.sort_unstable();
    let mut expected = vec![first.as_str(), later.as_str()];
    expected.sort_unstable();
    assert_eq!(numbers, expected, "{told:?}");
}
