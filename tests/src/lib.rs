//! Test harness: a local DynamoDB (moto, single-threaded) per test process, a fresh table per
//! test, tokens signed like real ones, and requests shaped like API Gateway's.

pub mod capacity;

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use api::auth::Authenticator;
use api::{Clock, Ctx};
use jsonwebtoken::{encode, EncodingKey, Header};
use lambda_http::http::Method;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::Value;
use store::{Store, StoreConfig};

pub const SECRET: &str = "test-secret-for-the-harness";

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// The venv's python (scripts/bootstrap.sh makes it; `make test` runs that first).
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("LOYALTY_PYTHON") {
        return p.into();
    }
    let p = workspace_root().join(".venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run `make test` or scripts/bootstrap.sh first",
        p.display()
    );
    p
}

struct Server {
    endpoint: String,
    _child: Mutex<Child>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

fn wait_for_port(port: u16, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the local DynamoDB exited at start: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the local DynamoDB did not open port {port}");
}

/// Credentials and region for the local AWS endpoint (the SDK reads these; moto accepts
/// any credentials).
pub fn local_aws_env() {
    static ENV: OnceLock<()> = OnceLock::new();
    ENV.get_or_init(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    });
}

fn start_server() -> Server {
    local_aws_env();
    {
        let port = free_port();
        let mut child = Command::new(python())
            .arg(workspace_root().join("scripts/local_dynamodb.py"))
            .args(["127.0.0.1", &port.to_string()])
            .args(["--parent-pid", &std::process::id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the local DynamoDB");
        wait_for_port(port, &mut child);
        Server {
            endpoint: format!("http://127.0.0.1:{port}"),
            _child: Mutex::new(child),
        }
    }
}

/// One local DynamoDB shared by the test process; it exits with the process.
fn shared_server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(start_server)
}

/// moto keeps one backend per region and copies a whole backend on every transaction, so
/// spreading tables over regions keeps each test's transactions as cheap as its own data.
const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "sa-east-1",
    "me-south-1",
    "af-south-1",
    "ap-east-1",
];

/// Creates a table as template.yaml defines it.
pub fn create_table(endpoint: &str, region: &str, table: &str) {
    let status = Command::new(python())
        .arg(workspace_root().join("scripts/local_table.py"))
        .args(["--endpoint", endpoint, "--table", table, "--region", region])
        .status()
        .expect("run scripts/local_table.py");
    assert!(status.success(), "creating table {table} failed");
}

fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// `TEST_LOG=1 cargo test ...` shows the functions' logs (the same subscriber Lambda uses);
/// quiet otherwise.
pub fn test_log() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok_and(|v| v == "1") {
            api::logging::init();
        }
    });
}

/// Handler tests check what the functions decide, not how fast a loaded machine answers:
/// the local DynamoDB serves one request at a time, and behind the 16 instances of a race on
/// two busy cores a request can wait in its queue past the production timeouts (3 s an
/// attempt, 6 s in all), which would answer a retryable 503 the test did not ask about.
/// The production timeouts have tests of their own (hardening.rs, the e2e stall test).
pub const TEST_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
pub const TEST_OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a test's clock starts unless it sets its own: 2026-06-15T02:00:00Z, 10:00 in Kuala
/// Lumpur, the same date in UTC and the shops' zone, hours from either midnight. No test
/// reads the machine's clock for a date (tokens' `exp` is real time: the verifier checks it
/// against the machine's clock).
pub fn test_epoch() -> domain::chrono::DateTime<domain::chrono::Utc> {
    domain::chrono::DateTime::from_timestamp(1_781_488_800, 0).expect("a valid instant")
}

/// A shop on its own fresh table, with a context the handlers run in.
pub struct TestEnv {
    pub ctx: Ctx,
    pub shop: String,
    /// The local AWS endpoint and this env's region (other local AWS APIs, such as SES).
    pub endpoint: String,
    pub region: String,
}

impl TestEnv {
    /// On the shared local DynamoDB, at [`test_epoch`] (a ticking clock).
    pub async fn new() -> Self {
        Self::with_clock(Clock::ticking(test_epoch())).await
    }

    pub async fn with_clock(clock: Clock) -> Self {
        Self::build(clock, shared_server().endpoint.clone()).await
    }

