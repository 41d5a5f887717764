//! Store credit (001): the five rules end to end through the handlers, refund to credit and
//! its cap under concurrency, proportional clawback, card numbers and notifications.

use std::sync::Arc;

use domain::Decimal;
use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

async fn credit_program(env: &TestEnv, body: Value) -> Res {
    let req = Req::put("/admin/programs/credit")
        .bearer(&env.admin())
        .json(&body)
        .build();
    Res::from_response(admin_credit_program::handler(&env.ctx, req).await)
}

fn all_five() -> Value {
    json!({"enabled": true, "expiry": {"kind": "never"}, "rules": [
        {"type": "first_order", "grant": {"fixed": "5.00"}},
        {"type": "each_order", "grant": {"per": "100.00", "give": "2.00"}, "min_order": "50.00"},
        {"type": "registration", "grant": {"fixed": "3.00"}},
        {"type": "order_count", "tiers": [{"orders": 3, "give": "5.00"}]},
        {"type": "cumulative_spend", "every": {"per": "500.00", "give": "10.00"}}
    ]})
}

async fn register(env: &TestEnv, member: &str) -> Res {
    let req = Req::post(&format!("/members/{member}/register"))
        .param("member_id", member)
        .bearer(&env.token("customer", member))
        .json(&json!({"birthday": "1990-04-01"}))
        .build();
    Res::from_response(register_member::handler(&env.ctx, req).await)
}

/// m1's order of `total`, placed now.
async fn accrue(env: &TestEnv, order: &str, total: &str) -> Res {
    let placed = env.ctx.now().to_rfc3339();
    let body = json!({"member_id": "m1", "currency": "MYR", "total": total, "placed_at": placed});
    env.accrue(order, body).await
}

async fn to_credit(env: &TestEnv, order: &str, body: Value) -> Res {
    env.refund_to_credit(order, body).await
}

async fn refund(env: &TestEnv, order: &str, refund_id: &str, amount: &str) -> Res {
    refund_order(env, "m1", order, refund_id, amount).await
}

fn reasons(entries: &[Value]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["reason"].as_str().unwrap().to_owned(),
                e["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.reverse();
    out
}

#[tokio::test]
async fn the_five_rules_grant_what_a_merchant_would_compute_by_hand() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let set = credit_program(&env, all_five()).await;
    assert_eq!(set.status, 200, "{}", set.raw);

    let before = env.store().calls();
    let joined = register(&env, "m1").await;
    assert_eq!(joined.status, 201, "{}", joined.raw);
    assert_eq!(joined.body["credit_issued"], "3.00");
    let card_no = joined.body["card_no"].as_str().unwrap().to_owned();
    register(&env, "m1")
        .await
        .assert_problem(409, "already_registered");
    let calls = env.store().calls().since(&before);
    assert_eq!(calls.of("TransactWriteItems"), 1, "{calls:?}");

    // First order 120.00: first order 5.00 + 2.00 per 100.00 = 7.00.
    let before = env.store().calls();
    let first = accrue(&env, "o1", "120.00").await;
    let calls = env.store().calls().since(&before);
    assert_eq!((calls.reads(), calls.writes()), (1, 1), "{calls:?}");
    assert_eq!(first.body["credit_issued"], "7.00", "{}", first.raw);
    assert_eq!(first.body["credit_card_no"], card_no.as_str());
    // Second order 30.00, below the 50.00 minimum: nothing, but it counts.
    assert_eq!(
        accrue(&env, "o2", "30.00").await.body["credit_issued"],
        "0.00"
    );
    // Third order 60.00: the 3-order tier (5.00); 60.00 holds no whole 100.00.
    assert_eq!(
        accrue(&env, "o3", "60.00").await.body["credit_issued"],
        "5.00"
    );
    // Spend so far 210.00; 850.00 more crosses 500 and 1000 (2 x 10.00, 60.00 carried)
    // and gives 8 x 2.00 per 100.00.
    let fourth = accrue(&env, "o4", "850.00").await;
    assert_eq!(fourth.body["credit_issued"], "36.00", "{}", fourth.raw);
    // 1060.00 + 440.00 = 1500.00 crosses 1500 thanks to the carried 60.00: 10.00 + 8.00.
    assert_eq!(
        accrue(&env, "o5", "440.00").await.body["credit_issued"],
        "18.00"
    );

    let m = member(&env, "m1").await;
    assert_eq!(m["credit"]["balance"], "69.00");
    assert_eq!(m["credit"]["card_no"], card_no.as_str());
    let entries = ledger_all(&env, "m1", "credit").await;
    let by_hand: Vec<(String, String)> = [
        ("registration", "3.00"),
        ("first_order", "5.00"),
        ("each_order", "2.00"),
        ("order_count", "5.00"),
        ("each_order", "16.00"),
        ("cumulative_spend", "20.00"),
        ("each_order", "8.00"),
        ("cumulative_spend", "10.00"),
    ]
    .iter()
    .map(|(r, a)| (r.to_string(), a.to_string()))
    .collect();
    assert_eq!(reasons(&entries), by_hand);
    assert_eq!(
        ledger_sum(&env, "m1", "credit").await,
        Decimal::new(6900, 2)
    );

    // Editing the rules affects only what comes next.
    credit_program(&env, json!({"enabled": false})).await;
    assert_eq!(
        accrue(&env, "o6", "1000.00").await.body["credit_issued"],
        "0.00"
    );
    assert_eq!(member(&env, "m1").await["credit"]["balance"], "69.00");
}

