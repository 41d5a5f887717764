//! Stripe's webhooks exactly as Stripe signs them (the official package computes the
//! signatures): a purchase settled once, amounts in minor units.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::stack::Stack;

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
        self.configure(
            "/admin/settings",
            json!({"currency": currency, "timezone": "Asia/Kuala_Lumpur",
                             "stripe_webhook_secret": STRIPE_SECRET}),
        )
        .await;
        let card = self
            .create_card(
                json!({"kind": "paid", "name": "VIP", "price": price, "stock": 5,
                             "gift_pack": {"points": 50}}),
            )
            .await;
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
