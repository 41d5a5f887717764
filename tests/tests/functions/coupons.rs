//! Coupons (优惠券; seeds 000 送优惠券, 002, 003; API 1.3): definitions and their refusals,
//! members taking them, staff issuing them, the wallet, gift coupons at the till, validity
//! by the shop's day, and the races: more members than stock, one member past their limit.

use std::sync::Arc;

use api::Clock;
use domain::chrono::{DateTime, Duration, Utc};
use loyalty_tests::{test_epoch, Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

async fn admin_coupons(env: &TestEnv, req: Req) -> Res {
    Res::from_response(admin_coupons::handler(&env.ctx, req.build()).await)
}

async fn define(env: &TestEnv, body: Value) -> Res {
    admin_coupons(
        env,
        Req::post("/admin/coupons").bearer(&env.admin()).json(&body),
    )
    .await
}

/// A definition that must be accepted; its id.
async fn defined(env: &TestEnv, body: Value) -> String {
    let res = define(env, body).await;
    assert_eq!(res.status, 201, "{}", res.raw);
    res.body["coupon_id"].as_str().unwrap().to_owned()
}

async fn coupon(env: &TestEnv, id: &str) -> Value {
    let req = Req::get(&format!("/admin/coupons/{id}"))
        .param("coupon_id", id)
        .bearer(&env.token("cashier", "till-1"));
    let res = admin_coupons(env, req).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    res.body
}

fn ten_off(stock: Value, per_member: Value) -> Value {
    json!({"name": "10 off 50", "kind": "amount_off", "amount": "10.00", "min_spend": "50.00",
           "validity": {"kind": "days", "days": 30}, "stock": stock, "per_member": per_member,
           "claimable": true, "text": "Spend 50, save 10"})
}

async fn member_coupons(env: &TestEnv, req: Req) -> Res {
    Res::from_response(member_coupons::handler(&env.ctx, req.build()).await)
}

async fn take(env: &TestEnv, member: &str, id: &str, key: &str) -> Res {
    let req = Req::post(&format!("/coupons/{id}/claim"))
        .param("coupon_id", id)
        .bearer(&env.token("customer", member))
        .header("Idempotency-Key", key)
        .json(&json!({}));
    member_coupons(env, req).await
}

async fn issue(env: &TestEnv, member: &str, body: Value, key: &str) -> Res {
    let req = Req::post(&format!("/members/{member}/coupons"))
        .param("member_id", member)
        .bearer(&env.admin())
        .header("Idempotency-Key", key)
        .json(&body);
    member_coupons(env, req).await
}

async fn wallet(env: &TestEnv, member: &str, query: &[(&str, &str)]) -> Res {
    let mut req = Req::get(&format!("/members/{member}/coupons"))
        .param("member_id", member)
        .bearer(&env.token("customer", member));
    for (k, v) in query {
        req = req.query(k, v);
    }
    member_coupons(env, req).await
}

async fn use_at_till(env: &TestEnv, member: &str, no: &str, key: &str) -> Res {
    let req = Req::post(&format!("/members/{member}/coupons/{no}/use"))
        .param("member_id", member)
        .param("coupon_no", no)
        .bearer(&env.token("cashier", "till-1"))
        .header("Idempotency-Key", key);
    member_coupons(env, req).await
}

async fn shop_at(at: DateTime<Utc>) -> TestEnv {
    let env = TestEnv::with_clock(Clock::Fixed(at)).await;
    setup_shop(&env).await;
    env
}

#[tokio::test]
async fn a_merchant_defines_coupons_and_bad_definitions_change_nothing() {
    let env = shop_at(test_epoch()).await;
    let res = define(&env, ten_off(json!(100), json!(1))).await;
    assert_eq!(res.status, 201, "{}", res.raw);
    let id = res.body["coupon_id"].as_str().unwrap().to_owned();
    assert_eq!(
        (
            &res.body["status"],
            &res.body["issued"],
            &res.body["used"],
            &res.body["stock_left"]
        ),
        (&json!("enabled"), &json!(0), &json!(0), &json!(100))
    );
    assert_eq!(
        (&res.body["amount"], &res.body["min_spend"]),
        (&json!("10.00"), &json!("50.00"))
    );
    for (bad, why) in [
        (json!({"kind": "amount_off", "amount": "0.00"}), "amount"),
        (json!({"kind": "percent_off", "percent": 100}), "percent"),
        (json!({"kind": "amount_off", "amount": "1.001"}), "decimal"),
        (json!({"kind": "bingo"}), "kind"),
        (json!({"per_member": 0}), "per_member"),
        (json!({"surprise": true}), "surprise"),
    ] {
        let mut body = ten_off(json!(10), Value::Null);
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = define(&env, body).await;
        res.assert_problem(422, "invalid_request");
        assert!(
            res.body["detail"].as_str().unwrap().contains(why),
            "{}",
            res.raw
        );
    }
    let cashier = env.token("cashier", "till-1");
    let res = admin_coupons(
        &env,
        Req::post("/admin/coupons")
            .bearer(&cashier)
            .json(&ten_off(json!(1), json!(1))),
    )
    .await;
    res.assert_problem(403, "forbidden");
    let list = admin_coupons(&env, Req::get("/admin/coupons").bearer(&cashier)).await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        list.raw
    );

    // A disabled coupon issues nothing more; the stock never goes below what was issued.
    let patch = |body: Value| {
        Req::new("PATCH".parse().unwrap(), &format!("/admin/coupons/{id}"))
            .param("coupon_id", &id)
            .bearer(&env.admin())
            .json(&body)
    };
    assert_eq!(take(&env, "m1", &id, "k1").await.status, 201);
    admin_coupons(&env, patch(json!({"stock": 0})))
        .await
        .assert_problem(422, "invalid_request");
    let res = admin_coupons(&env, patch(json!({"stock": 5, "name": "Ten off"}))).await;
    assert_eq!(
        (res.status, &res.body["stock_left"], &res.body["name"]),
        (200, &json!(4), &json!("Ten off")),
        "{}",
        res.raw
    );
    let res = admin_coupons(&env, patch(json!({"status": "disabled"}))).await;
    assert_eq!(res.body["status"], "disabled");
    take(&env, "m2", &id, "k2")
        .await
        .assert_problem(409, "coupon_disabled");
    // Issued: it cannot go (409 coupon_in_use); one never issued can (204).
    let delete = |id: &str| {
        Req::new("DELETE".parse().unwrap(), &format!("/admin/coupons/{id}"))
            .param("coupon_id", id)
            .bearer(&env.admin())
    };
    admin_coupons(&env, delete(&id))
        .await
        .assert_problem(409, "coupon_in_use");
    let unused = defined(&env, ten_off(Value::Null, Value::Null)).await;
    assert_eq!(admin_coupons(&env, delete(&unused)).await.status, 204);
    let gone = Req::get(&format!("/admin/coupons/{unused}"))
        .param("coupon_id", &unused)
        .bearer(&env.admin());
    admin_coupons(&env, gone)
        .await
        .assert_problem(404, "not_found");
}

