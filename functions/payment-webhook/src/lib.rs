//! POST /webhooks/payments: the payment provider settles a purchase. Signed with
//! HMAC-SHA256 over "<t>.<raw body>" with the shop's webhook secret; the event id is the
//! idempotency key; amount and currency must match the purchase (api::payments).

use api::input;
use api::payments::{self, Outcome, Paid, PaymentEvent, Provider};
use api::{ApiError, Ctx, Reply};
use domain::ShopId;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

pub const OPERATION: &str = "payment-webhook";

/// The generic format: the shop in `Webhook-Shop`, its signature in `Webhook-Signature`.
const GENERIC: Provider = Provider {
    name: "evt",
    secret: |s| s.webhook_secret.as_deref(),
    signature_header: "webhook-signature",
    event,
};

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

#[derive(Debug, Deserialize)]
struct RawData {
    reference: String,
    amount: String,
    currency: String,
}

#[derive(Debug, Deserialize)]
struct RawEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: RawData,
}

/// The generic event in settling's terms; an unknown type is refused (this format has two).
fn event(raw: &[u8]) -> Result<Option<PaymentEvent>, String> {
    let e: RawEvent = serde_json::from_slice(raw)
        .map_err(|_| "the event is not valid JSON of the documented shape".to_owned())?;
    let outcome = match e.kind.as_str() {
        "payment.succeeded" => Outcome::Succeeded,
        "payment.failed" => Outcome::Failed,
        other => return Err(format!("unknown event type {other:?}")),
    };
    Ok(Some(PaymentEvent {
        id: e.id,
        outcome,
        purchase_id: e.data.reference,
        paid: Paid::Decimal(e.data.amount),
        currency: e.data.currency,
    }))
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let shop = input::header(&req, "webhook-shop")
        .and_then(|s| ShopId::parse(s).ok())
        .ok_or_else(|| payments::bad_signature("missing or invalid Webhook-Shop"))?;
    payments::receive(ctx, OPERATION, &req, shop, &GENERIC).await
}
