//! Outbound webhooks (API 1.2, issue 22): endpoints and their refusals, an operation's
//! messages written with it, the fan-out from the stream (a replayed batch makes no second
//! delivery), the sender against a real receiver on 127.0.0.1 (signatures checked here with
//! HMAC, independently of the code that signs), the schedule by the context's clock, 410,
//! rotation and recovery. 004 (points earned), 003 (levels, registration).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use api::Clock;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use domain::chrono::{DateTime, Duration, Utc};
use domain::webhook::{Endpoint, Secret};
use domain::{Decimal, ShopId};
use hmac::{Hmac, Mac};
use loyalty_tests::{test_epoch, Req, Res, TestEnv};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{
    accrue_now, adjust, dec, earning_shop, get_purchase, import, ledger_all, member, new_card,
    payment, points_program, purchase, redeem, refund_order, settings, setup_shop, stream_insert,
    webhook, ImportBody, Orders,
};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Got {
    headers: HashMap<String, String>,
    body: String,
}

/// A webhook receiver on 127.0.0.1: answers each request with the next status of `script`
/// (then 200), as plain HTTP/1.1 with `connection: close`.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
}

async fn receiver(script: Vec<(u16, Option<&'static str>)>) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    let got = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(script.into_iter()));
    let seen = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            let script = script.clone();
            tokio::spawn(async move {
                let mut raw = Vec::new();
                let mut buf = [0u8; 8192];
                let (head, body) = loop {
                    let n = conn.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    raw.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&raw).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let head = text[..end].to_owned();
                        let length: usize = head
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse().ok())?
                            })
                            .unwrap_or(0);
                        if raw.len() >= end + 4 + length {
                            break (
                                head,
                                String::from_utf8_lossy(&raw[end + 4..end + 4 + length])
                                    .to_string(),
                            );
                        }
                    }
                };
                let headers = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                    .collect();
                seen.lock().unwrap().push(Got { headers, body });
                let (status, retry_after) = script.lock().unwrap().next().unwrap_or((200, None));
                let extra = retry_after
                    .map(|r| format!("retry-after: {r}\r\n"))
                    .unwrap_or_default();
                let answer = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: 0\r\n{extra}connection: close\r\n\r\n"
                );
                let _ = conn.write_all(answer.as_bytes()).await;
            });
        }
    });
    Receiver { url, got }
}

impl Receiver {
    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
}

/// Standard Webhooks verification, written here from the specification: every `v1,`
/// signature in the header is checked; the answer is how many verify with `secret`.
fn verified_by(got: &Got, secret: &str) -> usize {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let signed = format!(
        "{}.{}.{}",
        got.headers["webhook-id"], got.headers["webhook-timestamp"], got.body
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(signed.as_bytes());
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    got.headers["webhook-signature"]
        .split(' ')
        .filter(|s| *s == expected)
        .count()
}

fn shop(env: &TestEnv) -> ShopId {
    ShopId::parse(&env.shop).unwrap()
}

/// An endpoint on the local receiver, written as admin-webhooks writes one (the handler
/// refuses loopback URLs outside the local stack, as it must).
async fn loopback_endpoint(env: &TestEnv, url: &str, events: &[&str]) -> (String, String) {
    let shop = shop(env);
    let snapshot = env
        .store()
        .load(&[store::keys::webhooks(&shop), store::keys::settings(&shop)])
        .await
        .unwrap();
    let mut endpoints = store::webhooks::read(&snapshot, &shop).unwrap();
    let mut current = store::settings::read(&snapshot, &shop).unwrap().unwrap();
    let id = format!("ep_local{}", endpoints.items.len());
    let secret = Secret::from_bytes((0..32).map(|_| rand::random::<u8>()).collect());
    endpoints
        .add(Endpoint {
            endpoint_id: id.clone(),
            url: url.to_owned(),
            events: events.iter().map(|e| e.to_string()).collect(),
            description: "test receiver".into(),
            disabled: None,
            secret: secret.clone(),
            previous: None,
            failing_since: None,
            created_at: env.ctx.now(),
        })
        .unwrap();
    endpoints.version += 1;
    current.webhook_types = endpoints.subscribed_types();
    current.version += 1;
    env.store()
        .commit(vec![
            store::webhooks::put(&shop, &endpoints),
            store::settings::put(&shop, &current),
        ])
        .await
        .unwrap();
    (id, secret.encode())
}

/// The table's message items as the stream hands them to the fan-out (INSERT records, new
/// image in DynamoDB JSON). Each test has a table of its own.
async fn messages_stream(env: &TestEnv) -> Value {
    let out = env
        .store()
        .client()
        .scan()
        .table_name(env.store().table())
        .filter_expression("entity_type = :t")
        .expression_attribute_values(":t", AttributeValue::S("webhook_messages".into()))
        .send()
        .await
        .unwrap();
    let records: Vec<Value> = out
        .items
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, it)| stream_insert(it, Some(i)))
        .collect();
    json!({"Records": records})
}

async fn fanout(env: &TestEnv) -> Value {
    let stream = messages_stream(env).await;
    webhook_fanout::handle(&env.ctx, &stream).await.unwrap()
}

async fn sweep(env: &mut TestEnv, at: DateTime<Utc>) -> webhook_sender::Tally {
    env.ctx.clock = Clock::Fixed(at);
    let sender = webhook_sender::Sender::new(true).unwrap();
    webhook_sender::sweep_once(&env.ctx, &sender, at)
        .await
        .unwrap()
}

