//! DynamoDB, and nothing else talks to it. One consistent batch read and one transaction
//! per operation; typed mappings between items and domain values.

pub mod accounts;
pub mod cards;
pub mod counter;
pub mod coupons;
pub mod credit_program;
pub mod exchange;
pub mod idempotency;
pub mod ids;
pub mod item;
pub mod keys;
pub mod ledger;
pub mod levels;
pub mod orders;
pub mod outbox;
pub mod privacy;
pub mod profile;
pub mod programs;
pub mod purchases;
pub mod reports;
pub mod settings;
pub mod value;
pub mod webhooks;

use std::collections::HashMap;

use std::time::Duration;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, KeysAndAttributes, Put, TransactWriteItem, Update,
};
use aws_sdk_dynamodb::Client;
use thiserror::Error;

pub use counter::{CallCounter, Calls};
pub use item::Item;
pub use keys::Key;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A transaction was cancelled: a condition failed (someone else wrote first) or
    /// DynamoDB saw a conflicting transaction. The caller re-reads and re-decides.
    #[error("transaction cancelled: {0:?}")]
    Cancelled(Vec<Cancel>),
    /// DynamoDB did not answer in time, could not be reached, or throttled us: nothing is
    /// known to have been written, and a retry with the same idempotency key is safe.
    #[error("DynamoDB unavailable: {0}")]
    Unavailable(String),
    /// Anything else the SDK reports (a request we built wrong, missing configuration).
    #[error("DynamoDB: {0}")]
    Failed(String),
    #[error("stored item is corrupt: {0}")]
    Corrupt(String),
    /// The member's personal data was erased (API 1.2): no operation writes for them.
    #[error("the member was erased")]
    MemberErased,
}

/// Why one write of a cancelled transaction failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cancel {
    None,
    ConditionFailed,
    Conflict,
    Other(String),
}

impl StoreError {
    /// True when re-reading and deciding again may succeed.
    pub fn is_race(&self) -> bool {
        matches!(self, StoreError::Cancelled(reasons)
            if reasons.iter().any(|r| matches!(r, Cancel::ConditionFailed | Cancel::Conflict)))
    }
}

fn sdk<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    // Throttling codes DynamoDB answers when a partition or the account is over its rate.
    const THROTTLED: &[&str] = &[
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    ];
    let unavailable = match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        SdkError::ServiceError(e) => e.err().code().is_some_and(|c| THROTTLED.contains(&c)),
        SdkError::ResponseError(_) => true,
        _ => false,
    };
    let text = DisplayErrorContext(err).to_string();
    if unavailable {
        StoreError::Unavailable(text)
    } else {
        StoreError::Failed(text)
    }
}

/// How long one DynamoDB call may take: each attempt, and the whole call with the SDK's
/// retries. A stalled database then answers 503 within seconds instead of hanging the
/// request until the Lambda timeout (template.yaml's `Timeout` is 20 s; an operation makes
/// at most one load and one commit per decision, and `api::exec` stops re-deciding after
/// its budget, so the worst case stays inside it). `LOYALTY_DDB_ATTEMPT_TIMEOUT_MS` and
/// `LOYALTY_DDB_TIMEOUT_MS` override them; template.yaml and the local stack set the same.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(3_000);
pub const OPERATION_TIMEOUT: Duration = Duration::from_millis(6_000);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1_000);

fn millis_from_env(name: &str, default: Duration) -> Duration {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|ms| (100..=60_000).contains(ms))
        .map_or(default, Duration::from_millis)
}

/// The condition a write is decided under (invariant 2: never overwrite blindly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    /// Creates: the item must not exist yet (idempotency records, ledger entries, uniques).
    NotExists,
    /// Replaces the item read at this version; version 0 means "read as absent".
    Version(u64),
    /// Creates, or replaces an item whose `ttl` (epoch seconds) is before this instant.
    NotExistsOrExpired(i64),
    /// No condition: a write whose last-writer-wins outcome is the intended one.
    None,
}