#[tokio::test]
async fn an_order_refund_claws_back_its_credit_in_proportion_half_even() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    credit_program(
        &env,
        json!({"enabled": true, "rules": [{"type": "each_order", "grant": {"fixed": "0.05"}}]}),
    )
    .await;
    assert_eq!(
        accrue(&env, "o1", "100.00").await.body["credit_issued"],
        "0.05"
    );
    // Half refunded: 0.025 rounds half-even to 0.02; the rest of the order takes 0.03.
    let half = refund(&env, "o1", "r1", "50.00").await;
    assert_eq!(half.body["credit_clawed_back"], "0.02", "{}", half.raw);
    let rest = refund(&env, "o1", "r2", "50.00").await;
    assert_eq!(rest.body["credit_clawed_back"], "0.03", "{}", rest.raw);
    assert_eq!(member(&env, "m1").await["credit"]["balance"], "0.00");
    assert_eq!(ledger_sum(&env, "m1", "credit").await, Decimal::ZERO);
}

#[tokio::test]
async fn refund_to_credit_never_exceeds_what_the_order_paid() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let body = |id: &str, amount: &str| {
        json!({"refund_id": id, "member_id": "m1", "amount": amount, "note": "damaged item",
               "notify": true, "order_total": "30.00"})
    };
    to_credit(
        &env,
        "o1",
        json!({"refund_id": "x", "member_id": "m1", "amount": "1.00"}),
    )
    .await
    .assert_problem(422, "invalid_request");
    // A refund id is an order refund's id (1-64 letters, digits and ._:@+-), typed at the
    // edge: a longer one or one with a key separator is refused, and nothing is written.
    for bad in ["r".repeat(65), "r#1".to_owned()] {
        to_credit(&env, "o1", body(&bad, "1.00"))
            .await
            .assert_problem(422, "invalid_request");
    }
    assert_eq!(member(&env, "m1").await["credit"]["balance"], "0.00");
    let first = to_credit(&env, "o1", body("rc1", "12.50")).await;
    assert_eq!(first.status, 200, "{}", first.raw);
    assert_eq!(first.body["credit_balance"], "12.50");
    assert!(first.body["card_no"]
        .as_str()
        .is_some_and(|n| n.len() == 16));
    assert_eq!(
        to_credit(&env, "o1", body("rc1", "12.50")).await.raw,
        first.raw
    );
    to_credit(&env, "o1", body("rc2", "17.51"))
        .await
        .assert_problem(422, "refund_exceeds_paid");
    assert_eq!(
        to_credit(&env, "o1", body("rc3", "17.50")).await.status,
        200
    );
    assert_eq!(member(&env, "m1").await["credit"]["balance"], "30.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_concurrent_refunds_to_credit_with_room_for_ten_land_ten() {
    let env = Arc::new(TestEnv::isolated().await);
    setup_shop(&env).await;
    let answers = race(30, |i| {
        let env = env.clone();
        async move {
            to_credit(
                &env,
                "o1",
                json!({"refund_id": format!("rc{i}"), "member_id": "m1", "amount": "1.00",
                       "order_total": "10.00"}),
            )
            .await
        }
    })
    .await;
    let landed = answers.iter().filter(|r| r.status == 200).count();
    for r in answers.iter().filter(|r| r.status != 200) {
        r.assert_problem(422, "refund_exceeds_paid");
    }
    assert_eq!(landed, 10);
    assert_eq!(member(&env, "m1").await["credit"]["balance"], "10.00");
    assert_eq!(ledger_sum(&env, "m1", "credit").await, Decimal::from(10));
}

