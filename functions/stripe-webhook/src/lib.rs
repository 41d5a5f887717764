//! POST /webhooks/stripe/{shop}: Stripe's own events, verified exactly as Stripe signs them
//! (`Stripe-Signature: t=<unix>,v1=<hex>[,v1=...][,v0=...]`, HMAC-SHA256 of "<t>.<raw body>"
//! with the shop's endpoint secret, 5 minutes either way), settled by the same path as the
//! generic webhook (api::payments). The Stripe event id is the idempotency key.
//!
//! Handled: `checkout.session.completed` (only `payment_status: "paid"` settles; delayed
//! methods settle with `checkout.session.async_payment_succeeded`, and
//! `async_payment_failed` releases), `payment_intent.succeeded` and
//! `payment_intent.payment_failed`. Everything else, and payments that do not name one of
//! our purchases (the shop's other Stripe sales), answers 200 `ignored`: Stripe retries any
//! other answer for days.

use api::input;
use api::payments::{self, Delivery, Outcome, Paid, PaymentEvent};
use api::{ApiError, Ctx, Reply};
use domain::ShopId;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

pub const OPERATION: &str = "stripe-webhook";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    purchase_id: Option<String>,
}

/// The fields of a Checkout Session or a PaymentIntent that settling reads.
#[derive(Debug, Deserialize)]
struct Object {
    #[serde(default)]
    client_reference_id: Option<String>,
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    amount_total: Option<i64>,
    #[serde(default)]
    amount_received: Option<i64>,
    #[serde(default)]
    amount: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    payment_status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Data {
    object: Object,
}

#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: Data,
}

/// What an event means for our purchases; `Ok(None)` when it means nothing.
fn event(raw: &[u8]) -> Result<Option<PaymentEvent>, String> {
    let e: Event =
        serde_json::from_slice(raw).map_err(|err| format!("not a Stripe event: {err}"))?;
    let o = &e.data.object;
    let metadata_id = o.metadata.as_ref().and_then(|m| m.purchase_id.clone());
    let (outcome, purchase_id, minor) = match e.kind.as_str() {
        "checkout.session.completed" if o.payment_status.as_deref() == Some("paid") => (
            Outcome::Succeeded,
            o.client_reference_id.clone().or(metadata_id),
            o.amount_total,
        ),
        "checkout.session.async_payment_succeeded" => (
            Outcome::Succeeded,
            o.client_reference_id.clone().or(metadata_id),
            o.amount_total,
        ),
        "checkout.session.async_payment_failed" => (
            Outcome::Failed,
            o.client_reference_id.clone().or(metadata_id),
            o.amount_total,
        ),
        "payment_intent.succeeded" => (Outcome::Succeeded, metadata_id, o.amount_received),
        // A failed intent received nothing: the amount it was for is what must match.
        "payment_intent.payment_failed" => (Outcome::Failed, metadata_id, o.amount),
        _ => return Ok(None),
    };
    let Some(purchase_id) = purchase_id.filter(|p| payments::parse_purchase_id(p).is_some()) else {
        return Ok(None);
    };
    let (Some(minor), Some(currency)) = (minor, o.currency.clone()) else {
        return Err(format!("{} without an amount and currency", e.kind));
    };
    Ok(Some(PaymentEvent {
        id: e.id,
        outcome,
        purchase_id,
        paid: Paid::Minor(minor),
        currency,
    }))
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    // Any shop id that is not a valid one has no secret either: the same 401.
    let shop = input::path_param(&req, "shop")
        .ok()
        .and_then(|s| ShopId::parse(&s).ok())
        .ok_or_else(|| payments::bad_signature("no such shop"))?;
    let raw = input::raw_body(&req);
    payments::process(
        ctx,
        Delivery {
            shop,
            operation: OPERATION,
            provider: "stripe",
            secret: |s| s.stripe_webhook_secret.as_deref(),
            signature: input::header(&req, "stripe-signature"),
            raw,
            event: event(raw),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PID: &str = "card_x~m1~0123456789abcdef";

    fn session(kind: &str, payment_status: &str) -> Vec<u8> {
        // Shaped like Stripe's own fixture for a Checkout Session event (trimmed).
        json!({"id": "evt_1", "object": "event", "api_version": "2024-06-20",
               "created": 1_700_000_000, "livemode": false, "pending_webhooks": 1,
               "request": {"id": null, "idempotency_key": null}, "type": kind,
               "data": {"object": {"id": "cs_test_a1", "object": "checkout.session",
                   "amount_subtotal": 9900, "amount_total": 9900, "currency": "myr",
                   "client_reference_id": PID, "metadata": {}, "mode": "payment",
                   "payment_intent": "pi_1", "payment_status": payment_status,
                   "status": "complete"}}})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn only_a_paid_checkout_session_settles_an_unpaid_one_waits_for_its_async_event() {
        let e = event(&session("checkout.session.completed", "paid"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (e.outcome, e.purchase_id.as_str()),
            (Outcome::Succeeded, PID)
        );
        assert_eq!(e.paid, Paid::Minor(9900));
        assert!(event(&session("checkout.session.completed", "unpaid"))
            .unwrap()
            .is_none());
        let later = event(&session("checkout.session.async_payment_succeeded", "paid"));
        assert_eq!(later.unwrap().unwrap().outcome, Outcome::Succeeded);
        assert!(event(&session("customer.created", "paid"))
            .unwrap()
            .is_none());
    }

    #[test]
    fn payment_intents_name_the_purchase_in_metadata_and_others_are_ignored() {
        let intent = |kind: &str, metadata: serde_json::Value| {
            json!({"id": "evt_2", "object": "event", "type": kind,
                   "data": {"object": {"id": "pi_1", "object": "payment_intent",
                       "amount": 990, "amount_received": 990, "currency": "jpy",
                       "metadata": metadata, "status": "succeeded"}}})
            .to_string()
            .into_bytes()
        };
        let e = event(&intent(
            "payment_intent.succeeded",
            json!({"purchase_id": PID}),
        ))
        .unwrap()
        .unwrap();
        assert_eq!((e.paid, e.currency.as_str()), (Paid::Minor(990), "jpy"));
        let failed = event(&intent(
            "payment_intent.payment_failed",
            json!({"purchase_id": PID}),
        ));
        assert_eq!(failed.unwrap().unwrap().outcome, Outcome::Failed);
        // The shop's other Stripe sales carry no purchase of ours.
        assert!(event(&intent("payment_intent.succeeded", json!({})))
            .unwrap()
            .is_none());
        assert!(event(&intent(
            "payment_intent.succeeded",
            json!({"purchase_id": "x"})
        ))
        .unwrap()
        .is_none());
        assert!(event(b"not json").is_err());
    }
}