fn admin_req(method: &str, path: &str, env: &TestEnv) -> Req {
    let mut req = Req::new(method.parse().unwrap(), path).bearer(&env.admin());
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if parts.len() >= 3 {
        req = req.param("endpoint_id", parts[2]);
    }
    req
}

async fn call(env: &TestEnv, req: Req) -> Res {
    Res::from_response(admin_webhooks::handler(&env.ctx, req.build()).await)
}

async fn deliveries(env: &TestEnv, endpoint: &str) -> Vec<Value> {
    let res = call(
        env,
        admin_req(
            "GET",
            &format!("/admin/webhooks/{endpoint}/deliveries"),
            env,
        ),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.raw);
    res.body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn admins_manage_endpoints_and_bad_ones_are_refused_without_a_trace() {
    let env = TestEnv::new().await;
    // Before the shop is set up there is nothing to tell.
    call(
        &env,
        admin_req("POST", "/admin/webhooks", &env)
            .json(&json!({"url": "https://erp.example/hooks"})),
    )
    .await
    .assert_problem(409, "shop_not_configured");
    setup_shop(&env).await;
    let created = call(
        &env,
        admin_req("POST", "/admin/webhooks", &env).json(&json!({
            "url": "https://erp.example/hooks", "events": ["points.earned"], "description": "ERP"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    let id = created.body["endpoint_id"].as_str().unwrap().to_owned();
    let secret = created.body["secret"].as_str().unwrap();
    assert!(Secret::parse(secret).is_ok() && secret.len() == "whsec_".len() + 44);
    assert_eq!(created.body["status"], "enabled");
    assert_eq!(created.body["events"], json!(["points.earned"]));

    // Never shown again; other roles cannot see endpoints at all.
    let listed = call(&env, admin_req("GET", "/admin/webhooks", &env)).await;
    assert_eq!(listed.body["items"][0]["endpoint_id"], id.as_str());
    assert!(!listed.raw.contains("whsec_"));
    let as_cashier = Req::get("/admin/webhooks").bearer(&env.token("cashier", "pos-1"));
    call(&env, as_cashier)
        .await
        .assert_problem(403, "forbidden");

    for url in [
        "http://erp.example/hooks",
        "https://10.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:127.0.0.1]/x",
        "https://2130706433/x",
        "https://0177.0.0.1/x",
        "https://100.64.0.1/x",
        "https://user:pw@erp.example/x",
        "https://localhost/x",
        "http://127.0.0.1:9/x",
    ] {
        let res = call(
            &env,
            admin_req("POST", "/admin/webhooks", &env).json(&json!({"url": url})),
        )
        .await;
        res.assert_problem(422, "url_not_allowed");
    }
    call(
        &env,
        admin_req("POST", "/admin/webhooks", &env)
            .json(&json!({"url": "https://erp.example/x", "events": ["points.earnt"]})),
    )
    .await
    .assert_problem(422, "invalid_request");
    call(
        &env,
        admin_req("PATCH", &format!("/admin/webhooks/{id}"), &env)
            .json(&json!({"url": "https://192.168.1.1/"})),
    )
    .await
    .assert_problem(422, "url_not_allowed");
    let listed = call(&env, admin_req("GET", "/admin/webhooks", &env)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    // The shop's settings carry the types, and a settings PUT keeps them.
    settings(&env, &env.admin(), json!({"timezone": "Asia/Singapore"})).await;
    let s = shop(&env);
    let snap = env
        .store()
        .load(&[store::keys::settings(&s)])
        .await
        .unwrap();
    let current = store::settings::read(&snap, &s).unwrap().unwrap();
    assert_eq!(current.webhook_types, ["points.earned"]);

    // Twenty a shop.
    for i in 1..20 {
        let res = call(
            &env,
            admin_req("POST", "/admin/webhooks", &env)
                .json(&json!({"url": format!("https://erp{i}.example/h")})),
        )
        .await;
        assert_eq!(res.status, 201, "{}", res.raw);
    }
    call(
        &env,
        admin_req("POST", "/admin/webhooks", &env).json(&json!({"url": "https://more.example/h"})),
    )
    .await
    .assert_problem(409, "endpoint_limit_reached");

    let off = call(
        &env,
        admin_req("PATCH", &format!("/admin/webhooks/{id}"), &env)
            .json(&json!({"status": "disabled"})),
    )
    .await;
    assert_eq!(
        (
            off.body["status"].as_str(),
            off.body["disabled_reason"].as_str()
        ),
        (Some("disabled"), Some("merchant"))
    );
    let gone = call(
        &env,
        admin_req("DELETE", &format!("/admin/webhooks/{id}"), &env),
    )
    .await;
    assert_eq!(gone.status, 204);
    call(
        &env,
        admin_req("GET", &format!("/admin/webhooks/{id}"), &env),
    )
    .await
    .assert_problem(404, "not_found");
    call(
        &env,
        admin_req("POST", &format!("/admin/webhooks/{id}/rotate"), &env),
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_shop_without_endpoints_writes_no_messages() {
    let env = TestEnv::new().await;
    earning_shop(&env).await;
    assert_eq!(
        accrue_now(&env, "m1", "o1", "120.00", json!([]))
            .await
            .status,
        200
    );
    assert_eq!(messages_stream(&env).await["Records"], json!([]));
}

#[tokio::test]
async fn an_accrual_arrives_once_signed_as_points_earned_and_a_replayed_batch_adds_nothing() {
    let mut env = TestEnv::with_clock(Clock::Fixed(test_epoch())).await;
    earning_shop(&env).await;
    let rx = receiver(vec![]).await;
    let (id, secret) = loopback_endpoint(&env, &rx.url, &[]).await;
    let filtered = receiver(vec![]).await;
    let (level_only, _) = loopback_endpoint(&env, &filtered.url, &["level.changed"]).await;

    let res = accrue_now(&env, "m1", "o1", "120.00", json!([])).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(fanout(&env).await["new"], 1);
    // Lambda reads a stream at least once: the same batch again finds its delivery.
    assert_eq!(fanout(&env).await["new"], 0);
    assert_eq!(deliveries(&env, &id).await[0]["status"], "pending");

    let tally = sweep(&mut env, test_epoch() + Duration::seconds(1)).await;
    assert_eq!(tally.delivered, 1, "{tally:?}");
    let got = rx.got();
    assert_eq!(got.len(), 1);
    assert_eq!(verified_by(&got[0], &secret), 1);
    assert_eq!(got[0].headers["content-type"], "application/json");
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["type"], "points.earned");
    assert_eq!(body["data"]["shop"], env.shop.as_str());
    assert_eq!(body["data"]["member_id"], "m1");
    assert_eq!(body["data"]["order_id"], "o1");
    assert_eq!(
        (
            body["data"]["amount"].as_i64(),
            body["data"]["balance_after"].as_i64()
        ),
        (Some(120), Some(120))
    );
    assert!(got[0].headers["webhook-id"].starts_with("msg_"));
    assert_eq!(
        got[0].headers["webhook-timestamp"],
        (test_epoch() + Duration::seconds(1))
            .timestamp()
            .to_string()
    );
    let listed = deliveries(&env, &id).await;
    assert_eq!(
        (listed[0]["status"].as_str(), listed[0]["attempts"].as_u64()),
        (Some("delivered"), Some(1))
    );
    assert_eq!(listed[0]["last_status_code"], 200);
    assert_eq!(listed[0]["next_attempt_at"], Value::Null);
    // Nothing is due any more; the endpoint filtered to level changes heard nothing.
    assert_eq!(
        sweep(&mut env, test_epoch() + Duration::days(3)).await,
        webhook_sender::Tally::default()
    );
    assert!(filtered.got().is_empty());
    assert!(deliveries(&env, &level_only).await.is_empty());
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_id_on_schedule_and_410_disables_the_endpoint() {
    let t0 = test_epoch();
    let mut env = TestEnv::with_clock(Clock::Fixed(t0)).await;
    earning_shop(&env).await;
    // 500, then 429 asking for 10 minutes, then 200.
    let rx = receiver(vec![(500, None), (429, Some("600"))]).await;
    let (id, secret) = loopback_endpoint(&env, &rx.url, &["points.earned"]).await;
    assert_eq!(
        accrue_now(&env, "m1", "o1", "200.00", json!([]))
            .await
            .status,
        200
    );
    fanout(&env).await;

    assert_eq!(sweep(&mut env, t0).await.failed, 1);
    let first = deliveries(&env, &id).await.remove(0);
    assert_eq!(
        (first["status"].as_str(), first["last_status_code"].as_u64()),
        (Some("failed"), Some(500))
    );
    // The first retry is 5 s later (jitter up to 10 %): not at 4 s, at 6 s.
    assert_eq!(
        sweep(&mut env, t0 + Duration::seconds(4)).await,
        webhook_sender::Tally::default()
    );
    assert_eq!(sweep(&mut env, t0 + Duration::seconds(6)).await.failed, 1);
    // The receiver's Retry-After (600 s) outweighs the schedule's 5 minutes.
    let t2 = t0 + Duration::seconds(6);
    assert_eq!(
        sweep(&mut env, t2 + Duration::seconds(331)).await,
        webhook_sender::Tally::default()
    );
    assert_eq!(
        sweep(&mut env, t2 + Duration::seconds(600)).await.delivered,
        1
    );
    let got = rx.got();
    assert_eq!(got.len(), 3);
    assert!(got
        .iter()
        .all(|g| g.headers["webhook-id"] == got[0].headers["webhook-id"]));
    assert!(got.iter().all(|g| verified_by(g, &secret) == 1));
    assert_eq!(deliveries(&env, &id).await[0]["attempts"], 3);

    // A receiver that says 410 Gone: the endpoint is disabled, and the shop stops writing
    // messages nobody takes.
    let gone = receiver(vec![(410, None)]).await;
    let (gone_id, _) = loopback_endpoint(&env, &gone.url, &["points.redeemed"]).await;
    let m1 = env.token("customer", "m1");
    let res = env.redeem_as(&m1, "o1", json!({"points": 100})).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    fanout(&env).await;
    let t3 = t2 + Duration::seconds(700);
    sweep(&mut env, t3).await;
    let endpoint = call(
        &env,
        admin_req("GET", &format!("/admin/webhooks/{gone_id}"), &env),
    )
    .await;
    assert_eq!(
        (
            endpoint.body["status"].as_str(),
            endpoint.body["disabled_reason"].as_str()
        ),
        (Some("disabled"), Some("gone"))
    );
    let s = shop(&env);
    let snap = env
        .store()
        .load(&[store::keys::settings(&s)])
        .await
        .unwrap();
    assert_eq!(
        store::settings::read(&snap, &s)
            .unwrap()
            .unwrap()
            .webhook_types,
        ["points.earned"]
    );
    assert_eq!(gone.got().len(), 1);
}

/// Security review (issue 31, high): a receiver answering `503` with `Retry-After:
/// 10000000000000` overflowed `now + delay` and aborted the sender, losing every other
/// endpoint's sends in that run. The wait is capped at 24 hours, in both of the header's
/// forms, and the other endpoint's message is delivered in the same sweep.
#[tokio::test]
async fn a_receivers_huge_retry_after_waits_a_day_and_stops_nobody_else() {
    let t0 = test_epoch();
    let mut env = TestEnv::with_clock(Clock::Fixed(t0)).await;
    earning_shop(&env).await;
    let hostile = receiver(vec![
        (503, Some("10000000000000")),
        (503, Some("Fri, 31 Dec 9999 23:59:59 GMT")),
    ])
    .await;
    let (hostile_id, _) = loopback_endpoint(&env, &hostile.url, &["points.earned"]).await;
    let fine = receiver(vec![]).await;
    let (fine_id, _) = loopback_endpoint(&env, &fine.url, &["points.earned"]).await;
    let res = accrue_now(&env, "m1", "o1", "120.00", json!([])).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    fanout(&env).await;

    let tally = sweep(&mut env, t0).await;
    assert_eq!((tally.delivered, tally.failed), (1, 1), "{tally:?}");
    assert_eq!(fine.got().len(), 1);
    assert_eq!(deliveries(&env, &fine_id).await[0]["status"], "delivered");
    let held = deliveries(&env, &hostile_id).await.remove(0);
    assert_eq!(held["status"], "failed");
    assert_eq!(
        held["next_attempt_at"],
        api::render::instant(t0 + Duration::hours(24))
    );
    // Not a moment before the day is out; then the HTTP-date form far in the future is a
    // day again.
    assert_eq!(
        sweep(&mut env, t0 + Duration::hours(24) - Duration::seconds(1)).await,
        webhook_sender::Tally::default()
    );
    let t1 = t0 + Duration::hours(24);
    assert_eq!(sweep(&mut env, t1).await.failed, 1);
    assert_eq!(
        deliveries(&env, &hostile_id).await[0]["next_attempt_at"],
        api::render::instant(t1 + Duration::hours(24))
    );
    assert_eq!(sweep(&mut env, t1 + Duration::hours(24)).await.delivered, 1);
    assert_eq!(hostile.got().len(), 3);
}

/// A receiver that says 410 Gone with a backlog queued behind it: the sweeper's workers send
/// what they had under way (at most `PER_ENDPOINT`) and park the rest, which waits for the
/// merchant's recovery like any delivery of a disabled endpoint. Before, every queued message
/// was sent once more and answered 410 again.
#[tokio::test]
async fn a_410_parks_the_backlog_queued_behind_it() {
    let t0 = test_epoch();
    let env = TestEnv::with_clock(Clock::Fixed(t0)).await;
    earning_shop(&env).await;
    let backlog = webhook_sender::PER_ENDPOINT + 4;
    let gone = receiver(vec![(410, None); backlog]).await;
    let (id, _) = loopback_endpoint(&env, &gone.url, &["points.earned"]).await;
    for i in 0..backlog {
        let res = accrue_now(&env, "m1", &format!("o{i}"), "10.00", json!([])).await;
        assert_eq!(res.status, 200, "{}", res.raw);
    }
    fanout(&env).await;
    assert_eq!(deliveries(&env, &id).await.len(), backlog);

    // The sweeper as it runs in AWS, for 5 s instead of 55 (the clock stands still, so the
    // failed ones come due again only 5 s later by it, never in this run). `run_for` takes
    // its context for the invocation's life, as Lambda's is.
    let env: &'static TestEnv = Box::leak(Box::new(env));
    let sender: &'static webhook_sender::Sender =
        Box::leak(Box::new(webhook_sender::Sender::new(true).unwrap()));
    let tally = webhook_sender::run_for(&env.ctx, sender, std::time::Duration::from_secs(5))
        .await
        .unwrap();
    let sent = gone.got().len();
    assert!(
        sent <= webhook_sender::PER_ENDPOINT,
        "{sent} of {backlog} sent after a 410"
    );
    assert_eq!(
        (tally.failed + tally.exhausted, tally.parked),
        (sent as u64, (backlog - sent) as u64),
        "{tally:?}"
    );
    assert!(tally.disabled >= 1, "{tally:?}");
    let endpoint = call(env, admin_req("GET", &format!("/admin/webhooks/{id}"), env)).await;
    assert_eq!(endpoint.body["disabled_reason"], "gone", "{}", endpoint.raw);
    let after = deliveries(env, &id).await;
    assert_eq!(after.len(), backlog);
    assert_eq!(
        after.iter().filter(|d| d["attempts"] == 0).count(),
        backlog - sent,
        "{after:?}"
    );
    assert!(after.iter().all(|d| d["status"] != "pending"), "{after:?}");
}

/// Directory (003, members brought in from another system): each imported row is told as
/// `member.registered` (channel `import`, its opening balances), as a registration is; a
/// refused row tells nothing, and the same rows imported again (unchanged) tell nothing more.
#[tokio::test]
async fn an_import_tells_member_registered_once_for_each_imported_row() {
    let t0 = test_epoch();
    let mut env = TestEnv::with_clock(Clock::Fixed(t0)).await;
    earning_shop(&env).await;
    let rx = receiver(vec![]).await;
    let (id, secret) = loopback_endpoint(&env, &rx.url, &["member.registered"]).await;
    let rows = json!({"members": [
        {"member_id": "i1", "member_no": "N1", "points": "120", "credit": "5.00"},
        {"member_id": "i2", "name": "Wen"},
        {"member_id": "i3", "member_no": "N1"},
    ]});
    let res = import(&env, "import-1", ImportBody::Json(rows.clone())).await;
    assert_eq!(
        (&res.body["imported"], &res.body["errors"][0]["code"]),
        (&json!(2), &json!("member_no_taken")),
        "{}",
        res.raw
    );
    fanout(&env).await;
    assert_eq!(sweep(&mut env, t0).await.delivered, 2);
    let got = rx.got();
    assert!(got.iter().all(|g| verified_by(g, &secret) == 1));
    let mut told: Vec<Value> = got
        .iter()
        .map(|g| serde_json::from_str(&g.body).unwrap())
        .collect();
    told.sort_by_key(|m| m["data"]["member_id"].as_str().map(str::to_owned));
    assert!(told.iter().all(|m| m["type"] == "member.registered"
        && m["data"]["channel"] == "import"
        && m["data"]["shop"] == env.shop.as_str()));
    assert_eq!(
        [&told[0]["data"]["member_id"], &told[1]["data"]["member_id"]],
        [&json!("i1"), &json!("i2")]
    );
    assert_eq!(
        (
            &told[0]["data"]["points_balance"],
            &told[0]["data"]["credit_balance"]
        ),
        (&json!(120), &json!("5.00"))
    );

    let again = import(&env, "import-2", ImportBody::Json(rows)).await;
    assert_eq!(again.body["unchanged"], 2, "{}", again.raw);
    fanout(&env).await;
    assert_eq!(deliveries(&env, &id).await.len(), 2);
    assert_eq!(sweep(&mut env, t0).await, webhook_sender::Tally::default());
}

#[tokio::test]
async fn rotation_signs_with_both_secrets_for_a_day_and_recovery_sends_again() {
    let t0 = test_epoch();
    let mut env = TestEnv::with_clock(Clock::Fixed(t0)).await;
    earning_shop(&env).await;
    let rx = receiver(vec![(503, None); 10]).await;
    let (id, old) = loopback_endpoint(&env, &rx.url, &[]).await;
    let rotated = call(
        &env,
        admin_req("POST", &format!("/admin/webhooks/{id}/rotate"), &env),
    )
    .await;
    assert_eq!(rotated.status, 200, "{}", rotated.raw);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(
        rotated.body["previous_secret_until"],
        api::render::instant(t0 + Duration::hours(24))
    );

    // A test message walks the whole schedule against a receiver that always fails.
    let test = call(
        &env,
        admin_req("POST", &format!("/admin/webhooks/{id}/test"), &env),
    )
    .await;
    assert_eq!(test.status, 202, "{}", test.raw);
    fanout(&env).await;
    let mut at = t0;
    for _ in 0..10 {
        sweep(&mut env, at).await;
        let d = deliveries(&env, &id).await.remove(0);
        match d["next_attempt_at"].as_str() {
            Some(next) => {
                at = DateTime::parse_from_rfc3339(next)
                    .unwrap()
                    .with_timezone(&Utc)
            }
            None => break,
        }
    }
    let d = deliveries(&env, &id).await.remove(0);
    assert_eq!(
        (d["status"].as_str(), d["attempts"].as_u64()),
        (Some("exhausted"), Some(10))
    );
    assert_eq!(d["type"], "webhook.test");
    let got = rx.got();
    assert_eq!(got.len(), 10);
    // Within the day of the rotation both secrets sign; after it only the new one.
    assert_eq!(
        (verified_by(&got[0], &new), verified_by(&got[0], &old)),
        (1, 1)
    );
    let last = got.last().unwrap();
    assert_eq!((verified_by(last, &new), verified_by(last, &old)), (1, 0));
    // The schedule spans about 3 days: the endpoint is failing, not yet disabled (5 days).
    let endpoint = call(
        &env,
        admin_req("GET", &format!("/admin/webhooks/{id}"), &env),
    )
    .await;
    assert_eq!(endpoint.body["status"], "enabled");

    // The merchant fixes the receiver and recovers: sent once more.
    let since = api::render::instant(t0 - Duration::hours(1));
    let res = recover(&env, &id, &since).await;
    assert_eq!((res.status, res.body["requeued"].as_u64()), (202, Some(1)));
    assert_eq!(
        recover(&env, &id, &since).await.body["requeued"],
        0,
        "a pending message is not requeued twice"
    );
    let tally = sweep(&mut env, at + Duration::hours(1)).await;
    assert_eq!(tally.delivered, 1, "{tally:?}");
    assert_eq!(rx.got().len(), 11);
    assert_eq!(
        recover(&env, &id, &since).await.body["requeued"],
        0,
        "a delivered message is not sent again"
    );
    call(
        &env,
        admin_req("POST", &format!("/admin/webhooks/{id}/recover"), &env)
            .json(&json!({"since": "yesterday"})),
    )
    .await
    .assert_problem(422, "invalid_request");
}

async fn recover(env: &TestEnv, id: &str, since: &str) -> Res {
    let path = format!("/admin/webhooks/{id}/recover");
    call(
        env,
        admin_req("POST", &path, env).json(&json!({"since": since})),
    )
    .await
}

/// What webhooks cost in DynamoDB capacity (BENCHMARKS.md "Outbound webhooks"): an accrual
/// in a shop without endpoints, the same with one (its messages item), the fan-out's
/// delivery, and one attempt (claim and record). Printed with
/// `cargo test -p loyalty-tests --test functions webhooks_capacity -- --nocapture`.
#[tokio::test]
async fn webhooks_capacity_per_operation_and_per_delivery() {
    use loyalty_tests::capacity::Meter;
    let t0 = test_epoch();
    let mut env = TestEnv::with_clock(Clock::Fixed(t0)).await;
    earning_shop(&env).await;
    let plain = env.ctx.store.clone();
    let meter = Meter::default();
    env.ctx.store = meter.store(&plain);
    meter.reset();
    assert_eq!(
        accrue_now(&env, "m1", "o1", "120.00", json!([]))
            .await
            .status,
        200
    );
    let without = meter.cost(&plain).await;

    let rx = receiver(vec![]).await;
    loopback_endpoint(&env, &rx.url, &[]).await;
    meter.reset();
    assert_eq!(
        accrue_now(&env, "m1", "o2", "120.00", json!([]))
            .await
            .status,
        200
    );
    let with = meter.cost(&plain).await;
    meter.reset();
    // Scanning for the stream's records is the test's own read, not the fan-out's.
    let stream = {
        let mut only_new = messages_stream(&env).await;
        let records = only_new["Records"].as_array_mut().unwrap();
        records.retain(|r| r.to_string().contains("\\\"order_id\\\":\\\"o2\\\""));
        only_new
    };
    meter.reset();
    assert_eq!(
        webhook_fanout::handle(&env.ctx, &stream).await.unwrap()["new"],
        1
    );
    let fanout = meter.cost(&plain).await;
    meter.reset();
    assert_eq!(
        sweep(&mut env, t0 + Duration::seconds(1)).await.delivered,
        1
    );
    let attempt = meter.cost(&plain).await;

    let messages_wcu: u64 = with
        .writes
        .iter()
        .filter(|(k, _, _, _)| k.sk == "EVT")
        .map(|w| w.3)
        .sum();
    println!("| step | items read | RCU | items written | WCU |");
    println!("|---|---|---|---|---|");
    for (name, c) in [
        ("accrue-points, shop without endpoints", &without),
        ("accrue-points, shop with an endpoint", &with),
        ("webhook-fanout, one delivery", &fanout),
        (
            "webhook-sender, one attempt (due query, endpoints, claim, record)",
            &attempt,
        ),
    ] {
        println!(
            "| {name} | {} | {} | {} | {} |",
            c.items_read,
            c.rcu,
            c.writes.len(),
            c.wcu()
        );
    }
    // The messages item is the whole difference, and one transactional KB costs 2 WCU.
    assert_eq!(with.wcu(), without.wcu() + messages_wcu);
    assert_eq!(messages_wcu, 2);
    assert_eq!(fanout.writes.len(), 1);
    assert_eq!(attempt.writes.len(), 2);
}

/// 004: points expire 12 months after they are earned; five days before, the shop's
/// endpoints hear `points.expiring`, and when the hourly job writes them off,
/// `points.expired` (the job's own transaction carries the message). A rerun of the day
/// tells nothing twice.
#[tokio::test]
async fn the_expiry_job_tells_points_expiring_and_expired() {
    let t0: DateTime<Utc> = "2026-01-10T00:30:00Z".parse().unwrap();
    let mut env = TestEnv::with_clock(Clock::Fixed(t0)).await;
    setup_shop(&env).await;
    points_program(
        &env,
        json!({"enabled": true, "earn": {"points_per_unit": 1}, "redeem": {"points_per_unit": 100},
               "expiry": {"kind": "months", "months": 12}}),
    )
    .await;
    let rx = receiver(vec![]).await;
    let (id, _) = loopback_endpoint(&env, &rx.url, &["points.expiring", "points.expired"]).await;
    let accrued = accrue_now(&env, "m1", "o1", "50.00", json!([])).await;
    assert_eq!(accrued.status, 200, "{}", accrued.raw);
    // The accrual itself is not a type this endpoint takes.
    assert_eq!(messages_stream(&env).await["Records"], json!([]));

    let expires: DateTime<Utc> = accrued.body["points_expire_at"]
        .as_str()
        .map(|t| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc))
        .expect("the lot's expiry");
    let notice_day = (expires - Duration::days(5))
        .date_naive()
        .and_hms_opt(0, 10, 0)
        .unwrap()
        .and_utc();
    env.ctx.clock = Clock::Fixed(notice_day);
    assert_eq!(
        expire_lots::notify_expiring(&env.ctx, notice_day)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        expire_lots::notify_expiring(&env.ctx, notice_day)
            .await
            .unwrap(),
        0
    );
    let after = expires + Duration::hours(1);
    env.ctx.clock = Clock::Fixed(after);
    expire_lots::sweep(&env.ctx, after).await.unwrap();
    fanout(&env).await;
    sweep(&mut env, after + Duration::seconds(1)).await;
    let mut types: Vec<(String, Value)> = rx
        .got()
        .iter()
        .map(|g| serde_json::from_str::<Value>(&g.body).unwrap())
        .map(|b| {
            (
                b["type"].as_str().unwrap().to_owned(),
                b["data"]["amount"].clone(),
            )
        })
        .collect();
    types.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        types,
        [
            ("points.expired".to_owned(), json!(-50)),
            ("points.expiring".to_owned(), json!(50))
        ]
    );
    assert_eq!(deliveries(&env, &id).await.len(), 2);
}

/// The messages the shop's transactions wrote, as the fan-out reads them.
async fn told(env: &TestEnv) -> Vec<store::webhooks::Message> {
    let stream = messages_stream(env).await;
    let mut out = Vec::new();
    for r in stream["Records"].as_array().unwrap() {
        let image = &r["dynamodb"]["NewImage"];
        let (_, messages) = store::webhooks::decode_messages(
            image["shop"]["S"].as_str().unwrap(),
            image["messages"]["S"].as_str().unwrap(),
        )
        .unwrap();
        out.extend(messages);
    }
    out
}

/// API 1.3 "every balance movement is told", tried as an ERP would: one endpoint for every
/// type follows a member through adjustments, an accrual with credit, redemptions of points,
/// credit and stored value, a whole refund, a refund to credit and another member's erasure.
/// Every ledger entry is told by exactly one message carrying its id, kind, signed amount
/// and balance after, and the messages alone add up to each balance (004, 001, 003).
#[tokio::test]
async fn every_ledger_entry_is_told_by_exactly_one_message_and_they_add_up_to_the_balances() {
    let env = TestEnv::with_clock(Clock::Fixed(test_epoch())).await;
    earning_shop(&env).await;
    let credit = Req::put("/admin/programs/credit")
        .bearer(&env.admin())
        .json(
            &json!({"enabled": true, "expiry": {"kind": "never"}, "rules": [
            {"type": "each_order", "grant": {"per": "100.00", "give": "2.00"}}]}),
        )
        .build();
    let res = Res::from_response(admin_credit_program::handler(&env.ctx, credit).await);
    assert_eq!(res.status, 200, "{}", res.raw);
    loopback_endpoint(&env, "http://127.0.0.1:9/hook", &[]).await;

    for (key, account, delta) in [
        ("a1", "points", json!(500)),
        ("a2", "credit", json!("20.00")),
        ("a3", "value", json!("100.00")),
    ] {
        let body = json!({"account": account, "delta": delta, "reason": "opening"});
        assert_eq!(adjust(&env, "m1", key, body).await.status, 200);
    }
    assert_eq!(
        accrue_now(&env, "m1", "o1", "200.00", json!([]))
            .await
            .status,
        200
    );
    for spend in [
        json!({"points": 100}),
        json!({"credit": "5.00"}),
        json!({"value": "30.00"}),
    ] {
        let res = redeem(&env, "m1", "o2", spend).await;
        assert_eq!(res.status, 200, "{}", res.raw);
    }
    assert_eq!(
        accrue_now(&env, "m1", "o2", "100.00", json!([]))
            .await
            .status,
        200
    );
    let back = refund_order(&env, "m1", "o2", "r1", "100.00").await;
    assert_eq!(back.status, 200, "{}", back.raw);
    let to_credit = json!({"refund_id": "rc1", "member_id": "m1", "amount": "10.00"});
    let res = env.refund_to_credit("o1", to_credit).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    let body = json!({"account": "points", "delta": 50, "reason": "opening"});
    assert_eq!(adjust(&env, "m2", "b1", body).await.status, 200);
    let erase = Req::new("DELETE".parse().unwrap(), "/admin/members/m2")
        .param("member_id", "m2")
        .bearer(&env.admin())
        .json(&json!({"reason": "the member asked"}))
        .build();
    let res = Res::from_response(member_privacy::handler(&env.ctx, erase).await);
    assert_eq!(res.status, 200, "{}", res.raw);

    let messages = told(&env).await;
    let mut by_entry: HashMap<String, Vec<&store::webhooks::Message>> = HashMap::new();
    for m in &messages {
        if let Some(id) = m.data["entry_id"].as_str() {
            by_entry.entry(id.to_owned()).or_default().push(m);
        }
    }
    let now = member(&env, "m1").await;
    for account in ["points", "credit", "value"] {
        let entries = ledger_all(&env, "m1", account).await;
        assert!(!entries.is_empty(), "{account}");
        let mut sum = Decimal::ZERO;
        for e in &entries {
            let id = e["entry_id"].as_str().unwrap();
            let heard = by_entry.get(id).map_or(0, Vec::len);
            assert_eq!(heard, 1, "entry {e} told {heard} times");
            let m = by_entry[id][0];
            assert_eq!(
                (&m.data["member_id"], &m.data["account"], &m.data["kind"]),
                (&json!("m1"), &e["account"], &e["kind"]),
                "{}",
                m.kind
            );
            assert_eq!(
                (&m.data["amount"], &m.data["balance_after"]),
                (&e["amount"], &e["balance_after"])
            );
            sum += dec(&m.data["amount"]);
        }
        assert_eq!(
            sum,
            dec(&now[account]["balance"]),
            "{account}: the messages add up"
        );
    }
    let types: std::collections::BTreeSet<&str> =
        messages.iter().map(|m| m.kind.as_str()).collect();
    for t in [
        "balance.adjusted",
        "points.earned",
        "points.redeemed",
        "points.reversed",
        "points.restored",
        "points.forfeited",
        "credit.issued",
        "credit.redeemed",
        "credit.reversed",
        "value.spent",
        "value.restored",
    ] {
        assert!(types.contains(t), "{t} was never told: {types:?}");
    }
}

/// 003 (会员等级有效期): a level that lapses by time alone, for a member nobody touches, is
/// written by the hourly job and told like every other level change: one `level.changed`
/// (downgrade, from silver to base, effective at the local midnight it lapsed), and a
/// second run tells nothing more. Before, the job wrote the lapse and told no one.
#[tokio::test]
async fn seed_003_a_level_lapsed_by_time_alone_is_told_once_by_the_hourly_job() {
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-03-19T10:00:00+01:00"))).await;
    let mut doc = super::ladder::ladder("points", [json!(0), json!(500), json!(2000)]);
    doc["levels"][1]["validity_days"] = json!(10);
    doc["levels"][1]["downgrade"] = json!({"kind": "recompute"});
    super::ladder::shop_with(&env, "Europe/Berlin", &doc).await;
    let rx = receiver(vec![]).await;
    loopback_endpoint(&env, &rx.url, &["level.changed"]).await;
    let res = accrue_now(&env, "d1", "o1", "600.00", json!([])).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    let lapses = |told: Vec<store::webhooks::Message>| -> Vec<Value> {
        told.into_iter()
            .filter(|m| m.kind == "level.changed" && m.data["cause"] == "downgrade")
            .map(|m| m.data)
            .collect()
    };
    assert_eq!(lapses(told(&env).await), Vec::<Value>::new());

    // The points upgrade waits for local midnight (00:00 CET on 20 March); the hourly job
    // writes it then. Silver for 10 days from 20 March lapses at 00:00 CEST on 30 March
    // (22:00 UTC on the 29th, past the switch to summer time); the job runs an hour later.
    let upgraded = at("2026-03-20T00:30:00+01:00");
    env.ctx.clock = Clock::Fixed(upgraded);
    assert_eq!(
        expire_lots::settle_levels(&env.ctx, upgraded)
            .await
            .unwrap()
            .0,
        1
    );
    assert_eq!(lapses(told(&env).await), Vec::<Value>::new());
    let hour_after = at("2026-03-29T23:00:00Z");
    env.ctx.clock = Clock::Fixed(hour_after);
    assert_eq!(member(&env, "d1").await["level"]["level_id"], "base");
    let (settled, _) = expire_lots::settle_levels(&env.ctx, hour_after)
        .await
        .unwrap();
    assert_eq!(settled, 1);
    let told_once = lapses(told(&env).await);
    assert_eq!(told_once.len(), 1, "{told_once:?}");
    let m = &told_once[0];
    assert_eq!(
        (&m["member_id"], &m["from"], &m["to"], &m["shop"]),
        (
            &json!("d1"),
            &json!("silver"),
            &json!("base"),
            &json!(env.shop)
        )
    );
    assert_eq!(m["effective_at"], "2026-03-30T00:00:00+02:00");
    expire_lots::settle_levels(&env.ctx, hour_after)
        .await
        .unwrap();
    assert_eq!(lapses(told(&env).await).len(), 1);
}

/// 000 (付费卡): a paid card settled by the signed payment webhook is told once as
/// `card.purchased`: the card as its holder sees it, its purchase, and what was paid in the
/// shop's currency; a gift pack that issued everything names nothing as not issued.
#[tokio::test]
async fn seed_000_a_paid_card_is_told_once_as_card_purchased_with_its_purchase_and_price() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let rx = receiver(vec![]).await;
    loopback_endpoint(&env, &rx.url, &["card.purchased"]).await;
    let card = new_card(
        &env,
        json!({"kind": "paid", "name": "Platinum", "price": "99.00", "stock": 3,
               "validity": {"kind": "days", "days": 365}, "gift_pack": {"points": 50}}),
    )
    .await;
    let me = env.token("customer", "m1");
    let p = purchase(&env, &me, &card, json!({})).await;
    assert_eq!(p.status, 201, "{}", p.raw);
    let event = payment("evt_1", "payment.succeeded", &p.body);
    assert_eq!(webhook(&env, &event).await.status, 200);
    assert_eq!(webhook(&env, &event).await.body["status"], "duplicate");
    let pid = p.body["purchase_id"].as_str().unwrap();
    let paid = get_purchase(&env, &me, pid).await;

    let bought: Vec<Value> = told(&env)
        .await
        .into_iter()
        .filter(|m| m.kind == "card.purchased")
        .map(|m| m.data)
        .collect();
    assert_eq!(bought.len(), 1, "{bought:?}");
    let d = &bought[0];
    assert_eq!(
        (
            &d["member_id"],
            &d["card_id"],
            &d["purchase_id"],
            &d["paid"]
        ),
        (&json!("m1"), &json!(card), &json!(pid), &json!("99.00"))
    );
    assert_eq!(
        (&d["card_no"], &d["status"], &d["gift_pack_issued"]),
        (&paid.body["card_no"], &json!("active"), &json!(true))
    );
    assert_eq!(d.get("coupons_not_issued"), None, "{d}");
}