#[tokio::test]
async fn a_reset_card_number_replaces_the_old_one_and_notifications_honour_switches() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let mut program = all_five();
    program["notify"] = json!({"used": false});
    credit_program(&env, program).await;
    reset(&env).await.assert_problem(409, "no_credit_card");
    let old = register(&env, "m1").await.body["card_no"].clone();
    let fresh = reset(&env).await;
    assert_eq!(fresh.status, 200, "{}", fresh.raw);
    assert_eq!(fresh.body["previous_card_no"], old);
    assert_ne!(fresh.body["card_no"], old);
    assert_eq!(
        member(&env, "m1").await["credit"]["card_no"],
        fresh.body["card_no"]
    );

    // Spend some credit: the "used" notice is written but switched off; "issued" goes out.
    let m1 = env.token("customer", "m1");
    let spent = env.redeem_as(&m1, "o9", json!({"credit": "1.00"})).await;
    assert_eq!(spent.status, 200, "{}", spent.raw);
    let stream = outbox_stream(&env, "m1").await;
    let file = std::env::temp_dir().join(format!("notify-{}.jsonl", env.shop));
    let sent = notifier::handle(&env.ctx, &stream, &notifier::FileSender(file.clone()))
        .await
        .unwrap();
    assert_eq!(
        sent,
        json!({"batchItemFailures": [], "sent": 1, "switched_off": 1})
    );
    let lines = std::fs::read_to_string(&file).unwrap();
    let message: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(message["event"], "credit_issued");
    assert_eq!(message["payload"]["amount"], "3.00");
}

async fn reset(env: &TestEnv) -> Res {
    let req = Req::post("/members/m1/credit-card/reset")
        .param("member_id", "m1")
        .bearer(&env.admin())
        .build();
    Res::from_response(credit_card_reset::handler(&env.ctx, req).await)
}

/// The member's outbox items as the table's stream delivers them (INSERT records with
/// the new image in DynamoDB JSON).
async fn outbox_stream(env: &TestEnv, member: &str) -> Value {
    let out = outbox_items(env, member).await;
    let records: Vec<Value> = out.into_iter().map(|it| stream_insert(it, None)).collect();
    json!({"Records": records})
}

#[tokio::test]
async fn members_hear_once_about_each_lot_of_credit_five_days_before_it_expires() {
    use api::Clock;
    let at = |s: &str| {
        domain::chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&domain::chrono::Utc)
    };
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-04-01T10:00:00+08:00"))).await;
    setup_shop(&env).await;
    credit_program(
        &env,
        json!({"enabled": true, "expiry": {"kind": "days", "days": 10},
               "rules": [{"type": "each_order", "grant": {"fixed": "2.00"}}]}),
    )
    .await;
    // Lots expiring 2026-04-11 and 2026-04-13, 23:59:59 local (15:59:59 UTC).
    accrue(&env, "o1", "10.00").await;
    env.ctx.clock = Clock::Fixed(at("2026-04-03T10:00:00+08:00"));
    accrue(&env, "o2", "10.00").await;

    let sweep = |now: &str| expire_lots::notify_expiring(&env.ctx, at(now));
    assert_eq!(sweep("2026-04-05T00:30:00Z").await.unwrap(), 0);
    assert_eq!(sweep("2026-04-06T00:30:00Z").await.unwrap(), 1);
    assert_eq!(sweep("2026-04-06T00:30:00Z").await.unwrap(), 0);
    // The second lot is not the account's earliest, and is still found on its day.
    assert_eq!(sweep("2026-04-08T00:30:00Z").await.unwrap(), 1);

    let stream = outbox_stream(&env, "m1").await;
    let expiring: Vec<&Value> = stream["Records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["dynamodb"]["NewImage"]["event"]["S"] == "credit_expiring")
        .collect();
    assert_eq!(expiring.len(), 2);
    let file = std::env::temp_dir().join(format!("expiring-{}.jsonl", env.shop));
    let sent = notifier::handle(&env.ctx, &stream, &notifier::FileSender(file.clone()))
        .await
        .unwrap();
    assert_eq!(sent["sent"], 4, "two issued, two expiring: {sent}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("\"expires_at\":\"2026-04-13T15:59:59+00:00\""),
        "{text}"
    );
}

