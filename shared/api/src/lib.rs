//! The HTTP edge shared by every function: auth, input parsing, the idempotent write path,
//! problem+json errors and the Lambda wiring with one log line per request.

pub mod auth;
pub mod checkout;
pub mod coupons;
pub mod ctx;
pub mod effects;
pub mod error;
pub mod exec;
pub mod input;
pub mod issuing;
pub mod levels;
pub mod logging;
pub mod metrics;
pub mod payments;
pub mod postings;
pub mod purchasing;
pub mod recharge;
pub mod render;
pub mod reply;
pub mod sheet;
pub mod stripe;
pub mod webhooks;
pub mod work;

use std::future::Future;
use std::time::Instant;

use domain::chrono::{DateTime, Utc};

use lambda_http::{service_fn, Body, Request, RequestExt, Response};
use tracing::Instrument;

pub use auth::{Principal, Role, EVERYONE, MANAGERS, STAFF, TILL};
pub use ctx::{Clock, Ctx};
pub use error::ApiError;
pub use exec::{execute, Decision, Once};
pub use reply::{respond, Reply};

pub use store::ids::entry_ids;

/// The shop's settings, which money needs: a shop without them cannot take amounts yet.
pub fn require_settings(
    snapshot: &store::Snapshot,
    shop: &domain::ShopId,
) -> Result<domain::Settings, ApiError> {
    store::settings::read(snapshot, shop)?.ok_or_else(ApiError::not_configured)
}

/// Who an operation acts for: the verified shop, the member it is about, and who acts (for
/// the ledger).
#[derive(Debug, Clone)]
pub struct Acting {
    pub shop: domain::ShopId,
    pub member: domain::MemberId,
    pub actor: String,
}

impl Acting {
    /// The keys a change to this member reads in its one BatchGetItem: the shop's settings,
    /// the member's three accounts, and `more` (the order, the profile, programs...).
    pub fn reads(&self, more: impl IntoIterator<Item = store::Key>) -> Vec<store::Key> {
        let (shop, member) = (&self.shop, &self.member);
        let mut keys = vec![
            store::keys::settings(shop),
            store::keys::account(shop, member, domain::AccountKind::Points),
            store::keys::account(shop, member, domain::AccountKind::Credit),
            store::keys::account(shop, member, domain::AccountKind::Value),
        ];
        // A key given again in `more` costs nothing: `Store::load` reads each key once.
        keys.extend(more);
        keys
    }

    /// Posts this member's account changes at `now`.
    pub fn posting<'a>(
        &'a self,
        currency: Option<&'a domain::Currency>,
        now: DateTime<Utc>,
    ) -> postings::Posting<'a> {
        postings::Posting {
            shop: &self.shop,
            member: &self.member,
            actor: &self.actor,
            currency,
            now,
        }
    }
}

/// The local stack (`LOYALTY_LOCAL=1`, set by `make run` and the tests), where plain-http
/// links to localhost are fine because nothing there has a certificate.
pub fn local_stack() -> bool {
    std::env::var("LOYALTY_LOCAL").as_deref() == Ok("1")
}

/// The one door of every bearer-token operation: verifies the token, puts the shop on the
/// request's log line, and refuses roles outside `roles` (403).
pub fn authorize(ctx: &Ctx, req: &Request, roles: &[Role]) -> Result<Principal, ApiError> {
    let principal = ctx.auth.authenticate(req)?;
    record_shop(&principal);
    principal.require(roles)?;
    Ok(principal)
}

/// The door of the shop's set-up (cards, levels, programs; 002): every staff role reads it
/// (the till shows it), only admin and owner change it. The principal, and whether this
/// request only reads (a GET).
pub fn authorize_setup(ctx: &Ctx, req: &Request) -> Result<(Principal, bool), ApiError> {
    let reading = req.method() == lambda_http::http::Method::GET;
    let principal = authorize(ctx, req, if reading { STAFF } else { MANAGERS })?;
    Ok((principal, reading))
}