/// 000 送优惠券: a member takes a claimable coupon once (per_member 1); the same request
/// again replays; one not claimable is refused; the terms were copied at issue.
#[tokio::test]
async fn seed_000_a_member_takes_a_coupon_once_and_holds_its_terms() {
    let env = shop_at(test_epoch()).await;
    let id = defined(&env, ten_off(json!(100), json!(1))).await;
    let got = take(&env, "m1", &id, "k1").await;
    assert_eq!(got.status, 201, "{}", got.raw);
    let no = got.body["coupon_no"].as_str().unwrap().to_owned();
    assert_eq!(no.len(), 12);
    assert!(
        no.chars()
            .all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)),
        "{no}"
    );
    assert_eq!(
        (
            &got.body["status"],
            &got.body["source"],
            &got.body["amount"],
            &got.body["order_id"]
        ),
        (
            &json!("available"),
            &json!("claim"),
            &json!("10.00"),
            &Value::Null
        )
    );
    let again = take(&env, "m1", &id, "k1").await;
    assert_eq!((again.status, &again.body["coupon_no"]), (201, &json!(no)));
    take(&env, "m1", &id, "k2")
        .await
        .assert_problem(409, "coupon_limit_reached");
    // A change to the definition applies to later issues only.
    let patch = Req::new("PATCH".parse().unwrap(), &format!("/admin/coupons/{id}"))
        .param("coupon_id", &id)
        .bearer(&env.admin())
        .json(&json!({"name": "Renamed", "claimable": false}));
    assert_eq!(admin_coupons(&env, patch).await.status, 200);
    take(&env, "m2", &id, "k3")
        .await
        .assert_problem(409, "coupon_not_claimable");
    let held = wallet(&env, "m1", &[]).await;
    assert_eq!(held.body["items"][0]["name"], "10 off 50", "{}", held.raw);
    let counts = coupon(&env, &id).await;
    assert_eq!(
        (&counts["issued"], &counts["stock_left"]),
        (&json!(1), &json!(99))
    );
    // Another member's wallet is not a customer's to read.
    let other = Req::get("/members/m1/coupons")
        .param("member_id", "m1")
        .bearer(&env.token("customer", "m2"));
    member_coupons(&env, other)
        .await
        .assert_problem(403, "forbidden");
    // Without an Idempotency-Key a claim is refused and issues nothing.
    let keyless = Req::post(&format!("/coupons/{id}/claim"))
        .param("coupon_id", &id)
        .bearer(&env.token("customer", "m3"))
        .json(&json!({}));
    member_coupons(&env, keyless)
        .await
        .assert_problem(422, "invalid_request");
    assert_eq!(coupon(&env, &id).await["issued"], 1);
    let unknown = take(&env, "m1", "cpn_nothing", "k4").await;
    unknown.assert_problem(404, "not_found");
}

