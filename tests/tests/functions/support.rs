//! Calls into the handlers and reads of the table for assertions.

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;

use domain::Decimal;
use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub async fn settings(env: &TestEnv, token: &str, body: Value) -> Res {
    let req = Req::put("/admin/settings")
        .bearer(token)
        .json(&body)
        .build();
    Res::from_response(admin_settings::handler(&env.ctx, req).await)
}

pub async fn setup_shop(env: &TestEnv) {
    let res = settings(
        env,
        &env.admin(),
        json!({"currency": "MYR", "timezone": "Asia/Kuala_Lumpur", "webhook_secret": "whsec_0123456789abcdef"}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.raw);
}

pub fn adjust_req(token: &str, member: &str, key: Option<&str>, body: &Value) -> Req {
    let mut req = Req::post(&format!("/members/{member}/adjustments"))
        .param("member_id", member)
        .bearer(token)
        .json(body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req
}

pub async fn call_adjust(env: &TestEnv, req: &Req) -> Res {
    Res::from_response(adjust_balance::handler(&env.ctx, req.build()).await)
}

pub async fn adjust(env: &TestEnv, member: &str, key: &str, body: Value) -> Res {
    call_adjust(env, &adjust_req(&env.admin(), member, Some(key), &body)).await
}

pub async fn member_as(env: &TestEnv, token: &str, member: &str) -> Res {
    let req = Req::get(&format!("/members/{member}"))
        .param("member_id", member)
        .bearer(token)
        .build();
    Res::from_response(get_member::handler(&env.ctx, req).await)
}

pub async fn member(env: &TestEnv, member: &str) -> Value {
    let res = member_as(env, &env.admin(), member).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    res.body
}

pub async fn ledger_page(env: &TestEnv, token: &str, member: &str, query: &[(&str, &str)]) -> Res {
    let mut req = Req::get(&format!("/members/{member}/ledger"))
        .param("member_id", member)
        .bearer(token);
    for (k, v) in query {
        req = req.query(k, v);
    }
    Res::from_response(get_ledger::handler(&env.ctx, req.build()).await)
}

/// Every entry of one account, newest first, following the cursor to the end.
pub async fn ledger_all(env: &TestEnv, member: &str, account: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("account", account), ("limit", "100")];
        if let Some(c) = &cursor {
            query.push(("cursor", c));
        }
        let res = ledger_page(env, &env.admin(), member, &query).await;
        assert_eq!(res.status, 200, "{}", res.raw);
        items.extend(res.body["items"].as_array().unwrap().iter().cloned());
        match res.body["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

pub fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => Decimal::from_str(s).unwrap(),
        Value::Number(n) => Decimal::from(n.as_i64().unwrap()),
        other => panic!("not an amount: {other}"),
    }
}

/// The sum of an account's ledger entries.
pub async fn ledger_sum(env: &TestEnv, member: &str, account: &str) -> Decimal {
    ledger_all(env, member, account)
        .await
        .iter()
        .map(|e| dec(&e["amount"]))
        .sum()
}

/// How many items the member's partition holds (balances, ledger), read with a Query.
pub async fn member_items(env: &TestEnv, member: &str) -> usize {
    let out = env
        .store()
        .client()
        .query()
        .table_name(env.store().table())
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(
            ":pk",
            store::item::s(format!("SHOP#{}#M#{member}", env.shop)),
        )
        .send()
        .await
        .unwrap();
    out.items.unwrap_or_default().len()
}

/// Whether an idempotency record exists for the key.
pub async fn idempotency_record_exists(env: &TestEnv, key: &str) -> bool {
    let out = env
        .store()
        .client()
        .get_item()
        .table_name(env.store().table())
        .key(
            "PK",
            store::item::s(format!("SHOP#{}#IDEM#{key}", env.shop)),
        )
        .key("SK", store::item::s("IDEM"))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    out.item.is_some()
}

pub async fn create_card(env: &TestEnv, body: Value) -> Res {
    let req = Req::post("/admin/cards")
        .bearer(&env.admin())
        .json(&body)
        .build();
    Res::from_response(admin_cards::handler(&env.ctx, req).await)
}

/// Creates a card and returns its id.
pub async fn new_card(env: &TestEnv, body: Value) -> String {
    let res = create_card(env, body).await;
    assert_eq!(res.status, 201, "{}", res.raw);
    res.body["card_id"].as_str().unwrap().to_owned()
}

pub async fn admin_card(
    env: &TestEnv,
    method: &str,
    card: &str,
    suffix: &str,
    body: Option<Value>,
) -> Res {
    let path = format!("/admin/cards/{card}{suffix}");
    let mut req = Req::new(method.parse().unwrap(), &path)
        .param("card_id", card)
        .bearer(&env.admin());
    if let Some(b) = body {
        req = req.json(&b);
    }
    Res::from_response(admin_cards::handler(&env.ctx, req.build()).await)
}

pub async fn claim(env: &TestEnv, token: &str, card: &str, body: Value) -> Res {
    let req = Req::post(&format!("/cards/{card}/claim"))
        .param("card_id", card)
        .bearer(token)
        .json(&body)
        .build();
    Res::from_response(claim_card::handler(&env.ctx, req).await)
}

pub async fn purchase(env: &TestEnv, token: &str, card: &str, body: Value) -> Res {
    let req = Req::post(&format!("/cards/{card}/purchase"))
        .param("card_id", card)
        .bearer(token)
        .json(&body)
        .build();
    Res::from_response(purchase_card::handler(&env.ctx, req).await)
}

pub const WEBHOOK_SECRET: &str = "whsec_0123456789abcdef";

/// Delivers a payment event signed as the provider would, `age` seconds ago.
pub async fn webhook_signed(env: &TestEnv, body: &Value, secret: &str, age: i64) -> Res {
    let raw = body.to_string();
    let t = env.ctx.now().timestamp() - age;
    let req = Req::post("/webhooks/payments")
        .header("webhook-shop", &env.shop)
        .header(
            "webhook-signature",
            &api::payments::sign(secret, t, raw.as_bytes()),
        )
        .raw(&raw)
        .build();
    Res::from_response(payment_webhook::handler(&env.ctx, req).await)
}

pub async fn webhook(env: &TestEnv, body: &Value) -> Res {
    webhook_signed(env, body, WEBHOOK_SECRET, 0).await
}

pub fn payment(event: &str, kind: &str, purchase: &Value) -> Value {
    json!({"id": event, "type": kind, "data": {
        "reference": purchase["purchase_id"], "amount": purchase["amount"], "currency": purchase["currency"]}})
}

pub async fn get_purchase(env: &TestEnv, token: &str, id: &str) -> Res {
    let req = Req::get(&format!("/purchases/{id}"))
        .param("purchase_id", id)
        .bearer(token)
        .build();
    Res::from_response(get_purchase::handler(&env.ctx, req).await)
}

/// Function instances serving a race, as Lambda (and `cargo lambda watch --concurrency`)
/// serves them, one request each at a time. More only queue on the local DynamoDB, which
/// serves one request at a time.
pub const INSTANCES: usize = 16;

/// Rounds of a race: a request answered 503 `contention` is sent again, as its client would.
const ROUNDS: usize = 20;

/// Sends `n` requests at once, at most `INSTANCES` of them inside the functions, and
/// returns every answer, request `i`'s at `i`.
///
/// A request that lost every race it ran within the executor's budget answers 503
/// `contention` (retryable: none of its attempts committed). On a loaded machine a single
/// -threaded local DynamoDB behind 16 instances makes that budget run out; a client then
/// sends the same request again (same Idempotency-Key), and so does this: slower under
/// load, never a different outcome.
pub async fn race<F, Fut>(n: usize, request: F) -> Vec<Res>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Res> + Send + 'static,
{
    let mut answers: Vec<Option<Res>> = (0..n).map(|_| None).collect();
    let mut pending: Vec<usize> = (0..n).collect();
    for round in 1..=ROUNDS {
        let instances = Arc::new(Semaphore::new(INSTANCES));
        let mut set = JoinSet::new();
        for &i in &pending {
            let (instances, answer) = (instances.clone(), request(i));
            set.spawn(async move {
                let _instance = instances.acquire().await.unwrap();
                (i, answer.await)
            });
        }
        let mut again = Vec::new();
        while let Some(joined) = set.join_next().await {
            let (i, answer) = joined.unwrap();
            if answer.status == 503 && answer.body["code"] == "contention" && round < ROUNDS {
                again.push(i);
            }
            answers[i] = Some(answer);
        }
        if again.is_empty() {
            break;
        }
        eprintln!(
            "race round {round}: {} of {n} sent again after 503 contention",
            again.len()
        );
        pending = again;
    }
    answers
        .into_iter()
        .map(|a| a.expect("every request answered"))
        .collect()
}

/// Splits a race's answers into the successes (status `ok`) and the number refused with
/// 409 `refusal`; any other answer fails the test.
pub fn tally(answers: Vec<Res>, ok: u16, refusal: &str) -> (Vec<Res>, usize) {
    let mut won = Vec::new();
    let mut refused = 0;
    for res in answers {
        if res.status == ok {
            won.push(res);
        } else if res.status == 409 {
            res.assert_problem(409, refusal);
            refused += 1;
        } else {
            panic!("unexpected {}: {}", res.status, res.raw);
        }
    }
    (won, refused)
}

/// Sets the points program (it must be accepted).
pub async fn points_program(env: &TestEnv, body: Value) {
    let req = Req::put("/admin/programs/points")
        .bearer(&env.admin())
        .json(&body)
        .build();
    let res = Res::from_response(admin_points_program::handler(&env.ctx, req).await);
    assert_eq!(res.status, 200, "{}", res.raw);
}

/// A cashier reports `member`'s order paid now (placed now), with `lines`.
pub async fn accrue_now(
    env: &TestEnv,
    member: &str,
    order: &str,
    total: &str,
    lines: Value,
) -> Res {
    let placed = env.ctx.now().to_rfc3339();
    let body = json!({"member_id": member, "currency": "MYR", "total": total,
                      "placed_at": placed, "paid_at": placed, "lines": lines});
    env.accrue(order, body).await
}

/// An item as the table's stream hands it to a consumer: an INSERT record with the new image
/// in DynamoDB JSON (strings and numbers, what the consumers read), numbered when `seq`.
pub fn stream_insert(
    item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    seq: Option<usize>,
) -> Value {
    use aws_sdk_dynamodb::types::AttributeValue;
    let image: serde_json::Map<String, Value> = item
        .into_iter()
        .filter_map(|(k, v)| match v {
            AttributeValue::S(s) => Some((k, json!({"S": s}))),
            AttributeValue::N(n) => Some((k, json!({"N": n}))),
            _ => None,
        })
        .collect();
    let mut record = json!({"eventName": "INSERT", "dynamodb": {"NewImage": image}});
    if let Some(seq) = seq {
        record["dynamodb"]["SequenceNumber"] = json!(format!("{seq:021}"));
    }
    record
}

/// A shop set up (`setup_shop`) whose members earn a point per unit and redeem 100 a unit
/// (004).
pub async fn earning_shop(env: &TestEnv) {
    setup_shop(env).await;
    points_program(
        env,
        json!({"enabled": true, "earn": {"points_per_unit": 1}, "redeem": {"points_per_unit": 100}}),
    )
    .await;
}

/// `POST /admin/members/import` as an admin, under `key`.
pub async fn import(env: &TestEnv, key: &str, body: ImportBody) -> Res {
    let mut req = Req::post("/admin/members/import")
        .bearer(&env.admin())
        .header("Idempotency-Key", key);
    req = match body {
        ImportBody::Json(v) => req.json(&v),
        ImportBody::Csv(text) => req.header("content-type", "text/csv").raw(&text),
    };
    Res::from_response(import_members::handler(&env.ctx, req.build()).await)
}

pub enum ImportBody {
    Json(Value),
    Csv(String),
}

/// `PUT /admin/members/{member}` as an admin (003: the directory's profile).
pub async fn admin_put_profile(env: &TestEnv, member: &str, body: Value) -> Res {
    let req = Req::put(&format!("/admin/members/{member}"))
        .param("member_id", member)
        .bearer(&env.admin())
        .json(&body)
        .build();
    Res::from_response(admin_members::handler(&env.ctx, req).await)
}

/// `POST /orders/{order}/redeem` by a cashier for `member`: `spend` names one of `points`,
/// `credit` or `value` (004, 001, 003).
pub async fn redeem(env: &TestEnv, member: &str, order: &str, spend: Value) -> Res {
    let mut body = spend;
    body["member_id"] = json!(member);
    env.redeem_as(&env.token("cashier", "pos-1"), order, body)
        .await
}

/// `POST /orders/{order}/refunds` by an admin for `member`.
pub async fn refund_order(env: &TestEnv, member: &str, order: &str, id: &str, amount: &str) -> Res {
    let body = json!({"refund_id": id, "amount": amount, "member_id": member});
    env.refund(order, body).await
}

/// `POST /admin/coupons` as an admin; the definition must be accepted. Its id (API 1.3).
pub async fn define_coupon(env: &TestEnv, body: Value) -> String {
    let req = Req::post("/admin/coupons")
        .bearer(&env.admin())
        .json(&body)
        .build();
    let res = Res::from_response(admin_coupons::handler(&env.ctx, req).await);
    assert_eq!(res.status, 201, "{}", res.raw);
    res.body["coupon_id"].as_str().unwrap().to_owned()
}

/// `GET` one of the reports (`path`) over `from..=to` with more query parameters.
pub async fn report_as(
    env: &TestEnv,
    token: &str,
    path: &str,
    from: &str,
    to: &str,
    more: &[(&str, &str)],
) -> Res {
    let mut req = Req::get(path)
        .query("from", from)
        .query("to", to)
        .bearer(token);
    for (k, v) in more {
        req = req.query(k, v);
    }
    Res::from_response(admin_reports::handler(&env.ctx, req.build()).await)
}

/// The balances report over `from..=to`, as the admin reads it.
pub async fn balances(env: &TestEnv, from: &str, to: &str) -> Value {
    let res = report_as(env, &env.admin(), "/admin/reports/balances", from, to, &[]).await;
    assert_eq!(res.status, 200, "{}", res.raw);
    res.body
}

/// The member's outbox items (notices to send), as stored.
pub async fn outbox_items(
    env: &TestEnv,
    member: &str,
) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    use aws_sdk_dynamodb::types::AttributeValue;
    env.store()
        .client()
        .query()
        .table_name(env.store().table())
        .key_condition_expression("PK = :pk AND begins_with(SK, :o)")
        .expression_attribute_values(
            ":pk",
            AttributeValue::S(format!("SHOP#{}#M#{member}", env.shop)),
        )
        .expression_attribute_values(":o", AttributeValue::S("OUTBOX#".into()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

/// The order operations (004, 001, 003) as the till or an admin calls them, one way for every
/// test: `env.accrue(..)`, `env.redeem_as(..)`, `env.refund(..)`, `env.refund_to_credit(..)`,
/// `env.cancel_as(..)`. The body is the request's, as the contract spells it.
pub trait Orders {
    /// `POST /orders/{order}/accrue` by a cashier.
    async fn accrue(&self, order: &str, body: Value) -> Res;
    /// `POST /orders/{order}/redeem` as `token` (a cashier for a member, or the member).
    async fn redeem_as(&self, token: &str, order: &str, body: Value) -> Res;
    /// `POST /orders/{order}/refunds` by an admin.
    async fn refund(&self, order: &str, body: Value) -> Res;
    /// `POST /orders/{order}/refund-to-credit` by an admin.
    async fn refund_to_credit(&self, order: &str, body: Value) -> Res;
    /// `POST /orders/{order}/cancel` as `token`.
    async fn cancel_as(&self, token: &str, order: &str, body: Value) -> Res;
}

impl Orders for TestEnv {
    async fn accrue(&self, order: &str, body: Value) -> Res {
        let req = order_req(order, "accrue", &self.token("cashier", "pos-1"), &body);
        Res::from_response(accrue_points::handler(&self.ctx, req).await)
    }

    async fn redeem_as(&self, token: &str, order: &str, body: Value) -> Res {
        let req = order_req(order, "redeem", token, &body);
        Res::from_response(redeem::handler(&self.ctx, req).await)
    }

    async fn refund(&self, order: &str, body: Value) -> Res {
        let req = order_req(order, "refunds", &self.admin(), &body);
        Res::from_response(order_refund::handler(&self.ctx, req).await)
    }

    async fn refund_to_credit(&self, order: &str, body: Value) -> Res {
        let req = order_req(order, "refund-to-credit", &self.admin(), &body);
        Res::from_response(refund_to_credit::handler(&self.ctx, req).await)
    }

    async fn cancel_as(&self, token: &str, order: &str, body: Value) -> Res {
        let req = order_req(order, "cancel", token, &body);
        Res::from_response(cancel_order::handler(&self.ctx, req).await)
    }
}

/// `POST /orders/{order}/{action}` as `token` with `body`.
fn order_req(order: &str, action: &str, token: &str, body: &Value) -> lambda_http::Request {
    Req::post(&format!("/orders/{order}/{action}"))
        .param("order_id", order)
        .bearer(token)
        .json(body)
        .build()
}