/// The end of every invocation, a request's or a job's: one structured log line (no personal
/// data: the shop is the only thing about whom) and one EMF line of its own, which
/// CloudWatch turns into metrics without an API call.
fn finish(
    ctx: &Ctx,
    operation: &'static str,
    status: u16,
    code: Option<&str>,
    item_failures: u64,
    started: Instant,
    calls_before: &store::Calls,
) {
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let calls = ctx.store.calls().since(calls_before);
    tracing::info!(
        status,
        outcome = match status {
            0..=399 => "ok",
            400..=499 => "refused",
            _ => "failed",
        },
        code = code.unwrap_or(""),
        item_failures,
        latency_ms,
        ddb_reads = calls.reads(),
        ddb_writes = calls.writes(),
        ddb_capacity_units = calls.capacity_units(),
        "handled"
    );
    println!(
        "{}",
        metrics::emf(&metrics::Outcome {
            operation,
            status,
            code,
            item_failures,
            latency_ms,
            ddb_reads: calls.reads(),
            ddb_writes: calls.writes(),
            timestamp_ms: ctx.now().timestamp_millis(),
        })
    );
}

/// The Lambda entry point of a function an event source invokes (the table's stream, a
/// schedule): the context built once per cold start, and the same log and EMF lines per
/// invocation as a request's. A failed invocation counts as a 500 with code `job_failed`
/// (Lambda retries it or sends it to the on-failure destination); the records a stream
/// consumer hands back in `batchItemFailures` count as `ItemFailures`.
pub async fn run_job<H, F>(operation: &'static str, handler: H) -> Result<(), lambda_http::Error>
where
    H: Fn(&'static Ctx, serde_json::Value) -> F + Send + Sync + 'static,
    F: Future<Output = Result<serde_json::Value, lambda_http::Error>> + Send,
{
    use lambda_http::lambda_runtime::{run, LambdaEvent};
    logging::init();
    let ctx: &'static Ctx = Box::leak(Box::new(Ctx::from_env()?));
    let handler = &handler;
    run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let started = Instant::now();
            let calls_before = ctx.store.calls();
            let span = tracing::info_span!(
                "invocation",
                operation,
                request_id = %event.context.request_id
            );
            let result = handler(ctx, event.payload).instrument(span.clone()).await;
            let _entered = span.enter();
            match &result {
                Ok(answer) => {
                    let item_failures = answer
                        .get("batchItemFailures")
                        .and_then(serde_json::Value::as_array)
                        .map_or(0, |f| f.len() as u64);
                    finish(
                        ctx,
                        operation,
                        200,
                        None,
                        item_failures,
                        started,
                        &calls_before,
                    );
                }
                Err(e) => {
                    tracing::error!(error = %e, "invocation failed");
                    finish(
                        ctx,
                        operation,
                        500,
                        Some("job_failed"),
                        0,
                        started,
                        &calls_before,
                    );
                }
            }
            result
        },
    ))
    .await
}

/// Records the verified shop on the request's log line.
pub fn record_shop(principal: &Principal) {
    record_shop_id(&principal.shop);
}

pub fn record_shop_id(shop: &domain::ShopId) {
    tracing::Span::current().record("shop", shop.as_str());
}

/// The Lambda entry point of one function: tracing (JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`),
/// the context built once per cold start, and one structured log line per request.
pub async fn run<H, F>(operation: &'static str, handler: H) -> Result<(), lambda_http::Error>
where
    H: Fn(&'static Ctx, Request) -> F + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send,
{
    logging::init();
    let ctx: &'static Ctx = Box::leak(Box::new(Ctx::from_env()?));
    let handler = &handler;
    lambda_http::run(service_fn(move |req: Request| async move {
        let started = Instant::now();
        let calls_before = ctx.store.calls();
        let request_id = req
            .lambda_context_ref()
            .map(|c| c.request_id.clone())
            .unwrap_or_default();
        // API Gateway's own id, the one a client's error report and the access log carry.
        let api_request_id = match req.request_context_ref() {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) => {
                c.request_id.clone().unwrap_or_default()
            }
            _ => String::new(),
        };
        let span = tracing::info_span!(
            "request",
            operation,
            request_id = %request_id,
            api_request_id = %api_request_id,
            shop = tracing::field::Empty
        );
        let response = handler(ctx, req).instrument(span.clone()).await;
        let _entered = span.enter();
        let status = response.status().as_u16();
        let code = (status >= 400)
            .then(|| metrics::problem_code(response.body().as_ref()))
            .flatten();
        finish(
            ctx,
            operation,
            status,
            code.as_deref(),
            0,
            started,
            &calls_before,
        );
        Ok::<_, std::convert::Infallible>(reply::AsIs(response))
    }))
    .await
}