/// A coupon drop: 30 members take a coupon with 10 in stock at once: exactly 10 get one,
/// the rest are told it is sold out, and the counters say 10 issued, none left.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_members_racing_for_ten_coupons_get_exactly_ten() {
    let env = Arc::new(shop_at(test_epoch()).await);
    let id = defined(&env, ten_off(json!(10), json!(1))).await;
    let answers = race(30, |i| {
        let (env, id) = (env.clone(), id.clone());
        async move { take(&env, &format!("m{i}"), &id, &format!("k{i}")).await }
    })
    .await;
    let (won, refused) = tally(answers, 201, "coupon_sold_out");
    assert_eq!((won.len(), refused), (10, 20));
    let counts = coupon(&env, &id).await;
    assert_eq!(
        (&counts["issued"], &counts["stock_left"]),
        (&json!(10), &json!(0))
    );
    let mut numbers: Vec<&str> = won
        .iter()
        .map(|r| r.body["coupon_no"].as_str().unwrap())
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 10);
}

/// One member sending twenty different claims of a one-per-member coupon at once: one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_member_claiming_a_one_per_member_coupon_twenty_times_at_once_gets_one() {
    let env = Arc::new(shop_at(test_epoch()).await);
    let id = defined(&env, ten_off(Value::Null, json!(1))).await;
    let answers = race(20, |i| {
        let (env, id) = (env.clone(), id.clone());
        async move { take(&env, "m1", &id, &format!("k{i}")).await }
    })
    .await;
    let (won, refused) = tally(answers, 201, "coupon_limit_reached");
    assert_eq!((won.len(), refused), (1, 19));
    assert_eq!(
        wallet(&env, "m1", &[]).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(coupon(&env, &id).await["issued"], 1);
}