/// One write of a transaction.
#[derive(Debug, Clone)]
pub enum Write {
    Put {
        item: Item,
        cond: Cond,
    },
    /// An in-place update, for counters that must not be read-modify-written.
    Update {
        key: Key,
        update: String,
        condition: Option<String>,
        names: HashMap<String, String>,
        values: Item,
    },
    /// Removes an item under a condition.
    Delete {
        key: Key,
        condition: Option<String>,
        values: Item,
    },
    /// Asserts a condition on an item the transaction does not change.
    Check {
        key: Key,
        condition: String,
        names: HashMap<String, String>,
        values: Item,
    },
}

impl Write {
    /// This write, unconditioned, on copy `k` of its configuration item.
    fn copy(&self, k: u16) -> Write {
        match self.clone() {
            Write::Put { mut item, .. } => {
                if let Some(key) = item::key_of(&item) {
                    let c = keys::config_copy(&key, k);
                    item.insert(keys::PK.into(), item::s(&c.pk));
                }
                Write::Put {
                    item,
                    cond: Cond::None,
                }
            }
            Write::Update {
                key,
                update,
                names,
                values,
                ..
            } => {
                // An update's values may name only what its expression uses.
                let used = |name: &String| update.contains(name.as_str());
                Write::Update {
                    key: keys::config_copy(&key, k),
                    names: names.into_iter().filter(|(n, _)| used(n)).collect(),
                    values: values.into_iter().filter(|(n, _)| used(n)).collect(),
                    update,
                    condition: None,
                }
            }
            Write::Delete { key, .. } => Write::Delete {
                key: keys::config_copy(&key, k),
                condition: None,
                values: HashMap::new(),
            },
            check => check,
        }
    }

    /// The item this write changes or checks: a transaction touches each item once, so the
    /// key names the write (and the condition it carries) without depending on its position.
    pub fn key(&self) -> Option<Key> {
        match self {
            Write::Put { item, .. } => item::key_of(item),
            Write::Update { key, .. } | Write::Delete { key, .. } | Write::Check { key, .. } => {
                Some(key.clone())
            }
        }
    }
}

/// The roots AWS service endpoints chain to (Amazon Trust Services and the Starfield root
/// that cross-signs them), built in.
const AWS_ROOTS: &[u8] = include_bytes!("aws-roots.pem");

/// One rustls+ring HTTPS client trusting the AWS roots only. The default trust store reads
/// and parses every certificate of the system's store when the client is built (each file
/// of /etc/ssl/certs here): about 4 ms of every cold start (`scripts/coldstart.py`,
/// BENCHMARKS.md), for roots an AWS endpoint never presents. Shared with other AWS clients
/// (the notifier's SES).
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls;
    let builder = aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(
        tls::rustls_provider::CryptoMode::Ring,
    ));
    let roots = tls::TlsContext::builder()
        .with_trust_store(
            tls::TrustStore::empty()
                .with_native_roots(false)
                .with_pem_certificate(AWS_ROOTS),
        )
        .build();
    match roots {
        Ok(context) => builder.tls_context(context).build_https(),
        // Not reachable with the PEM above; the system's roots are still a working client.
        Err(_) => builder.build_https(),
    }
}

/// The region (`region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`) and the credentials
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) of this process.
/// Lambda sets them for every function from its role, and they do not change during a
/// process's life; locally the stack sets them, and a developer against real AWS exports
/// them (`aws configure export-credentials --format env`).
pub fn aws_identity(
    region: Option<String>,
) -> Result<
    (
        aws_sdk_dynamodb::config::Region,
        aws_sdk_dynamodb::config::Credentials,
    ),
    StoreError,
> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let region = region
        .or_else(|| var("AWS_REGION"))
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .ok_or_else(|| StoreError::Failed("AWS_REGION is not set".into()))?;
    let (Some(key), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) else {
        return Err(StoreError::Failed(
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them; \
             locally: aws configure export-credentials --format env)"
                .into(),
        ));
    };
    Ok((
        aws_sdk_dynamodb::config::Region::new(region),
        aws_sdk_dynamodb::config::Credentials::new(
            key,
            secret,
            var("AWS_SESSION_TOKEN"),
            None,
            "environment",
        ),
    ))
}

