//! Stripe's event shapes (https://docs.stripe.com/api/events/object), read into a
//! `PaymentEvent`: Checkout Sessions name the purchase in `client_reference_id` (or
//! `metadata.purchase_id`) and pay `amount_total`; PaymentIntents name it in
//! `metadata.purchase_id` and receive `amount_received`. Amounts are in minor units.

use serde::Deserialize;

use crate::payments::{parse_purchase_id, Outcome, Paid, PaymentEvent};

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
pub fn event(raw: &[u8]) -> Result<Option<PaymentEvent>, String> {
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
    let Some(purchase_id) = purchase_id.filter(|p| parse_purchase_id(p).is_some()) else {
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