/// Staff issue 1-50 at once, all or none: more than is left is 409 and nothing is issued.
#[tokio::test]
async fn staff_issue_several_or_none_and_the_wallet_pages_newest_first() {
    let env = shop_at(test_epoch()).await;
    let id = defined(&env, ten_off(json!(5), Value::Null)).await;
    let body = |n: u32| json!({"coupon_id": id, "quantity": n, "reason": "apology"});
    issue(&env, "m1", body(6), "i1")
        .await
        .assert_problem(409, "coupon_sold_out");
    assert_eq!(coupon(&env, &id).await["issued"], 0);
    issue(&env, "m1", body(51), "i2")
        .await
        .assert_problem(422, "invalid_request");
    let res = issue(&env, "m1", body(3), "i3").await;
    assert_eq!(res.status, 201, "{}", res.raw);
    assert_eq!(res.body["items"].as_array().unwrap().len(), 3);
    assert!(res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["source"] == "staff"));
    let customer = Req::post("/members/m1/coupons")
        .param("member_id", "m1")
        .bearer(&env.token("customer", "m1"))
        .header("Idempotency-Key", "i4")
        .json(&body(1));
    member_coupons(&env, customer)
        .await
        .assert_problem(403, "forbidden");
    let first = wallet(&env, "m1", &[("limit", "2")]).await;
    assert_eq!(
        first.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        first.raw
    );
    let next = first.body["next"].as_str().unwrap().to_owned();
    let rest = wallet(&env, "m1", &[("limit", "2"), ("cursor", &next)]).await;
    assert_eq!(
        (
            rest.body["items"].as_array().unwrap().len(),
            &rest.body["next"]
        ),
        (1, &Value::Null)
    );
    wallet(&env, "m1", &[("status", "lost")])
        .await
        .assert_problem(422, "invalid_request");
    assert_eq!(coupon(&env, &id).await["stock_left"], 2);
    // GET /members/{id} counts what can be spent and says when the first one ends.
    let m = member(&env, "m1").await;
    assert_eq!(m["coupons"]["available"], 3, "{m}");
    assert_eq!(
        m["coupons"]["next_expiry"],
        res.body["items"][0]["valid_until"]
    );
}

/// 003 gift coupons at the till: handed over once; a money coupon is not handed over, and a
/// number that is not the member's reads as no coupon at all.
#[tokio::test]
async fn seed_003_a_gift_coupon_is_used_at_the_till_once() {
    let env = shop_at(test_epoch()).await;
    let gift = defined(
        &env,
        json!({"name": "Tote bag", "kind": "gift", "gift": "tote bag",
        "validity": {"kind": "days", "days": 7}}),
    )
    .await;
    let money = defined(&env, ten_off(Value::Null, Value::Null)).await;
    let g = issue(&env, "m1", json!({"coupon_id": gift}), "i1").await;
    let g = g.body["items"][0]["coupon_no"].as_str().unwrap().to_owned();
    let m = issue(&env, "m1", json!({"coupon_id": money}), "i2").await;
    let m = m.body["items"][0]["coupon_no"].as_str().unwrap().to_owned();
    let used = use_at_till(&env, "m1", &g.to_lowercase(), "u1").await;
    assert_eq!(
        (used.status, &used.body["status"]),
        (200, &json!("used")),
        "{}",
        used.raw
    );
    use_at_till(&env, "m1", &g, "u2")
        .await
        .assert_problem(409, "coupon_used");
    use_at_till(&env, "m1", &m, "u3")
        .await
        .assert_problem(409, "coupon_not_applicable");
    use_at_till(&env, "m2", &g, "u4")
        .await
        .assert_problem(404, "not_found");
    use_at_till(&env, "m1", "not-a-number", "u5")
        .await
        .assert_problem(404, "not_found");
    assert_eq!(coupon(&env, &gift).await["used"], 1);
    let available = wallet(&env, "m1", &[("status", "available")]).await;
    assert_eq!(available.body["items"].as_array().unwrap().len(), 1);
}