/// How the store reaches DynamoDB.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub table: String,
    /// `AWS_ENDPOINT_URL` locally; unset in AWS.
    pub endpoint: Option<String>,
    /// Overrides the SDK's region chain (tests give each table its own local backend).
    pub region: Option<String>,
    /// Per attempt, and per call with the SDK's retries.
    pub attempt_timeout: Duration,
    pub operation_timeout: Duration,
}

impl StoreConfig {
    pub fn from_env() -> Result<Self, StoreError> {
        let table = std::env::var("LOYALTY_TABLE")
            .map_err(|_| StoreError::Failed("LOYALTY_TABLE is not set".into()))?;
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|e| !e.is_empty());
        Ok(Self {
            table,
            endpoint,
            region: None,
            attempt_timeout: millis_from_env("LOYALTY_DDB_ATTEMPT_TIMEOUT_MS", ATTEMPT_TIMEOUT),
            operation_timeout: millis_from_env("LOYALTY_DDB_TIMEOUT_MS", OPERATION_TIMEOUT),
        })
    }
}

/// The table and a client that counts its calls.
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
    counter: CallCounter,
}

impl Store {
    /// Builds the client once per cold start: the HTTPS client, the timeouts, standard
    /// retries, the region and credentials Lambda gives every function as variables, and the
    /// call counter. Configured straight from those (about 0.2 ms), not through the SDK's
    /// default chain (`aws-config`), which builds every provider it might need (profile
    /// files, SSO, IMDS, ECS, web identity) and reads the profile files for a dozen
    /// settings: 4-7 ms of each cold start and about 1 MB of each bootstrap
    /// (`scripts/coldstart.py`, BENCHMARKS.md).
    pub fn connect(config: StoreConfig) -> Result<Self, StoreError> {
        use aws_sdk_dynamodb::config::{retry::RetryConfig, timeout::TimeoutConfig};
        let (region, credentials) = aws_identity(config.region.clone())?;
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(config.attempt_timeout)
            .operation_timeout(config.operation_timeout)
            .build();
        let conf = aws_sdk_dynamodb::config::Builder::new()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(region)
            .credentials_provider(credentials)
            .retry_config(RetryConfig::standard())
            .http_client(https_client())
            .timeout_config(timeouts);
        let conf = match &config.endpoint {
            Some(endpoint) => conf.endpoint_url(endpoint),
            None => conf,
        };
        Ok(Self::from_conf(conf, config.table))
    }

