//! One delivery's attempt, claimed, sent and recorded, and its endpoint's record of how it
//! went. Apart from the lanes and workers that schedule attempts.

use super::sender::send;
use super::sender::Sender;
use super::tally::Tally;
use super::OPERATION;
use domain::chrono::{DateTime, Utc};
use domain::webhook::{self, Delivery, Endpoint, Outcome};
use domain::ShopId;
use store::webhooks::{self as stored, Stored};
use store::{keys, settings, StoreError};

/// One delivery: claimed, sent, recorded; its endpoint told how it went.
pub(crate) async fn attempt(
    ctx: &api::Ctx,
    http: &Sender,
    d: Stored,
    endpoint: Option<Endpoint>,
    now: DateTime<Utc>,
) -> Result<Tally, StoreError> {
    let Some(endpoint) = endpoint.filter(|e| e.disabled.is_none()) else {
        // Disabled or deleted: it waits for the merchant's recovery, out of the index.
        let parked = ctx.store.set_delivery(&d, &d.delivery.parked()).await?;
        return Ok(Tally {
            parked: u64::from(parked),
            skipped: u64::from(!parked),
            ..Tally::default()
        });
    };
    let lease = stored::CLAIM_LEASE;
    let claim = Delivery {
        next_attempt_at: Some(now + lease),
        ..d.delivery.clone()
    };
    if !ctx.store.set_delivery(&d, &claim).await? {
        return Ok(Tally {
            skipped: 1,
            ..Tally::default()
        });
    }
    let claimed = Stored {
        delivery: claim,
        version: d.version + 1,
        ..d
    };
    let (status, retry_after) = send(http, &endpoint, &claimed, now).await;
    let jitter = u64::from(rand::random::<u8>()) % (webhook::MAX_JITTER_PER_MILLE + 1);
    let (next, outcome) = claimed
        .delivery
        .after_attempt(status, retry_after, jitter, now);
    ctx.store.set_delivery(&claimed, &next).await?;
    let mut told = endpoint.clone();
    if told.after_attempt(outcome, now) {
        record_endpoint(ctx, &claimed.shop, &endpoint.endpoint_id, outcome, now).await?;
    }
    let disabled = u64::from(told.disabled.is_some());
    tracing::info!(
        operation = OPERATION,
        message_id = %claimed.message_id,
        endpoint_id = %endpoint.endpoint_id,
        status = ?status,
        outcome = ?outcome,
        attempts = next.attempts,
        "attempted"
    );
    Ok(Tally::attempted(next.status, disabled))
}

/// Applies an attempt's outcome to the endpoint as stored now (a failing streak starting or
/// ending, a 410 or five days of failures disabling it), with the settings' types when they
/// change. A lost race is tried again from a fresh read.
pub(crate) async fn record_endpoint(
    ctx: &api::Ctx,
    shop: &ShopId,
    endpoint_id: &str,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for attempt in 0..4 {
        if attempt > 0 {
            store::backoff(attempt).await;
        }
        let snapshot = ctx
            .store
            .load(&[keys::webhooks(shop), keys::settings(shop)])
            .await?;
        let mut endpoints = stored::read(&snapshot, shop)?;
        let Some(e) = endpoints.get_mut(endpoint_id) else {
            return Ok(());
        };
        if !e.after_attempt(outcome, now) {
            return Ok(());
        }
        if let Some(why) = e.disabled {
            tracing::warn!(
                operation = OPERATION,
                endpoint_id,
                reason = why.as_str(),
                "endpoint disabled"
            );
        }
        let current = settings::read(&snapshot, shop)?;
        let writes = stored::put_with_types(shop, endpoints, current.as_ref());
        match ctx.store.commit(writes).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_race() => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