/// "30 days" ends at the end of the shop's 30th local day (Kuala Lumpur), never at UTC
/// midnight; past it the coupon reads expired without any job.
#[tokio::test]
async fn a_coupon_expires_at_the_end_of_a_shop_local_day() {
    // 2026-03-01 23:30 in Kuala Lumpur (15:30 UTC): the day of issue counts as the first.
    let issued_at = DateTime::parse_from_rfc3339("2026-03-01T15:30:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut env = shop_at(issued_at).await;
    let id = defined(&env, ten_off(Value::Null, Value::Null)).await;
    let got = take(&env, "m1", &id, "k1").await;
    assert_eq!(
        got.body["valid_until"], "2026-03-30T23:59:59+08:00",
        "{}",
        got.raw
    );
    let last = DateTime::parse_from_rfc3339("2026-03-30T15:59:59Z")
        .unwrap()
        .with_timezone(&Utc);
    env.ctx.clock = Clock::Fixed(last);
    assert_eq!(
        wallet(&env, "m1", &[]).await.body["items"][0]["status"],
        "available"
    );
    env.ctx.clock = Clock::Fixed(last + Duration::seconds(1));
    assert_eq!(
        wallet(&env, "m1", &[]).await.body["items"][0]["status"],
        "expired"
    );
    let offered = member_coupons(
        &env,
        Req::get("/coupons").bearer(&env.token("customer", "m2")),
    )
    .await;
    assert_eq!(
        offered.body["items"][0]["sold_out"], false,
        "{}",
        offered.raw
    );
    assert!(offered.body["items"][0].get("issued").is_none());
}

/// API 1.3: a shop holds at most 300 definitions; the 301st is refused and nothing is
/// written (the counter is seeded at 299, as 299 definitions would have left it).
#[tokio::test]
async fn the_301st_definition_is_refused_and_changes_nothing() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let env = shop_at(test_epoch()).await;
    env.store()
        .client()
        .put_item()
        .table_name(env.store().table())
        .item("PK", AttributeValue::S(format!("SHOP#{}", env.shop)))
        .item("SK", AttributeValue::S("COUPONS".into()))
        .item("count", AttributeValue::N("299".into()))
        .send()
        .await
        .unwrap();
    let last = define(&env, ten_off(Value::Null, Value::Null)).await;
    assert_eq!(last.status, 201, "{}", last.raw);
    define(&env, ten_off(Value::Null, Value::Null))
        .await
        .assert_problem(409, "coupon_limit_reached");
    let listed = admin_coupons(&env, Req::get("/admin/coupons").bearer(&env.admin())).await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        listed.raw
    );
}

/// Staff cannot issue to an erased member (API 1.2 "any write for them is 409"): nothing
/// issued, nothing taken from the stock.
#[tokio::test]
async fn staff_issuing_to_an_erased_member_is_refused_and_takes_no_stock() {
    let env = shop_at(test_epoch()).await;
    let id = defined(&env, ten_off(json!(5), Value::Null)).await;
    let req = Req::post("/members/m1/register")
        .param("member_id", "m1")
        .bearer(&env.token("customer", "m1"))
        .json(&json!({"name": "One"}))
        .build();
    assert_eq!(register_member::handler(&env.ctx, req).await.status(), 201);
    let req = Req::new("DELETE".parse().unwrap(), "/admin/members/m1")
        .param("member_id", "m1")
        .bearer(&env.admin())
        .json(&json!({"reason": "asked"}))
        .build();
    assert_eq!(member_privacy::handler(&env.ctx, req).await.status(), 200);
    issue(&env, "m1", json!({"coupon_id": id}), "i1")
        .await
        .assert_problem(409, "member_erased");
    let def = coupon(&env, &id).await;
    assert_eq!(
        (&def["issued"], &def["stock_left"]),
        (&json!(0), &json!(5)),
        "{def}"
    );
}

/// A gift coupon past its end cannot be used at the till: 409 `coupon_expired`, and it
/// stays expired (seed 003: the till hands over gifts).
#[tokio::test]
async fn seed_003_a_gift_past_its_end_is_refused_at_the_till() {
    let mut env = shop_at(test_epoch()).await;
    let gift = defined(
        &env,
        json!({"name": "Tote bag", "kind": "gift", "gift": "tote bag",
        "validity": {"kind": "days", "days": 1}}),
    )
    .await;
    let g = issue(&env, "m1", json!({"coupon_id": gift}), "i1").await;
    let g = g.body["items"][0]["coupon_no"].as_str().unwrap().to_owned();
    env.ctx.clock = Clock::Fixed(test_epoch() + Duration::days(2));
    use_at_till(&env, "m1", &g, "u1")
        .await
        .assert_problem(409, "coupon_expired");
    let held = wallet(&env, "m1", &[]).await;
    assert_eq!(held.body["items"][0]["status"], "expired", "{}", held.raw);
    assert_eq!(coupon(&env, &gift).await["used"], 0);
}