    /// On a local DynamoDB of its own, for races whose timing other tests must not disturb.
    pub async fn isolated() -> Self {
        let server = tokio::task::spawn_blocking(start_server)
            .await
            .expect("start a local DynamoDB");
        let endpoint = server.endpoint.clone();
        // Kept for the process's life; the server exits with it.
        Box::leak(Box::new(server));
        Self::build(Clock::ticking(test_epoch()), endpoint).await
    }

    async fn build(clock: Clock, endpoint: String) -> Self {
        test_log();
        static NEXT_REGION: AtomicU32 = AtomicU32::new(0);
        let region = REGIONS[NEXT_REGION.fetch_add(1, Ordering::Relaxed) as usize % REGIONS.len()];
        let table = unique("t");
        let (e, t) = (endpoint.clone(), table.clone());
        tokio::task::spawn_blocking(move || create_table(&e, region, &t))
            .await
            .expect("create the table");
        let store = Store::connect(StoreConfig {
            table,
            endpoint: Some(endpoint.clone()),
            region: Some(region.to_owned()),
            attempt_timeout: TEST_ATTEMPT_TIMEOUT,
            operation_timeout: TEST_OPERATION_TIMEOUT,
        })
        .expect("the local AWS variables are set");
        TestEnv {
            ctx: Ctx {
                store,
                auth: Authenticator::hs256(SECRET.as_bytes()).expect("a non-empty secret"),
                clock,
            },
            shop: unique("shop"),
            endpoint,
            region: region.to_owned(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.ctx.store
    }

    /// A token for this env's shop.
    pub fn token(&self, role: &str, sub: &str) -> String {
        token_for(&self.shop, role, sub, 3600)
    }

    pub fn admin(&self) -> String {
        self.token("admin", "staff-1")
    }
}

/// An HS256 token like the identity provider's, signed with the harness secret.
pub fn token_for(shop: &str, role: &str, sub: &str, ttl_secs: i64) -> String {
    token_signed(shop, role, sub, ttl_secs, SECRET)
}

pub fn token_signed(shop: &str, role: &str, sub: &str, ttl_secs: i64, secret: &str) -> String {
    let exp = domain::chrono::Utc::now().timestamp() + ttl_secs;
    let claims = serde_json::json!({"shop": shop, "sub": sub, "role": role, "exp": exp});
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign a token")
}

/// A request as API Gateway (HTTP API) hands it to a function.
#[derive(Debug, Clone, Default)]
pub struct Req {
    method: Method,
    path: String,
    params: HashMap<String, String>,
    query: HashMap<String, String>,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

impl Req {
    pub fn new(method: Method, path: &str) -> Self {
        Req {
            method,
            path: path.to_owned(),
            ..Default::default()
        }
    }

    pub fn get(path: &str) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn post(path: &str) -> Self {
        Self::new(Method::POST, path)
    }

    pub fn put(path: &str) -> Self {
        Self::new(Method::PUT, path)
    }

    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.params.insert(name.to_owned(), value.to_owned());
        self
    }

    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.insert(name.to_owned(), value.to_owned());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.body = Some(body.to_string());
        self
    }

    pub fn raw(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }

    pub fn build(&self) -> Request {
        let mut builder = lambda_http::http::Request::builder()
            .method(self.method.clone())
            .uri(format!("https://api.example{}", self.path));
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let body = match &self.body {
            Some(b) => Body::from(b.clone()),
            None => Body::Empty,
        };
        builder
            .body(body)
            .expect("a valid request")
            .with_path_parameters(self.params.clone())
            .with_query_string_parameters(self.query.clone())
    }
}

/// A response read back: status, headers and the JSON body.
#[derive(Debug, Clone)]
pub struct Res {
    pub status: u16,
    pub content_type: String,
    pub replayed: bool,
    pub raw: String,
    pub body: Value,
}

impl Res {
    pub fn from_response(resp: Response<Body>) -> Self {
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let replayed = resp.headers().contains_key("idempotent-replayed");
        let status = resp.status().as_u16();
        let raw = match resp.into_body() {
            Body::Text(t) => t,
            Body::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
            _ => String::new(),
        };
        let body = serde_json::from_str(&raw).unwrap_or(Value::Null);
        Res {
            status,
            content_type,
            replayed,
            raw,
            body,
        }
    }

    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// Asserts a problem+json refusal with the given status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.raw);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.raw
        );
        assert_eq!(self.code(), code, "{}", self.raw);
        for field in ["type", "title", "status", "detail"] {
            assert!(
                !self.body[field].is_null(),
                "problem without {field}: {}",
                self.raw
            );
        }
    }
}
