//! The write path every state change takes: one consistent read of everything it needs
//! (with its idempotency record), a pure decision, one transaction with the idempotency
//! record, the state, the ledger and the outbox. Lost races re-read and decide again.

use std::time::{Duration, Instant};

use domain::chrono::{DateTime, Utc};
use domain::{IdempotencyKey, ShopId};
use lambda_http::http::StatusCode;
use serde_json::Value;
use store::idempotency::{self, Record};
use store::{Cancel, Key, Snapshot, StoreError, Write};

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::reply::Reply;

/// Attempts and wall time a request may spend re-deciding after lost races before it gives
/// up with a retryable 503. Enough for a hundred instances spending from one balance; the
/// budget plus one more load and commit at the store's operation timeout (6 s each) stays
/// inside the function's 28 s timeout in template.yaml.
const MAX_ATTEMPTS: u32 = 60;
/// Further reads one decision may ask for (coupons named by a grant, then their counters).
const MAX_MORE: u32 = 3;
const BUDGET: Duration = Duration::from_secs(14);

/// What a decision commits and answers.
#[derive(Debug)]
pub struct Decision {
    pub writes: Vec<Write>,
    pub status: StatusCode,
    pub body: Value,
    /// Conditions whose failure is the answer, not a lost race, named by the item they are
    /// on: a stock decrement that finds nothing left means sold out.
    pub guards: Vec<(Key, ApiError)>,
    /// What the operation tells the shop's webhook endpoints besides its ledger entries
    /// (those tell themselves: `crate::webhooks`), as (type, data).
    pub events: Vec<(&'static str, Value)>,
}

impl Decision {
    /// `writes`, answered `status` with `reply` (a `Serialize` type of `crate::render` or
    /// of the operation).
    pub fn new(
        writes: Vec<Write>,
        status: StatusCode,
        reply: &impl serde::Serialize,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            writes,
            status,
            body: crate::render::body(reply)?,
            guards: Vec::new(),
            events: Vec::new(),
        })
    }

    pub fn ok(writes: Vec<Write>, reply: &impl serde::Serialize) -> Result<Self, ApiError> {
        Self::new(writes, StatusCode::OK, reply)
    }

    /// If the write to the item at `key` fails its condition, answer `refusal` instead of
    /// retrying.
    pub fn guard(mut self, key: Key, refusal: ApiError) -> Self {
        self.guards.push((key, refusal));
        self
    }

    /// Tells the shop's endpoints that take `kind` (API 1.2 outbound webhooks).
    pub fn tell(mut self, events: impl IntoIterator<Item = (&'static str, Value)>) -> Self {
        self.events.extend(events);
        self
    }
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
        keys.extend(legacy(shop, &once.key));
    }
    // The settings say which message types the shop's endpoints take; most operations read
    // them anyway (the load asks for each key once).
    keys.push(store::keys::settings(shop));
    let started = Instant::now();
    // A decision that needs more than was read (`ApiError::ReadMore`) reads it and decides
    // again at once: a round trip per level of need, at most `MAX_MORE`.
    let mut more_reads = 0;
    let mut attempt = 0;
    while attempt < MAX_ATTEMPTS {
        if attempt > 0 {
            if started.elapsed() > BUDGET {
                break;
            }
            store::backoff(attempt).await;
        }
        attempt += 1;
        let snapshot = ctx.store.load(&keys).await?;
        let now = ctx.now();
        if let Some(once) = once {
            if let Some(done) = idempotency::read(&snapshot, shop, &once.key, now)? {
                if done.request_hash != once.fingerprint {
                    return Err(ApiError::IdempotencyKeyReused);
                }
                return Ok(Reply::replayed(done.status, done.body));
            }
            // A record of this very request under the spelling before issue 31 replays it;
            // anything else there is a caller's key that spelled it, which decides nothing.
            if let Some(old) = store::keys::once::legacy(&once.key) {
                match idempotency::read(&snapshot, shop, &old, now)? {
                    Some(done) if done.request_hash == once.fingerprint => {
                        return Ok(Reply::replayed(done.status, done.body));
                    }
                    _ => {}
                }
            }
        }
        let decision = match decide(&snapshot, now) {
            Err(ApiError::ReadMore(more)) if more_reads < MAX_MORE => {
                more_reads += 1;
                keys.extend(more);
                attempt -= 1;
                continue;
            }
            decided => decided?,
        };
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
        let settings = store::settings::read(&snapshot, shop)?;
        let effects = crate::effects::of(
            settings.as_ref(),
            shop,
            (&decision.writes, Some(&snapshot)),
            &decision.events,
            now,
        );
        writes.extend(decision.writes);
        if writes.is_empty() {
            // Nothing to change (a settled webhook event seen again): answer as decided.
            return Ok(Reply::new(decision.status, body));
        }
        writes.extend(effects);
        let written: Vec<Option<Key>> = writes.iter().map(Write::key).collect();
        let err = match ctx.store.commit(writes).await {
            Ok(()) => return Ok(Reply::new(decision.status, body)),
            Err(err) => err,
        };
        if let StoreError::Cancelled(reasons) = &err {
            if let Some(hit) = guarded(&decision.guards, &written, reasons) {
                let mut guards = decision.guards;
                return Err(guards.swap_remove(hit).1);
            }
        }
        if !err.is_race() {
            return Err(err.into());
        }
        tracing::debug!(attempt, "lost a race; re-reading");
    }
    Err(ApiError::Contention)
}

/// The record key of a derived key's spelling before issue 31, read beside it for a day.
fn legacy(shop: &ShopId, key: &IdempotencyKey) -> Option<Key> {
    store::keys::once::legacy(key).map(|old| store::keys::idempotency(shop, &old))
}

/// The first guard whose item's condition failed, if any.
fn guarded(
    guards: &[(Key, ApiError)],
    written: &[Option<Key>],
    reasons: &[Cancel],
) -> Option<usize> {
    let failed: Vec<&Key> = written
        .iter()
        .zip(reasons)
        .filter(|(_, r)| **r == Cancel::ConditionFailed)
        .filter_map(|(k, _)| k.as_ref())
        .collect();
    guards.iter().position(|(k, _)| failed.contains(&k))
}