    /// A store over a client configured by the caller (benchmarks stub the HTTP client at
    /// the SDK boundary this way); the call counter is added here.
    pub fn from_conf(conf: aws_sdk_dynamodb::config::Builder, table: String) -> Self {
        let counter = CallCounter::default();
        let conf = conf.interceptor(counter.clone()).build();
        Store {
            client: Client::from_conf(conf),
            table,
            counter,
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn calls(&self) -> Calls {
        self.counter.snapshot()
    }

    /// The raw client, for test set-up and the table schema only.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A consistent Query of this table, newest first, `limit` items a page: how every
    /// listing reads (ledgers, deliveries).
    pub(crate) fn newest_first(
        &self,
        limit: i32,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .scan_index_forward(false)
            .limit(limit)
    }

    /// One consistent BatchGetItem for every key an operation needs. Keys DynamoDB leaves
    /// unprocessed (throttling) are asked for again.
    pub async fn load(&self, keys: &[Key]) -> Result<Snapshot, StoreError> {
        // Configuration items are read from one copy, the same for the whole call and drawn
        // at random, and answered under their own keys (`keys::CONFIG_COPIES`). Never the
        // item itself: it shares `SHOP#{shop}` with the card definitions, which purchases
        // and claims read and write.
        let copy = 1 + rand::random::<u16>() % (keys::CONFIG_COPIES - 1);
        let mut asked: HashMap<Key, Key> = HashMap::new();
        let keys: Vec<Key> = keys
            .iter()
            .map(|k| match keys::is_config(k) {
                true => {
                    let c = keys::config_copy(k, copy);
                    asked.insert(c.clone(), k.clone());
                    c
                }
                false => k.clone(),
            })
            .collect();
        let mut unique: Vec<&Key> = keys.iter().collect();
        unique.sort();
        unique.dedup();
        let read = unique
            .iter()
            .map(|k| asked.get(k).cloned().unwrap_or_else(|| (*k).clone()))
            .collect();
        let mut items = HashMap::new();
        for chunk in unique.chunks(100) {
            let mut request = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.iter().map(|k| item::key_attrs(k)).collect()))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| StoreError::Failed(e.to_string()))?,
            );
            for attempt in 0..8 {
                let Some(keys_and_attrs) = request.take() else {
                    break;
                };
                if attempt > 0 {
                    backoff(attempt).await;
                }
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, keys_and_attrs)
                    .send()
                    .await
                    .map_err(sdk)?;
                for found in out
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default()
                {
                    if let Some(key) = item::key_of(&found) {
                        let key = asked.get(&key).cloned().unwrap_or(key);
                        items.insert(key, found);
                    }
                }
                request = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys.is_empty());
            }
            if request.is_some() {
                return Err(StoreError::Unavailable(
                    "BatchGetItem left keys unprocessed after retries".into(),
                ));
            }
        }
        Ok(Snapshot { items, read })
    }

    /// Every item of partition `pk` with a sort key between `first` and `last` (inclusive),
    /// strongly consistent, all pages.
    pub async fn partition(
        &self,
        pk: &str,
        first: &str,
        last: &str,
    ) -> Result<Vec<Item>, StoreError> {
        self.query_all(
            self.client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("PK = :pk AND SK BETWEEN :first AND :last")
                .expression_attribute_values(":pk", item::s(pk))
                .expression_attribute_values(":first", item::s(first))
                .expression_attribute_values(":last", item::s(last)),
        )
        .await
    }

    /// Every item `query` matches, page after page (one round trip each). Boxed: the SDK's
    /// send future nested in each caller's made a clean build of expire-lots overflow
    /// rustc's query depth computing its future's layout.
    pub(crate) fn query_all(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<Item>, StoreError>> + Send>>
    {
        Box::pin(async move {
            let mut out = Vec::new();
            let mut start = None;
            loop {
                let page = query
                    .clone()
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(sdk)?;
                out.extend(page.items.unwrap_or_default());
                match page.last_evaluated_key {
                    Some(k) => start = Some(k),
                    None => return Ok(out),
                }
            }
        })
    }

    /// Writes everything an operation decided in one TransactWriteItems: all or nothing
    /// (invariant 3).
    pub async fn commit(&self, mut writes: Vec<Write>) -> Result<(), StoreError> {
        // Every change of a configuration item changes its copies in the same transaction,
        // after the operation's own writes (so cancellation reasons keep their positions).
        // The copies carry no condition: the item's own condition decides for all of them,
        // atomically, so any copy read after the commit is the item as committed.
        let copies: Vec<Write> = writes
            .iter()
            .filter(|w| w.key().is_some_and(|k| keys::is_config(&k)))
            .filter(|w| !matches!(w, Write::Check { .. }))
            .flat_map(|w| (1..keys::CONFIG_COPIES).map(move |k| w.copy(k)))
            .collect();
        writes.extend(copies);
        let items = writes
            .into_iter()
            .map(|w| self.transact_item(w))
            .collect::<Result<Vec<_>, _>>()?;
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => Err(match err.as_service_error() {
                Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(e)) => {
                    StoreError::Cancelled(
                        e.cancellation_reasons()
                            .iter()
                            .map(|r| match r.code() {
                                None | Some("None") => Cancel::None,
                                Some("ConditionalCheckFailed") => Cancel::ConditionFailed,
                                Some("TransactionConflict") => Cancel::Conflict,
                                Some(other) => Cancel::Other(other.to_owned()),
                            })
                            .collect(),
                    )
                }
                Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionInProgressException(_)) => {
                    StoreError::Cancelled(vec![Cancel::Conflict])
                }
                _ => sdk(err),
            }),
        }
    }

    fn transact_item(&self, write: Write) -> Result<TransactWriteItem, StoreError> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Failed(e.to_string());
        Ok(match write {
            Write::Put { item, cond } => {
                let put = Put::builder().table_name(&self.table).set_item(Some(item));
                let put = match cond {
                    Cond::None => put,
                    Cond::NotExists | Cond::Version(0) => {
                        put.condition_expression("attribute_not_exists(PK)")
                    }
                    Cond::NotExistsOrExpired(now) => put
                        .condition_expression("attribute_not_exists(PK) OR #ttl < :now")
                        .expression_attribute_names("#ttl", "ttl")
                        .expression_attribute_values(":now", item::n(now)),
                    Cond::Version(v) => put
                        .condition_expression("version = :read_version")
                        .expression_attribute_values(":read_version", item::n(v)),
                };
                TransactWriteItem::builder()
                    .put(put.build().map_err(build)?)
                    .build()
            }
            Write::Update {
                key,
                update,
                condition,
                names,
                values,
            } => TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(item::key_attrs(&key)))
                        .update_expression(update)
                        .set_condition_expression(condition)
                        .set_expression_attribute_names((!names.is_empty()).then_some(names))
                        .set_expression_attribute_values((!values.is_empty()).then_some(values))
                        .build()
                        .map_err(build)?,
                )
                .build(),
            Write::Delete {
                key,
                condition,
                values,
            } => TransactWriteItem::builder()
                .delete(
                    Delete::builder()
                        .table_name(&self.table)
                        .set_key(Some(item::key_attrs(&key)))
                        .set_condition_expression(condition)
                        .set_expression_attribute_values((!values.is_empty()).then_some(values))
                        .build()
                        .map_err(build)?,
                )
                .build(),
            Write::Check {
                key,
                condition,
                names,
                values,
            } => TransactWriteItem::builder()
                .condition_check(
                    ConditionCheck::builder()
                        .table_name(&self.table)
                        .set_key(Some(item::key_attrs(&key)))
                        .condition_expression(condition)
                        .set_expression_attribute_names((!names.is_empty()).then_some(names))
                        .set_expression_attribute_values((!values.is_empty()).then_some(values))
                        .build()
                        .map_err(build)?,
                )
                .build(),
        })
    }
}

