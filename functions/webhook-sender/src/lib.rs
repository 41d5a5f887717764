//! Sends due webhook deliveries (API 1.2 outbound webhooks). Invoked every minute, it sweeps
//! the sparse due index about once a second for the rest of the minute, so a new message
//! leaves within a second or two of its delivery being written and a 5-second retry comes 5
//! seconds later. Each delivery is claimed first (a conditional write that moves it out of
//! the index for `CLAIM_LEASE`), then sent, then recorded; sends run side by side, at most
//! `PER_ENDPOINT` at a time to one endpoint, so a slow endpoint holds its own slots for at
//! most 15 s each and never another shop's.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::chrono::{DateTime, Utc};
use domain::lanes::{Lane, Lanes};
use domain::webhook::{self, Delivery, Endpoint, Outcome};
use domain::ShopId;
use serde_json::{json, Value};
use store::webhooks::{self as stored, Stored};
use store::{keys, settings, Snapshot, StoreError};

pub const OPERATION: &str = "webhook-sender";

/// Due deliveries read from each shard per sweep.
const PER_SHARD: i32 = 100;
/// Sends in flight to one endpoint at most.
pub const PER_ENDPOINT: usize = 8;
/// How often the due index is read while the invocation lasts.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// What sends: the HTTP client and whether this is the local stack (the only place
/// loopback http endpoints are called).
pub struct Sender {
    pub http: reqwest::Client,
    pub local: bool,
}

impl Sender {
    /// 15 s for the whole exchange, no redirects followed, names resolved only to addresses
    /// the sender may call.
    pub fn new(local: bool) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(webhook::SEND_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(Checked { local }))
            .user_agent("loyalty-webhooks/1")
            .build()?;
        Ok(Sender { http, local })
    }
}

/// Resolves a host and keeps it only when every address is global (API 1.2, at every
/// send): the connection then goes to an address that was checked, never to one a second
/// lookup might give. On the local stack `localhost` may be loopback.
struct Checked {
    local: bool,
}

impl reqwest::dns::Resolve for Checked {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let local = self.local;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let local_name = local && host == "localhost";
            if let Some(refused) = api::webhooks::refused_address(&host, &found, local_name) {
                return Err(refused.0.into());
            }
            if found.is_empty() {
                return Err(format!("{host} has no address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub delivered: u64,
    pub failed: u64,
    pub exhausted: u64,
    /// Left for later: its endpoint is disabled or gone.
    pub parked: u64,
    /// Another sweeper had it.
    pub skipped: u64,
    /// Endpoints this sweep disabled (a 410, or five days of failures).
    pub disabled: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.delivered += other.delivered;
        self.failed += other.failed;
        self.exhausted += other.exhausted;
        self.parked += other.parked;
        self.skipped += other.skipped;
        self.disabled += other.disabled;
    }

    /// One attempt that ended its delivery in `status`, disabling `disabled` endpoints.
    fn attempted(status: webhook::DeliveryStatus, disabled: u64) -> Tally {
        let mut t = Tally {
            disabled,
            ..Tally::default()
        };
        match status {
            webhook::DeliveryStatus::Delivered => t.delivered = 1,
            webhook::DeliveryStatus::Exhausted => t.exhausted = 1,
            _ => t.failed = 1,
        }
        t
    }

    pub fn json(&self) -> Value {
        json!({"delivered": self.delivered, "failed": self.failed, "exhausted": self.exhausted,
               "parked": self.parked, "skipped": self.skipped, "disabled": self.disabled})
    }
}

/// Every due delivery of every shard, and the endpoints of their shops (one batch read).
async fn due(ctx: &api::Ctx, now: DateTime<Utc>) -> Result<(Vec<Stored>, Snapshot), StoreError> {
    let mut all = Vec::new();
    for shard in 0..keys::DUE_SHARDS {
        all.extend(ctx.store.due_deliveries(shard, now, PER_SHARD).await?);
    }
    let shops: BTreeMap<&str, &ShopId> = all.iter().map(|d| (d.shop.as_str(), &d.shop)).collect();
    let read: Vec<_> = shops.values().map(|s| keys::webhooks(s)).collect();
    let snapshot = if read.is_empty() {
        Snapshot::of([])
    } else {
        ctx.store.load(&read).await?
    };
    Ok((all, snapshot))
}

fn endpoint_of(snapshot: &Snapshot, d: &Stored) -> Result<Option<Endpoint>, StoreError> {
    Ok(stored::read(snapshot, &d.shop)?
        .get(&d.endpoint_id)
        .cloned())
}

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

/// One delivery: claimed, sent, recorded; its endpoint told how it went.
async fn attempt(
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

/// The POST of one attempt: the answer's status (`None`: refused before sending, no answer,
/// or not in 15 s) and the receiver's `Retry-After` in seconds.
async fn send(
    http: &Sender,
    endpoint: &Endpoint,
    d: &Stored,
    now: DateTime<Utc>,
) -> (Option<u16>, Option<Duration>) {
    // The URL's rules again at every send: a literal address is never resolved, so it is
    // checked here; names are checked by the client's resolver.
    if let Err(refusal) = webhook::check_url(&endpoint.url, http.local) {
        tracing::warn!(operation = OPERATION, endpoint_id = %endpoint.endpoint_id, why = %refusal.0, "not sent");
        return (None, None);
    }
    if d.body.len() > webhook::MAX_BODY_BYTES {
        tracing::warn!(operation = OPERATION, message_id = %d.message_id, "body over 256 KB; not sent");
        return (None, None);
    }
    let timestamp = now.timestamp();
    let secrets = endpoint.signing_secrets(now);
    let signature = webhook::signature_header(&secrets, &d.message_id, timestamp, &d.body);
    let answer = http
        .http
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.body.clone())
        .send()
        .await;
    match answer {
        Ok(res) => {
            let retry_after = res
                .headers()
                .get("retry-after")
                .map(|v| webhook::retry_after(v.as_bytes(), now));
            (Some(res.status().as_u16()), retry_after)
        }
        Err(e) => {
            tracing::info!(operation = OPERATION, message_id = %d.message_id, error = %e, "no answer");
            (None, None)
        }
    }
}

/// Applies an attempt's outcome to the endpoint as stored now (a failing streak starting or
/// ending, a 410 or five days of failures disabling it), with the settings' types when they
/// change. A lost race is tried again from a fresh read.
async fn record_endpoint(
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
