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
use api::payments::{self, Provider};
use api::{ApiError, Ctx, Reply};
use domain::ShopId;
use lambda_http::{Body, Request, Response};

pub const OPERATION: &str = "stripe-webhook";

/// Stripe: the shop in the path, its signature in `Stripe-Signature`.
const STRIPE: Provider = Provider {
    name: "stripe",
    secret: |s| s.stripe_webhook_secret.as_deref(),
    signature_header: "stripe-signature",
    event: api::stripe::event,
};

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    // Any shop id that is not a valid one has no secret either: the same 401.
    let shop = input::path_param(&req, "shop")
        .ok()
        .and_then(|s| ShopId::parse(&s).ok())
        .ok_or_else(|| payments::bad_signature("no such shop"))?;
    payments::receive(ctx, OPERATION, &req, shop, &STRIPE).await
}