#[tokio::test]
async fn notifications_go_out_as_email_through_ses_from_a_verified_sender() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    credit_program(&env, all_five()).await;
    let from = format!("loyalty@{}.example", env.shop);
    let req = Req::post("/members/m1/register")
        .param("member_id", "m1")
        .bearer(&env.token("customer", "m1"))
        .json(&json!({"email": "m1@example.com"}))
        .build();
    let joined = Res::from_response(register_member::handler(&env.ctx, req).await);
    assert_eq!(joined.status, 201, "{}", joined.raw);
    let stream = outbox_stream(&env, "m1").await;
    let ses = notifier::SesSender::connect(
        from.clone(),
        Some(env.endpoint.clone()),
        Some(env.region.clone()),
    )
    .expect("the local AWS variables are set");
    // SES refuses an unverified sender: without a sequence number the batch fails, so the
    // stream delivers it again...
    let refused = notifier::handle(&env.ctx, &stream, &ses).await.unwrap_err();
    assert!(refused.to_string().contains("not verified"), "{refused}");
    // ...and as the stream hands it (sequence numbers), the batch names the record the
    // stream must deliver again from, and sends nothing after it: no member hears twice.
    let mut numbered = stream.clone();
    let mut twice = numbered["Records"][0].clone();
    twice["dynamodb"]["NewImage"]["member_id"] = json!({"S": "m2"});
    numbered["Records"].as_array_mut().unwrap().push(twice);
    for (i, r) in numbered["Records"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        r["dynamodb"]["SequenceNumber"] = json!(format!("{}", 100 + i));
    }
    let partial = notifier::handle(&env.ctx, &numbered, &ses).await.unwrap();
    assert_eq!(
        partial,
        json!({"batchItemFailures": [{"itemIdentifier": "100"}], "sent": 0, "switched_off": 0})
    );
    ses.client()
        .create_email_identity()
        .email_identity(&from)
        .send()
        .await
        .unwrap();
    let sent = notifier::handle(&env.ctx, &stream, &ses).await.unwrap();
    assert_eq!(sent["sent"], 1, "{sent}");
    // Without an address nothing is emailed, and nothing fails.
    let mut other = stream.clone();
    other["Records"][0]["dynamodb"]["NewImage"]["member_id"] = json!({"S": "m2"});
    assert_eq!(
        notifier::handle(&env.ctx, &other, &ses).await.unwrap()["sent"],
        1
    );
}

/// Seed: 001 (each notice has its switch) and issue 15 (no outbox write for a notice the
/// shop does not send): a registration that grants credit writes its "issued" notice only
/// while the switch is on.
#[tokio::test]
async fn a_notice_switched_off_is_not_written_at_all() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let mut program = all_five();
    program["notify"] = json!({"issued": false});
    assert_eq!(credit_program(&env, program.clone()).await.status, 200);
    assert_eq!(register(&env, "m1").await.status, 201);
    assert_eq!(member(&env, "m1").await["credit"]["balance"], "3.00");
    assert_eq!(outbox_stream(&env, "m1").await["Records"], json!([]));
    program["notify"] = json!({"issued": true});
    assert_eq!(credit_program(&env, program).await.status, 200);
    assert_eq!(register(&env, "m2").await.status, 201);
    let records = outbox_stream(&env, "m2").await["Records"].clone();
    assert_eq!(records.as_array().map(Vec::len), Some(1), "{records}");
}