/// Full jitter, capped: lost races are re-decided after a random pause so that contending
/// instances spread out instead of colliding again in step.
pub async fn backoff(attempt: u32) {
    use rand::Rng;
    let cap_ms = 10u64.saturating_mul(1 << attempt.min(7)).min(250);
    let pause = rand::thread_rng().gen_range(0..=cap_ms);
    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
}

/// Items read by `load`, by key.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    items: HashMap<Key, Item>,
    /// Every key asked for, found or not: an item absent from a read is known absent.
    read: std::collections::HashSet<Key>,
}

impl Snapshot {
    pub fn get(&self, key: &Key) -> Option<&Item> {
        self.items.get(key)
    }

    /// Whether `key` was part of the read (so `get` answering `None` means it is absent).
    pub fn has_read(&self, key: &Key) -> bool {
        self.read.contains(key) || self.items.contains_key(key)
    }

    /// Items already in hand (a query's page) read through the same mappings.
    pub fn of(items: impl IntoIterator<Item = (Key, Item)>) -> Self {
        let items: HashMap<Key, Item> = items.into_iter().collect();
        Snapshot {
            read: items.keys().cloned().collect(),
            items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_races_and_transaction_conflicts_are_retried_other_cancellations_are_not() {
        // Real DynamoDB cancels with TransactionConflict under contention; moto never does,
        // so the classification is pinned here.
        assert!(StoreError::Cancelled(vec![Cancel::None, Cancel::ConditionFailed]).is_race());
        assert!(StoreError::Cancelled(vec![Cancel::Conflict, Cancel::None]).is_race());
        assert!(!StoreError::Cancelled(vec![Cancel::Other("ValidationError".into())]).is_race());
        assert!(!StoreError::Cancelled(vec![Cancel::None]).is_race());
        assert!(!StoreError::Unavailable("timeout".into()).is_race());
    }
}
