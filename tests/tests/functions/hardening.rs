//! Hostile input and a failing database: refusals with a code, nothing stored, no panic,
//! no hang.

use std::net::TcpListener;
use std::time::Duration;

use api::auth::Authenticator;
use api::{Clock, Ctx};
use loyalty_tests::{token_for, Req, Res, TestEnv, SECRET};
use serde_json::{json, Value};
use store::{Store, StoreConfig};

use crate::support::*;

/// Every item in the env's table (test-only Scan), to show a refusal wrote nothing.
async fn table_items(env: &TestEnv) -> usize {
    let out = env
        .store()
        .client()
        .scan()
        .table_name(env.store().table())
        .send()
        .await
        .unwrap();
    out.items.unwrap_or_default().len()
}

const HOSTILE: &[&str] = &["+262142-12-31", "-0001-01-01", "1899-12-31", "2026-13-01"];

async fn put(env: &TestEnv, path: &str, body: &Value) -> Res {
    let req = Req::put(path).bearer(&env.admin()).json(body).build();
    Res::from_response(match path {
        "/admin/programs/points" => admin_points_program::handler(&env.ctx, req).await,
        _ => admin_credit_program::handler(&env.ctx, req).await,
    })
}

#[tokio::test]
async fn hostile_dates_in_every_date_field_are_refused_with_422_and_nothing_is_stored() {
    // Hardening: "+262142-12-31" is a valid chrono date one day before its maximum; a card
    // valid until then made every claim panic at `date + 1 day`. Dates are bounded to
    // years 1900-9999 where they are parsed.
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let before = table_items(&env).await;
    for (i, date) in HOSTILE.iter().enumerate() {
        let res = adjust(
            &env,
            "m1",
            &format!("hostile-{i}"),
            json!({"account": "credit", "delta": "1.00", "reason": "x", "expires_on": date}),
        )
        .await;
        res.assert_problem(422, "invalid_request");
        for validity in [
            json!({"kind": "range", "from": "2026-01-01", "until": date}),
            json!({"kind": "range", "from": date, "until": "2026-12-31"}),
        ] {
            let res = create_card(
                &env,
                json!({"kind": "free", "name": "Far", "validity": validity}),
            )
            .await;
            res.assert_problem(422, "invalid_request");
        }
        let res = put(
            &env,
            "/admin/programs/credit",
            &json!({"enabled": true, "expiry": {"kind": "until", "date": date}, "rules": []}),
        )
        .await;
        res.assert_problem(422, "invalid_request");
        for earn in [
            json!({"points_per_unit": 1, "multipliers": [{"from": "2026-01-01", "until": date, "factor": "2"}]}),
            json!({"points_per_unit": 1, "holidays": [{"date": date, "factor": "2"}]}),
        ] {
            let res = put(
                &env,
                "/admin/programs/points",
                &json!({"enabled": true, "earn": earn, "redeem": {"points_per_unit": 100},
                        "expiry": {"kind": "never"}}),
            )
            .await;
            res.assert_problem(422, "invalid_request");
        }
        let res = put(
            &env,
            "/admin/programs/points",
            &json!({"enabled": true, "earn": {"points_per_unit": 1},
                    "redeem": {"points_per_unit": 100, "windows": {"dates": [{"from": date, "until": "2026-12-31"}]}},
                    "expiry": {"kind": "never"}}),
        )
        .await;
        res.assert_problem(422, "invalid_request");
        let req = Req::post("/members/m1/register")
            .param("member_id", "m1")
            .bearer(&env.token("customer", "m1"))
            .json(&json!({"birthday": date}))
            .build();
        Res::from_response(register_member::handler(&env.ctx, req).await)
            .assert_problem(422, "invalid_request");
        for (placed, paid) in [
            (format!("{date}T10:00:00+08:00"), None),
            (
                "2026-04-01T10:00:00+08:00".to_owned(),
                Some(format!("{date}T10:00:00Z")),
            ),
        ] {
            let body = json!({"member_id": "m1", "currency": "MYR", "total": "10.00",
                              "placed_at": placed, "paid_at": paid});
            env.accrue("o-far", body)
                .await
                .assert_problem(422, "invalid_request");
        }
    }
    assert_eq!(
        table_items(&env).await,
        before,
        "a refusal stored something"
    );
}

/// A context whose store points at `endpoint`, with short timeouts so the test is quick.
async fn ctx_at(endpoint: String) -> Ctx {
    loyalty_tests::test_log();
    // Real credentials for the SDK, so what fails is the connection, not signing.
    loyalty_tests::local_aws_env();
    let store = Store::connect(StoreConfig {
        table: "loyalty".into(),
        endpoint: Some(endpoint),
        region: Some("us-east-1".into()),
        attempt_timeout: Duration::from_millis(300),
        operation_timeout: Duration::from_millis(800),
    })
    .expect("the local AWS variables are set");
    Ctx {
        store,
        auth: Authenticator::hs256(SECRET.as_bytes()).unwrap(),
        clock: Clock::ticking(loyalty_tests::test_epoch()),
    }
}

async fn adjust_at(ctx: &Ctx) -> lambda_http::Response<lambda_http::Body> {
    let token = token_for("s1", "admin", "staff-1", 600);
    let req = adjust_req(
        &token,
        "m1",
        Some("stalled-1"),
        &json!({"account": "points", "delta": 5, "reason": "stall"}),
    );
    adjust_balance::handler(ctx, req.build()).await
}

fn assert_unavailable(resp: lambda_http::Response<lambda_http::Body>) {
    assert_eq!(resp.headers()["retry-after"], "1");
    Res::from_response(resp).assert_problem(503, "unavailable");
}

#[tokio::test]
async fn a_stalled_database_answers_503_unavailable_with_retry_after_instead_of_hanging() {
    // A listener that accepts connections and never answers: what a SIGSTOPped DynamoDB
    // looks like to the SDK.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let ctx = ctx_at(endpoint).await;
    // The guard only keeps a regression from hanging the suite; the SDK's own operation
    // timeout (800 ms here) is what answers.
    let resp = tokio::time::timeout(Duration::from_secs(60), adjust_at(&ctx))
        .await
        .expect("the handler answered");
    assert_unavailable(resp);
}

#[tokio::test]
async fn an_unreachable_database_answers_503_unavailable() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ctx = ctx_at(format!("http://127.0.0.1:{port}")).await;
    assert_unavailable(adjust_at(&ctx).await);
}
