//! The write path every state change takes: one consistent read of everything it needs
//! (with its idempotency record), a pure decision, one transaction with the idempotency
//! record, the state, the ledger and the outbox. Lost races re-read and decide again.

use std::time::{Duration, Instant};

use domain::chrono::{DateTime, Utc};
use domain::{IdempotencyKey, ShopId};
use lambda_http::http::StatusCode;
use serde_json::Value;
use store::idempotency::{self, Record};
use store::{Key, Snapshot, Write};

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::reply::Reply;

/// Attempts and wall time a request may spend re-deciding after lost races before it gives
/// up with a retryable 503. Enough for a hundred instances spending from one balance.
const MAX_ATTEMPTS: u32 = 60;
const BUDGET: Duration = Duration::from_secs(20);

/// What a decision commits and answers.
#[derive(Debug)]
pub struct Decision {
    pub writes: Vec<Write>,
    pub status: StatusCode,
    pub body: Value,
}

/// An idempotency key and the fingerprint of the request that carries it.
#[derive(Debug, Clone)]
pub struct Once {
    pub key: IdempotencyKey,
    pub fingerprint: String,
}

/// Runs `decide` over a fresh snapshot of `keys` until its writes commit, a rule refuses,
/// or the idempotency record shows the work was already done (then its response is
/// replayed, byte for byte).
pub async fn execute<F>(
    ctx: &Ctx,
    shop: &ShopId,
    once: Option<&Once>,
    mut keys: Vec<Key>,
    mut decide: F,
) -> Result<Reply, ApiError>
where
    F: FnMut(&Snapshot, DateTime<Utc>) -> Result<Decision, ApiError>,
{
    if let Some(once) = once {
        keys.push(store::keys::idempotency(shop, &once.key));
    }
    let started = Instant::now();
    for attempt in 0..MAX_ATTEMPTS {
        if attempt > 0 {
            if started.elapsed() > BUDGET {
                break;
            }
            store::backoff(attempt).await;
        }
        let snapshot = ctx.store.load(&keys).await?;
        if let Some(once) = once {
            if let Some(done) = idempotency::read(&snapshot, shop, &once.key)? {
                if done.request_hash != once.fingerprint {
                    return Err(ApiError::IdempotencyKeyReused);
                }
                return Ok(Reply::replayed(done.status, done.body));
            }
        }
        let now = ctx.now();
        let decision = decide(&snapshot, now)?;
        let body = decision.body.to_string();
        let mut writes = Vec::with_capacity(decision.writes.len() + 1);
        if let Some(once) = once {
            writes.push(idempotency::put(
                shop,
                &once.key,
                &Record {
                    request_hash: once.fingerprint.clone(),
                    status: decision.status.as_u16(),
                    body: body.clone(),
                    created_at: now,
                },
            ));
        }
        writes.extend(decision.writes);
        match ctx.store.commit(writes).await {
            Ok(()) => return Ok(Reply::new(decision.status, body)),
            Err(err) if err.is_race() => {
                tracing::debug!(attempt, "lost a race; re-reading");
                continue;
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::Contention)
}
