//! What an adjustment costs in the function itself, apart from DynamoDB's latency:
//! - the pure domain decision;
//! - the whole handler (JWT check, parsing, idempotency fingerprint, decision, item mapping,
//!   SDK request building and signing, response) with DynamoDB stubbed at the SDK's HTTP
//!   boundary;
//! - a JSON echo of the same body, the floor any Lambda HTTP handler pays.

use std::collections::BTreeMap;

use api::auth::Authenticator;
use api::{Clock, Ctx};
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_http_client::test_util::infallible_client_fn;
use aws_smithy_types::body::SdkBody;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use domain::adjust::{adjust, Adjustment, Change};
use domain::chrono::{DateTime, TimeDelta, Utc};
use domain::{Account, AccountKind};
use jsonwebtoken::{encode, EncodingKey, Header};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{json, Value};
use store::Store;

const SECRET: &str = "bench-secret";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-05-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn account_with_lots() -> Account<i64> {
    let lots = (1..=12).map(|m| (now() + TimeDelta::days(30 * m), 100));
    Account::from_lots(lots, 500, 41)
}

/// DynamoDB as an HTTP peer that has nothing stored and accepts every transaction.
fn stubbed_store() -> Store {
    let http = infallible_client_fn(|req| {
        let target = req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = if target.ends_with("BatchGetItem") {
            r#"{"Responses":{"bench":[]},"UnprocessedKeys":{}}"#
        } else {
            "{}"
        };
        lambda_http::http::Response::builder()
            .status(200)
            .header("content-type", "application/x-amz-json-1.0")
            .body(SdkBody::from(body))
            .unwrap()
    });
    let conf = aws_sdk_dynamodb::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("bench", "bench", None, None, "static"))
        .http_client(http);
    Store::from_conf(conf, "bench".into())
}

fn token() -> String {
    encode(
        &Header::default(),
        &json!({"shop": "s1", "sub": "u1", "role": "admin", "exp": 4102444800_i64}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn request(body: &Value, token: &str) -> Request {
    lambda_http::http::Request::builder()
        .method("POST")
        .uri("/members/m1/adjustments")
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", "bench-key")
        .body(Body::from(body.to_string()))
        .unwrap()
        .with_path_parameters(std::collections::HashMap::from([(
            "member_id".to_owned(),
            "m1".to_owned(),
        )]))
}

async fn echo(req: Request) -> Response<Body> {
    let value: Value = match req.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap(),
        _ => Value::Null,
    };
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::from(value.to_string()))
        .unwrap()
}

fn benches(c: &mut Criterion) {
    let cmd = Adjustment::new(Change::Delta(-750_i64), "bench", None, now()).unwrap();
    c.bench_function("domain: decide a debit across 12 lots", |b| {
        b.iter(|| {
            adjust(
                AccountKind::Points,
                black_box(account_with_lots()),
                black_box(&cmd),
                BTreeMap::new(),
                now(),
            )
            .unwrap()
        })
    });

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ctx = Ctx {
        store: rt.block_on(async { stubbed_store() }),
        auth: Authenticator::hs256(SECRET.as_bytes()).expect("a non-empty secret"),
        clock: Clock::Fixed(now()),
    };
    let body = json!({"account": "points", "delta": 100, "reason": "bench"});
    let token = token();
    let probe = rt.block_on(adjust_balance::handler(&ctx, request(&body, &token)));
    assert_eq!(probe.status(), 200, "the stubbed handler must succeed");

    c.bench_function(
        "handler: adjust-balance, DynamoDB stubbed at the SDK",
        |b| {
            b.iter(|| {
                rt.block_on(adjust_balance::handler(
                    &ctx,
                    request(black_box(&body), &token),
                ))
            })
        },
    );
    c.bench_function("baseline: JSON echo of the same request", |b| {
        b.iter(|| rt.block_on(echo(request(black_box(&body), &token))))
    });
}

criterion_group!(group, benches);
criterion_main!(group);
