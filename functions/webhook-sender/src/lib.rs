//! Sends due webhook deliveries (API 1.2 outbound webhooks). Invoked every minute, it sweeps
//! the sparse due index about once a second for the rest of the minute, so a new message
//! leaves within a second or two of its delivery being written and a 5-second retry comes 5
//! seconds later. Each delivery is claimed first (a conditional write that moves it out of
//! the index for `CLAIM_LEASE`), then sent, then recorded; sends run side by side, at most
//! `PER_ENDPOINT` at a time to one endpoint, so a slow endpoint holds its own slots for at
//! most 15 s each and never another shop's.

use std::time::{Duration, Instant};

use domain::chrono::{DateTime, Utc};
use domain::lanes::{Lane, Lanes};
use domain::webhook::Endpoint;
use store::webhooks::Stored;
use store::StoreError;

mod sender;
pub use sender::Sender;

mod tally;
pub use tally::Tally;

mod attempt;
use attempt::attempt;

mod due;
use due::{due, endpoint_of};

pub const OPERATION: &str = "webhook-sender";

/// Due deliveries read from each shard per sweep.
const PER_SHARD: i32 = 100;
/// Sends in flight to one endpoint at most.
pub const PER_ENDPOINT: usize = 8;
/// How often the due index is read while the invocation lasts.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// One sweep at `now`, every due delivery attempted and recorded before it returns (what
/// the tests drive with their own clock).
pub async fn sweep_once(
    ctx: &api::Ctx,
    http: &Sender,
    now: DateTime<Utc>,
) -> Result<Tally, StoreError> {
    let (due, snapshot) = due(ctx, now).await?;
    let mut tally = Tally::default();
    let attempts = due.into_iter().map(|d| {
        let endpoint = endpoint_of(&snapshot, &d);
        async move { attempt(ctx, http, d, endpoint?, now).await }
    });
    for t in futures::future::join_all(attempts).await {
        tally.add(t?);
    }
    Ok(tally)
}

/// A delivery waiting on its endpoint's lane, with the endpoint as read when it was due.
type Waiting = (Stored, Option<Endpoint>);

/// What a worker hands back: its lane, the deliveries it attempted, how they went.
type Worked = (String, Vec<String>, Tally);

/// Sweeps about once a second until `budget` is spent. Due deliveries join their
/// endpoint's lane (`domain::lanes`); each endpoint has up to `PER_ENDPOINT` workers that
/// take from it one after another, so a fast endpoint drains its backlog at its own pace
/// (not one batch a sweep) and a slow one holds only its own workers. Then waits for the
/// workers still busy (each attempt at most 15 s).
pub async fn run_for(
    ctx: &'static api::Ctx,
    http: &'static Sender,
    budget: Duration,
) -> Result<Tally, StoreError> {
    let stop = Instant::now() + budget;
    let mut tally = Tally::default();
    let mut workers: tokio::task::JoinSet<Worked> = tokio::task::JoinSet::new();
    let mut lanes: Lanes<Waiting> = Lanes::new(PER_ENDPOINT);
    loop {
        // Boxed: the sweep's read nests deep enough to overflow the compiler's layout depth.
        Box::pin(sweep(ctx, &mut lanes)).await;
        for (key, lane) in lanes.start() {
            workers.spawn(async move {
                let (done, t) = drain(ctx, http, &lane, stop).await;
                (key, done, t)
            });
        }
        let pause = tokio::time::sleep(SWEEP_EVERY);
        tokio::pin!(pause);
        loop {
            tokio::select! {
                _ = &mut pause => break,
                Some(done) = workers.join_next() => finish(done, &mut lanes, &mut tally),
            }
        }
        lanes.tidy();
        if Instant::now() >= stop {
            break;
        }
    }
    while let Some(done) = workers.join_next().await {
        finish(done, &mut lanes, &mut tally);
    }
    Ok(tally)
}

/// One read of the due index: each delivery not already taken joins its endpoint's lane.
async fn sweep(ctx: &api::Ctx, lanes: &mut Lanes<Waiting>) {
    let (due, snapshot) = match due(ctx, ctx.now()).await {
        Ok(read) => read,
        Err(e) => {
            tracing::warn!(operation = OPERATION, error = %e, "due index unreadable");
            return;
        }
    };
    for d in due {
        let id = delivery_key(&d);
        if lanes.is_taken(&id) {
            continue;
        }
        match endpoint_of(&snapshot, &d) {
            Ok(endpoint) => {
                let lane = format!("{}#{}", d.shop.as_str(), d.endpoint_id);
                lanes.offer(id, lane, (d, endpoint));
            }
            Err(e) => tracing::warn!(operation = OPERATION, error = %e, "endpoints unreadable"),
        }
    }
}

/// A worker: attempts its endpoint's queued deliveries one after another until none is
/// left or the invocation's sweeping time is over (what is left stays due in the index for
/// the next invocation), each at the instant it starts. When an attempt disables the
/// endpoint, what its queue still holds is parked, not sent: a receiver that answered 410
/// with a backlog behind it gets the attempts already under way (at most `PER_ENDPOINT`),
/// not one more request per queued message.
async fn drain(
    ctx: &api::Ctx,
    http: &Sender,
    lane: &Lane<Waiting>,
    stop: Instant,
) -> (Vec<String>, Tally) {
    let mut done = Vec::new();
    let mut tally = Tally::default();
    loop {
        if Instant::now() >= stop {
            return (done, tally);
        }
        let next = lane.pop();
        let Some((d, endpoint)) = next else {
            return (done, tally);
        };
        done.push(delivery_key(&d));
        match attempt(ctx, http, d, endpoint, ctx.now()).await {
            Ok(t) => {
                if t.disabled > 0 {
                    // `None`: the endpoint as `attempt` treats a disabled one.
                    lane.update_all(|(_, e)| *e = None);
                }
                tally.add(t);
            }
            Err(e) => tracing::warn!(operation = OPERATION, error = %e, "not recorded"),
        }
    }
}

fn finish(
    done: Result<Worked, tokio::task::JoinError>,
    lanes: &mut Lanes<Waiting>,
    tally: &mut Tally,
) {
    match done {
        Ok((lane, ids, t)) => {
            lanes.finished(&lane, ids);
            tally.add(t);
        }
        Err(e) => tracing::error!(operation = OPERATION, error = %e, "a worker failed"),
    }
}

/// A delivery's identity: the message at its endpoint.
fn delivery_key(d: &Stored) -> String {
    format!("{}#{}", d.key.pk, d.key.sk)
}
