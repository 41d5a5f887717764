//! End to end over real HTTP against the running stack (`cargo lambda watch` serving every
//! function over the local DynamoDB). scripts/e2e.sh starts the stack and sets
//! LOYALTY_E2E_URL; tokens are signed with the stack's LOYALTY_JWT_SECRET.

mod stack;

use domain::Decimal;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use stack::Stack;
use tokio::task::JoinSet;

#[tokio::test]
async fn a_shop_is_set_up_a_balance_moves_and_reads_agree() {
    let stack = Stack::new("flow");
    stack.setup().await;
    let (s, v) = stack
        .adjust(
            "m1",
            "k1",
            json!({"account": "credit", "delta": "12.50", "reason": "welcome"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["balance"], "12.50");
    let (s, v) = stack
        .adjust(
            "m1",
            "k2",
            json!({"account": "points", "set": 3098, "reason": "migration"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let (s, v) = stack.admin(Method::GET, "/members/m1", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["points"]["balance"], 3098);
    assert_eq!(v["credit"]["balance"], "12.50");

    // The member reads their own record; credit is hidden while the program is off.
    let me = stack.token("customer", "m1");
    let (s, _, v) = stack
        .send(Method::GET, "/members/m1", Some(&me), None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["credit"], Value::Null);
    let (s, _, v) = stack
        .send(Method::GET, "/members/m2", Some(&me), None, None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );

    let (s, v) = stack
        .admin(Method::GET, "/members/m1/ledger?limit=1", None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"][0]["amount"], 3098);
    assert!(v["next"].is_string());
    stack.check_invariants().await;
}

#[tokio::test]
async fn refusals_arrive_as_problem_json_over_http() {
    let stack = Stack::new("refusals");
    stack.setup().await;
    let path = "/members/m1/adjustments";
    let (s, ctype, v) = stack
        .send(
            Method::POST,
            path,
            None,
            Some("k"),
            Some(&json!({"account": "points", "delta": 1, "reason": "x"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    assert_eq!(ctype, "application/problem+json");

    let (s, v) = stack
        .adjust(
            "m1",
            "k",
            json!({"account": "credit", "delta": "1.001", "reason": "x"}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_request"))
    );
    let (s, v) = stack
        .adjust(
            "m1",
            "k",
            json!({"account": "points", "delta": -1, "reason": "x"}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("insufficient_balance"))
    );
    let cashier = stack.token("cashier", "c1");
    let (s, _, v) = stack
        .send(
            Method::POST,
            path,
            Some(&cashier),
            Some("k"),
            Some(&json!({"account": "points", "delta": 1, "reason": "x"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (s, v) = stack
        .admin(Method::GET, "/members/m1/ledger", None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"], json!([]));
    stack.check_invariants().await;
}

#[tokio::test]
async fn a_hundred_concurrent_spends_over_http_never_overdraw() {
    let stack = Stack::new("race");
    let (s, v) = stack
        .adjust(
            "m1",
            "seed",
            json!({"account": "points", "delta": 50, "reason": "seed"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut set = JoinSet::new();
    for i in 0..100 {
        let stack = stack.clone();
        set.spawn(async move {
            stack
                .adjust(
                    "m1",
                    &format!("spend-{i}"),
                    json!({"account": "points", "delta": -1, "reason": "race"}),
                )
                .await
        });
    }
    let (mut ok, mut refused) = (0, 0);
    while let Some(r) = set.join_next().await {
        let (s, v) = r.unwrap();
        match s {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => {
                assert_eq!(v["code"], "insufficient_balance");
                refused += 1;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!((ok, refused), (50, 50));
    let (_, v) = stack.admin(Method::GET, "/members/m1", None, None).await;
    assert_eq!(v["points"]["balance"], 0);
    assert_eq!(stack.ledger_sum("m1", "points").await, (Decimal::ZERO, 51));
    stack.check_invariants().await;
}

#[tokio::test]
async fn twenty_concurrent_retries_over_http_have_one_effect_and_one_answer() {
    let stack = Stack::new("retries");
    stack.setup().await;
    let mut set = JoinSet::new();
    for _ in 0..20 {
        let stack = stack.clone();
        set.spawn(async move {
            stack
                .adjust(
                    "m1",
                    "one-key",
                    json!({"account": "credit", "delta": "3.30", "reason": "once"}),
                )
                .await
        });
    }
    let mut answers = Vec::new();
    while let Some(r) = set.join_next().await {
        let (s, v) = r.unwrap();
        assert_eq!(s, StatusCode::OK, "{v}");
        answers.push(v);
    }
    assert!(answers.iter().all(|a| a == &answers[0]));
    let (_, v) = stack.admin(Method::GET, "/members/m1", None, None).await;
    assert_eq!(v["credit"]["balance"], "3.30");
    assert_eq!(
        stack.ledger_sum("m1", "credit").await,
        (Decimal::new(330, 2), 1)
    );
    stack.check_invariants().await;
}

#[tokio::test]
async fn cards_are_claimed_bought_and_paid_for_over_http() {
    let stack = Stack::new("cards");
    stack.setup().await;
    let (s, free) = stack
        .admin(
            Method::POST,
            "/admin/cards",
            None,
            Some(&json!({"kind": "free", "name": "Gold",
            "gift_pack": {"points": 100}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{free}");
    let me = stack.token("customer", "m1");
    let claim = format!("/cards/{}/claim", free["card_id"].as_str().unwrap());
    let (s, _, card) = stack
        .send(Method::POST, &claim, Some(&me), None, Some(&json!({})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{card}");
    assert_eq!(card["gift_pack_issued"], true);
    let (s, _, again) = stack
        .send(Method::POST, &claim, Some(&me), None, Some(&json!({})))
        .await;
    assert_eq!(
        (s, again["code"].as_str()),
        (StatusCode::CONFLICT, Some("card_already_held"))
    );

    let (_, paid) = stack
        .admin(
            Method::POST,
            "/admin/cards",
            None,
            Some(&json!({"kind": "paid", "name": "Platinum",
            "price": "99.00", "stock": 20})),
        )
        .await;
    let buy = format!("/cards/{}/purchase", paid["card_id"].as_str().unwrap());
    // A flash sale: 300 buyers at once for 20 cards.
    let mut set = JoinSet::new();
    for i in 0..300 {
        let (stack, buy) = (stack.clone(), buy.clone());
        set.spawn(async move {
            let token = stack.token("customer", &format!("buyer{i}"));
            stack
                .send(Method::POST, &buy, Some(&token), None, Some(&json!({})))
                .await
        });
    }
    let mut pending = Vec::new();
    let mut sold_out = 0;
    while let Some(r) = set.join_next().await {
        let (s, _, v) = r.unwrap();
        match s {
            StatusCode::CREATED => pending.push(v),
            StatusCode::CONFLICT if v["code"] == "card_sold_out" => sold_out += 1,
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!((pending.len(), sold_out), (20, 280));

    // The provider pays one of them, and delivers the event twice.
    let p = &pending[0];
    let body = json!({"id": "evt_http_1", "type": "payment.succeeded",
        "data": {"reference": p["purchase_id"], "amount": p["amount"], "currency": p["currency"]}})
    .to_string();
    let deliver = |body: String, signature: String| {
        let stack = stack.clone();
        async move {
            let res = stack
                .http
                .post(format!("{}/webhooks/payments", stack.url))
                .header("webhook-shop", &stack.shop)
                .header("webhook-signature", signature)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let now = domain::chrono::Utc::now().timestamp();
    let good = api::payments::sign("whsec_e2e_0123456789", now, body.as_bytes());
    assert_eq!(
        deliver(body.clone(), good.clone()).await.1["status"],
        "processed"
    );
    assert_eq!(deliver(body.clone(), good).await.1["status"], "duplicate");
    let forged = api::payments::sign("whsec_somebody_else0", now, body.as_bytes());
    let (s, v) = deliver(body.clone(), forged).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_signature"))
    );

    let buyer = stack.token("customer", p["member_id"].as_str().unwrap());
    let path = format!("/purchases/{}", p["purchase_id"].as_str().unwrap());
    let (_, _, got) = stack
        .send(Method::GET, &path, Some(&buyer), None, None)
        .await;
    assert_eq!(got["status"], "paid");
    stack.check_invariants().await;
}

#[tokio::test]
async fn the_points_seed_examples_hold_over_http() {
    let stack = Stack::new("points");
    stack.setup().await;
    let (s, v) = stack
        .admin(
            Method::PUT,
            "/admin/programs/points",
            None,
            Some(&json!({"enabled": true,
            "name": "Points", "earn": {"points_per_unit": 100}, "redeem": {"points_per_unit": 100},
            "expiry": {"kind": "months", "months": 6}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let placed = domain::chrono::Utc::now().to_rfc3339();
    let order = json!({"member_id": "m1", "currency": "MYR", "total": "30.98",
        "placed_at": placed, "paid_at": placed, "lines": [{"sku": "A1", "amount": "30.98"}]});
    let cashier = stack.token("cashier", "pos-1");
    // 004: MYR 30.98 at 100 points per MYR earns 3098, rounded down; a second call replays.
    let (s, _, first) = stack
        .send(
            Method::POST,
            "/orders/o1/accrue",
            Some(&cashier),
            None,
            Some(&order),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["points_earned"], 3098);
    let (_, _, again) = stack
        .send(
            Method::POST,
            "/orders/o1/accrue",
            Some(&cashier),
            None,
            Some(&order),
        )
        .await;
    assert_eq!(again, first);
    // 004: 387 points at 100 per MYR are a MYR 3.87 discount.
    let me = stack.token("customer", "m1");
    let (s, _, r) = stack
        .send(
            Method::POST,
            "/orders/o2/redeem",
            Some(&me),
            None,
            Some(&json!({"points": 387})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["discount"], "3.87");
    assert_eq!(r["points_balance"], 3098 - 387);
    // A half refund of o1 takes back half of what it earned.
    let (s, _, refund) = stack
        .send(
            Method::POST,
            "/orders/o1/refunds",
            Some(&cashier),
            None,
            Some(&json!({"refund_id": "r1", "amount": "15.49"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{refund}");
    assert_eq!(refund["points_clawed_back"], 1549);
    let (_, m) = stack.admin(Method::GET, "/members/m1", None, None).await;
    assert_eq!(m["points"]["balance"], 3098 - 387 - 1549);
    assert_eq!(
        stack.ledger_sum("m1", "points").await.0,
        Decimal::from(3098 - 387 - 1549)
    );
    stack.check_invariants().await;
}

#[tokio::test]
async fn store_credit_rules_refunds_and_levels_hold_over_http() {
    let stack = Stack::new("credit");
    stack.setup().await;
    let (s, v) = stack
        .admin(
            Method::PUT,
            "/admin/programs/credit",
            None,
            Some(&json!({"enabled": true, "expiry": {"kind": "days", "days": 365}, "rules": [
                {"type": "first_order", "grant": {"fixed": "5.00"}},
                {"type": "each_order", "grant": {"per": "100.00", "give": "2.00"}, "min_order": "50.00"},
                {"type": "registration", "grant": {"fixed": "3.00"}},
                {"type": "order_count", "tiers": [{"orders": 3, "give": "5.00"}]},
                {"type": "cumulative_spend", "every": {"per": "500.00", "give": "10.00"}}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, card) = stack
        .admin(
            Method::POST,
            "/admin/cards",
            None,
            Some(
                &json!({"kind": "rule", "name": "Gold", "validity": {"kind": "permanent"},
                         "rule": {"orders": 3}}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{card}");
    let me = stack.token("customer", "m1");
    let (s, _, joined) = stack
        .send(
            Method::POST,
            "/members/m1/register",
            Some(&me),
            None,
            Some(&json!({"birthday": "1990-04-01"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{joined}");
    assert_eq!(joined["credit_issued"], "3.00");
    let cashier = stack.token("cashier", "pos-1");
    let placed = domain::chrono::Utc::now().to_rfc3339();
    let mut issued = Vec::new();
    for (order, total) in [
        ("o1", "120.00"),
        ("o2", "30.00"),
        ("o3", "60.00"),
        ("o4", "850.00"),
        ("o5", "440.00"),
    ] {
        let (s, _, v) = stack
            .send(
                Method::POST,
                &format!("/orders/{order}/accrue"),
                Some(&cashier),
                None,
                Some(&json!({"member_id": "m1", "currency": "MYR", "total": total, "placed_at": placed})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        issued.push(v["credit_issued"].as_str().unwrap().to_owned());
        if order == "o3" {
            assert_eq!(v["cards_issued"][0]["card_id"], card["card_id"], "{v}");
        }
    }
    // Registration 3; first order 5 + 2; below the minimum 0; third order 5; crossing 500
    // and 1000 gives 20 + 16; the carried 60.00 makes 1500 reachable: 10 + 8.
    assert_eq!(issued, ["7.00", "0.00", "5.00", "36.00", "18.00"]);
    let (_, m) = stack.admin(Method::GET, "/members/m1", None, None).await;
    assert_eq!(m["credit"]["balance"], "69.00", "{m}");
    assert_eq!(m["credit"]["card_no"], joined["card_no"]);
    assert_eq!(m["level"]["name"], "Gold");
    assert_eq!(
        stack.ledger_sum("m1", "credit").await,
        (Decimal::from(69), 8)
    );

    // Refund to credit: capped at what the order paid, one landing per refund id.
    let to_credit = |id: String, amount: &str| json!({"refund_id": id, "member_id": "m1", "amount": amount, "note": "damaged", "notify": true});
    let (s, _, over) = stack
        .send(
            Method::POST,
            "/orders/o2/refund-to-credit",
            Some(&stack.token("admin", "a")),
            None,
            Some(&to_credit("big".into(), "30.01")),
        )
        .await;
    assert_eq!(
        (s, over["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("refund_exceeds_paid")
        )
    );
    let mut set = JoinSet::new();
    for i in 0..30 {
        let (stack, body) = (stack.clone(), to_credit(format!("rc{i}"), "3.00"));
        set.spawn(async move {
            let admin = stack.token("admin", "a");
            stack
                .send(
                    Method::POST,
                    "/orders/o2/refund-to-credit",
                    Some(&admin),
                    None,
                    Some(&body),
                )
                .await
                .0
        });
    }
    let mut landed = 0;
    while let Some(status) = set.join_next().await {
        match status.unwrap() {
            StatusCode::OK => landed += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(landed, 10);
    let (_, m) = stack.admin(Method::GET, "/members/m1", None, None).await;
    assert_eq!(m["credit"]["balance"], "99.00");
    stack.check_invariants().await;
}

/// `Stripe-Signature` values computed by the official `stripe` Python package (the venv's),
/// one `v1` per secret: several while a secret is being rotated.
fn stripe_signature(payload: &str, t: i64, secrets: &[&str]) -> String {
    let script = r#"
import sys
from stripe import WebhookSignature
t, payload = sys.argv[1], sys.stdin.read()
sigs = [WebhookSignature._compute_signature(f"{t}.{payload}", s) for s in sys.argv[2:]]
print(",".join([f"t={t}"] + [f"v1={s}" for s in sigs]))
"#;
    let mut child = std::process::Command::new(loyalty_tests::python())
        .arg("-c")
        .arg(script)
        .arg(t.to_string())
        .args(secrets)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run python with the stripe package");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(payload.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the stripe package signs");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

impl Stack {
    async fn stripe(&self, payload: &str, signature: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .post(format!("{}/webhooks/stripe/{}", self.url, self.shop))
            .header("stripe-signature", signature)
            .header("content-type", "application/json; charset=utf-8")
            .body(payload.to_owned())
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json::<Value>().await.unwrap_or(Value::Null))
    }

    /// A shop in `currency` taking Stripe payments, and a pending purchase of a paid card.
    async fn stripe_purchase(&self, currency: &str, price: &str, buyer: &str) -> Value {
        let (s, v) = self
            .admin(
                Method::PUT,
                "/admin/settings",
                None,
                Some(
                    &json!({"currency": currency, "timezone": "Asia/Kuala_Lumpur",
                             "stripe_webhook_secret": STRIPE_SECRET}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, card) = self
            .admin(
                Method::POST,
                "/admin/cards",
                None,
                Some(
                    &json!({"kind": "paid", "name": "VIP", "price": price, "stock": 5,
                             "gift_pack": {"points": 50}}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{card}");
        let token = self.token("customer", buyer);
        let buy = format!("/cards/{}/purchase", card["card_id"].as_str().unwrap());
        let (s, _, p) = self
            .send(Method::POST, &buy, Some(&token), None, Some(&json!({})))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        p
    }
}

const STRIPE_SECRET: &str = "whsec_e2e_stripe_0123456789abcdef";

/// Shaped like Stripe's fixture for `checkout.session.completed` (trimmed of fields we
/// do not read).
fn checkout_completed(event: &str, purchase: &str, amount_total: i64, currency: &str) -> String {
    json!({"id": event, "object": "event", "api_version": "2024-06-20",
           "created": 1_700_000_000, "livemode": false, "pending_webhooks": 1,
           "request": {"id": null, "idempotency_key": null},
           "type": "checkout.session.completed",
           "data": {"object": {"id": "cs_test_a1b2", "object": "checkout.session",
               "amount_subtotal": amount_total, "amount_total": amount_total,
               "currency": currency, "client_reference_id": purchase, "metadata": {},
               "mode": "payment", "payment_intent": "pi_3abc", "payment_status": "paid",
               "status": "complete"}}})
    .to_string()
}

fn intent_succeeded(event: &str, purchase: &str, received: i64, currency: &str) -> String {
    json!({"id": event, "object": "event", "api_version": "2024-06-20",
           "type": "payment_intent.succeeded",
           "data": {"object": {"id": "pi_3abc", "object": "payment_intent",
               "amount": received, "amount_received": received, "currency": currency,
               "metadata": {"purchase_id": purchase}, "status": "succeeded"}}})
    .to_string()
}

#[tokio::test]
async fn stripe_events_signed_by_the_stripe_package_settle_a_purchase_exactly_once() {
    let stack = Stack::new("stripe");
    let p = stack.stripe_purchase("MYR", "99.00", "m-stripe").await;
    let pid = p["purchase_id"].as_str().unwrap();
    let now = domain::chrono::Utc::now().timestamp();
    let event = checkout_completed("evt_1stripe", pid, 9900, "myr");

    // Forged (another secret) and stale (6 minutes old, or 6 minutes ahead): 401, no effect.
    for sig in [
        stripe_signature(&event, now, &["whsec_somebody_else_0123456789"]),
        stripe_signature(&event, now - 360, &[STRIPE_SECRET]),
        stripe_signature(&event, now + 360, &[STRIPE_SECRET]),
    ] {
        let (s, v) = stack.stripe(&event, &sig).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("bad_signature")),
            "{v}"
        );
    }
    // During a rotation Stripe sends one v1 per secret: the old one still verifies.
    let rotated = stripe_signature(&event, now, &["whsec_old_one_0123456789abc", STRIPE_SECRET]);
    let (s, v) = stack.stripe(&event, &rotated).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("processed")),
        "{v}"
    );
    // The same event again, and the payment intent's own event for the same purchase.
    let (_, v) = stack.stripe(&event, &rotated).await;
    assert_eq!(v["status"], "duplicate");
    let intent = intent_succeeded("evt_2stripe", pid, 9900, "myr");
    let (_, v) = stack
        .stripe(&intent, &stripe_signature(&intent, now, &[STRIPE_SECRET]))
        .await;
    assert_eq!(v["status"], "duplicate");
    // An event about something else the shop sells on Stripe.
    let other =
        json!({"id": "evt_3", "type": "customer.created", "data": {"object": {}}}).to_string();
    let (_, v) = stack
        .stripe(&other, &stripe_signature(&other, now, &[STRIPE_SECRET]))
        .await;
    assert_eq!(v["status"], "ignored");

    let buyer = stack.token("customer", "m-stripe");
    let (_, _, got) = stack
        .send(
            Method::GET,
            &format!("/purchases/{pid}"),
            Some(&buyer),
            None,
            None,
        )
        .await;
    assert_eq!(got["status"], "paid");
    let (_, m) = stack
        .admin(Method::GET, "/members/m-stripe", None, None)
        .await;
    assert_eq!(m["cards"].as_array().unwrap().len(), 1, "{m}");
    // The gift pack once, whatever the number of deliveries.
    assert_eq!(m["points"]["balance"], 50);
    stack.check_invariants().await;
}

#[tokio::test]
async fn stripe_amounts_are_minor_units_yen_has_none_and_a_mismatch_issues_nothing() {
    let stack = Stack::new("stripe-jpy");
    let p = stack.stripe_purchase("JPY", "990", "m-yen").await;
    let pid = p["purchase_id"].as_str().unwrap();
    let now = domain::chrono::Utc::now().timestamp();
    // 99000 would be right for a two-decimal currency: for JPY it is 99,000 yen.
    let wrong = intent_succeeded("evt_yen_1", pid, 99_000, "jpy");
    let (s, v) = stack
        .stripe(&wrong, &stripe_signature(&wrong, now, &[STRIPE_SECRET]))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("amount_mismatch")),
        "{v}"
    );
    let right = intent_succeeded("evt_yen_2", pid, 990, "jpy");
    let (s, v) = stack
        .stripe(&right, &stripe_signature(&right, now, &[STRIPE_SECRET]))
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("processed")),
        "{v}"
    );
    let (_, m) = stack.admin(Method::GET, "/members/m-yen", None, None).await;
    assert_eq!(m["cards"].as_array().unwrap().len(), 1, "{m}");
    stack.check_invariants().await;
}

#[tokio::test]
async fn bytes_and_methods_no_function_sees_get_problem_json_4xx_as_api_gateway_answers() {
    // Hardening: watch answered invalid UTF-8 with its own 500 and TRACE with 501 HTML.
    let stack = Stack::new("edge");
    let token = stack.token("admin", "e2e-admin");
    let res = stack
        .http
        .post(format!("{}/members/m1/adjustments", stack.url))
        .bearer_auth(&token)
        .header("Idempotency-Key", "bad-bytes")
        .header("content-type", "application/json")
        .body(vec![0xff_u8, 0xfe, b'{', 0x80])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "invalid_request"
    );
    for method in ["TRACE", "PROPFIND"] {
        let res = stack
            .http
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}/members/m1", stack.url),
            )
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        assert_eq!(
            res.json::<Value>().await.unwrap()["code"],
            "method_not_allowed"
        );
    }
    stack.touch("m1");
    stack.check_invariants().await;
}

#[tokio::test]
async fn levels_climb_and_a_paid_upgrade_settles_once_over_http() {
    let stack = Stack::new("levels");
    stack.setup().await;
    let (s, v) = stack
        .admin(
            Method::PUT,
            "/admin/programs/points",
            None,
            Some(&json!({"enabled": true, "earn": {"points_per_unit": 1},
                          "redeem": {"points_per_unit": 100}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // 003: a growth ladder with a till default and a paid top level.
    let ladder = json!({"upgrade_by": "growth", "default_till": "base", "levels": [
        {"level_id": "base", "name": "Member", "rank": 0, "threshold": 0},
        {"level_id": "silver", "name": "Silver", "rank": 1, "threshold": 500},
        {"level_id": "gold", "name": "Gold", "rank": 2, "threshold": 2000, "validity_days": 365,
         "paid_upgrade": {"price": "99.00", "reward": {"points": 500, "coupons": ["GOLD10"]}}}]});
    let (s, v) = stack
        .admin(Method::PUT, "/admin/levels", None, Some(&ladder))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut bad = ladder.clone();
    bad["levels"][1]["threshold"] = json!(0);
    let (s, v) = stack
        .admin(Method::PUT, "/admin/levels", None, Some(&bad))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_request"))
    );
    let cashier = stack.token("cashier", "till-1");
    let (s, _, v) = stack
        .send(
            Method::POST,
            "/members/lv1/register",
            Some(&cashier),
            None,
            Some(&json!({"channel": "till"})),
        )
        .await;
    assert_eq!(
        (s, v["level_id"].as_str()),
        (StatusCode::CREATED, Some("base")),
        "{v}"
    );
    let now = domain::chrono::Utc::now().to_rfc3339();
    let (s, _, v) = stack
        .send(
            Method::POST,
            "/orders/lv-o1/accrue",
            Some(&cashier),
            None,
            Some(
                &json!({"member_id": "lv1", "currency": "MYR", "total": "520.00",
                           "placed_at": now, "paid_at": now}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["level_changes"][0]["to"], "silver", "{v}");
    let me = stack.token("customer", "lv1");
    let (_, _, m) = stack
        .send(Method::GET, "/members/lv1", Some(&me), None, None)
        .await;
    assert_eq!(m["level"]["level_id"], "silver", "{m}");
    assert_eq!(m["growth"], 0);
    assert_eq!(m["level"]["progress"]["needed"], 2000);

    let (s, _, p) = stack
        .send(
            Method::POST,
            "/levels/gold/purchase",
            Some(&me),
            None,
            Some(&json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let body = json!({"id": "evt_lvl_http", "type": "payment.succeeded",
        "data": {"reference": p["purchase_id"], "amount": p["amount"], "currency": p["currency"]}})
    .to_string();
    let signature = api::payments::sign(
        "whsec_e2e_0123456789",
        domain::chrono::Utc::now().timestamp(),
        body.as_bytes(),
    );
    for expected in ["processed", "duplicate"] {
        let res = stack
            .http
            .post(format!("{}/webhooks/payments", stack.url))
            .header("webhook-shop", &stack.shop)
            .header("webhook-signature", &signature)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.json::<Value>().await.unwrap()["status"], expected);
    }
    let (_, _, m) = stack
        .send(Method::GET, "/members/lv1", Some(&me), None, None)
        .await;
    assert_eq!(m["level"]["level_id"], "gold", "{m}");
    assert!(m["level"]["valid_until"].is_string(), "{m}");
    assert_eq!(m["points"]["balance"], 1020);
    let (s, _, v) = stack
        .send(
            Method::POST,
            "/levels/gold/purchase",
            Some(&me),
            None,
            Some(&json!({})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("level_not_higher"))
    );
    stack.check_invariants().await;
}

#[tokio::test]
async fn a_checkout_quote_over_http_applies_one_benefit_and_previews_points_without_writing() {
    let stack = Stack::new("quote");
    stack.setup().await;
    let (s, v) = stack
        .admin(
            Method::PUT,
            "/admin/programs/points",
            None,
            Some(&json!({"enabled": true, "earn": {"points_per_unit": 1,
                          "exclude": {"campaign": true, "no_sku": true}},
                          "redeem": {"points_per_unit": 100}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, card) = stack
        .admin(
            Method::POST,
            "/admin/cards",
            None,
            Some(
                &json!({"kind": "free", "name": "Club", "validity": {"kind": "permanent"},
                         "benefits": [{"kind": "discount", "percent": 90}]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{card}");
    let me = stack.token("customer", "qh1");
    let claim = format!("/cards/{}/claim", card["card_id"].as_str().unwrap());
    let (s, _, _) = stack
        .send(Method::POST, &claim, Some(&me), None, Some(&json!({})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let cart = json!({"currency": "MYR", "lines": [
        {"sku": "A1", "category": "toys", "amount": "30.00"},
        {"sku": "B1", "category": "toys", "amount": "10.00", "campaign": true},
        {"sku": null, "category": "bulk", "amount": "5.55"}]});
    let (s, _, q) = stack
        .send(
            Method::POST,
            "/checkout/quote",
            Some(&me),
            None,
            Some(&cart),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(q["applied"]["id"], card["card_id"]);
    // 10% per line, half-even: 3.00 + 1.00 + 0.56 (0.555 -> 0.56).
    assert_eq!(q["discount"], "4.56");
    assert_eq!(q["total"], "40.99");
    // 003: the campaign line and the line without a sku earn nothing in the preview too.
    assert_eq!(q["points"]["earn"], 27);
    // Nothing was written: the member still reads as before.
    let (_, _, m) = stack
        .send(Method::GET, "/members/qh1", Some(&me), None, None)
        .await;
    assert_eq!(m["points"]["balance"], 0);
    let mut chosen = cart.clone();
    chosen["card_id"] = json!("card_nobody_holds");
    let (s, _, v) = stack
        .send(
            Method::POST,
            "/checkout/quote",
            Some(&me),
            None,
            Some(&chosen),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("card_not_usable"))
    );
    stack.check_invariants().await;
}

#[tokio::test]
async fn stored_value_is_recharged_spent_refunded_and_its_recharge_refunded_over_http() {
    let stack = Stack::new("value");
    stack.setup().await;
    let (s, v) = stack
        .admin(
            Method::PUT,
            "/admin/programs/value",
            None,
            Some(
                &json!({"enabled": true, "any_amount": true, "min_amount": "10.00", "rules": [
                {"rule_id": "r100", "name": "Top up 100, get 10", "pay": "100.00",
                 "gifts": {"value": "10.00"}, "channels": ["till", "online"]}]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let cashier = stack.token("cashier", "till-1");
    let (s, _, done) = stack
        .send(
            Method::POST,
            "/members/sv1/recharges",
            Some(&cashier),
            Some("sv-k1"),
            Some(&json!({"rule_id": "r100", "channel": "till"})),
        )
        .await;
    assert_eq!(
        (s, done["value_balance"].as_str()),
        (StatusCode::CREATED, Some("110.00")),
        "{done}"
    );
    stack.check_invariants().await;
    let now = domain::chrono::Utc::now().to_rfc3339();
    let (s, _, v) = stack
        .send(
            Method::POST,
            "/orders/sv-o1/accrue",
            Some(&cashier),
            None,
            Some(
                &json!({"member_id": "sv1", "currency": "MYR", "total": "50.00",
                           "placed_at": now, "paid_at": now}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _, v) = stack
        .send(
            Method::POST,
            "/orders/sv-o1/redeem",
            Some(&cashier),
            None,
            Some(&json!({"member_id": "sv1", "value": "30.00"})),
        )
        .await;
    assert_eq!(
        (s, v["value_balance"].as_str()),
        (StatusCode::OK, Some("80.00")),
        "{v}"
    );
    stack.check_invariants().await;
    let (s, v) = stack
        .admin(
            Method::POST,
            "/orders/sv-o1/refunds",
            None,
            Some(&json!({"refund_id": "sv-r1", "amount": "50.00", "member_id": "sv1"})),
        )
        .await;
    assert_eq!(
        (s, v["value_restored"].as_str()),
        (StatusCode::OK, Some("30.00")),
        "{v}"
    );
    stack.check_invariants().await;
    let refund = format!(
        "/admin/recharges/{}/refund",
        done["recharge_id"].as_str().unwrap()
    );
    let (s, v) = stack
        .admin(
            Method::POST,
            &refund,
            None,
            Some(&json!({"reason": "returned"})),
        )
        .await;
    assert_eq!(
        (s, v["value_taken_back"].as_str()),
        (StatusCode::OK, Some("110.00")),
        "{v}"
    );
    let (s, v) = stack
        .admin(
            Method::POST,
            &refund,
            None,
            Some(&json!({"reason": "again"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("refund_exceeds_paid")
        )
    );
    stack.check_invariants().await;
}
