//! The running stack as the e2e tests call it: a shop of its own per test, tokens signed
//! with the stack's secret, typed requests, and the invariant check every scenario ends with.

use std::collections::BTreeSet;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use domain::Decimal;
use loyalty_tests::token_signed;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

pub struct Stack {
    pub url: String,
    secret: String,
    pub shop: String,
    pub http: Client,
    /// Every member a request named (path, body or customer token): the invariant check
    /// at the end of each scenario reads them all.
    touched: Mutex<BTreeSet<String>>,
}

impl Stack {
    pub fn new(test: &str) -> Arc<Self> {
        let url = std::env::var("LOYALTY_E2E_URL")
            .expect("LOYALTY_E2E_URL: run these through scripts/e2e.sh (make test)");
        Arc::new(Stack {
            url,
            secret: std::env::var("LOYALTY_JWT_SECRET")
                .unwrap_or_else(|_| "local-dev-secret".to_owned()),
            shop: format!("e2e-{test}-{}", std::process::id()),
            http: Client::builder().pool_max_idle_per_host(0).build().unwrap(),
            touched: Mutex::new(BTreeSet::new()),
        })
    }

    pub fn token(&self, role: &str, sub: &str) -> String {
        if role == "customer" {
            self.touch(sub);
        }
        token_signed(&self.shop, role, sub, 3600, &self.secret)
    }

    pub fn touch(&self, member: &str) {
        self.touched.lock().unwrap().insert(member.to_owned());
    }

    /// Invariants 2 and 4 over everything the scenario touched: for every member and
    /// account, the ledger sums to the balance, and no balance is negative.
    pub async fn check_invariants(&self) {
        let members: Vec<String> = self.touched.lock().unwrap().iter().cloned().collect();
        assert!(!members.is_empty(), "the scenario touched no member");
        for m in members {
            let (s, v) = self
                .admin(Method::GET, &format!("/members/{m}"), None, None)
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let balances = [
                (
                    "points",
                    Decimal::from(v["points"]["balance"].as_i64().unwrap()),
                ),
                (
                    "credit",
                    Decimal::from_str(v["credit"]["balance"].as_str().unwrap()).unwrap(),
                ),
                (
                    "value",
                    Decimal::from_str(v["value"]["balance"].as_str().unwrap()).unwrap(),
                ),
            ];
            for (account, balance) in balances {
                assert!(balance >= Decimal::ZERO, "{m} {account} is negative: {v}");
                let (sum, _) = self.ledger_sum(&m, account).await;
                assert_eq!(sum, balance, "{m}'s {account} ledger does not explain {v}");
            }
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, String, Value) {
        if let Some(m) = path
            .strip_prefix("/members/")
            .and_then(|rest| rest.split(['/', '?']).next())
        {
            self.touch(m);
        }
        if let Some(m) = body.and_then(|b| b["member_id"].as_str()) {
            self.touch(m);
        }
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let res = req.send().await.expect("the stack answers");
        let status = res.status();
        let ctype = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = res.text().await.unwrap();
        (
            status,
            ctype,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let token = self.token("admin", "e2e-admin");
        let (s, _, v) = self.send(method, path, Some(&token), key, body).await;
        (s, v)
    }

    pub async fn setup(&self) {
        self.configure(
            "/admin/settings",
            json!({"currency": "MYR", "timezone": "Asia/Kuala_Lumpur", "webhook_secret": "whsec_e2e_0123456789"}),
        )
        .await;
    }

    /// `PUT path` as an admin (settings, a program, the ladder); it must be accepted.
    pub async fn configure(&self, path: &str, body: Value) -> Value {
        let (s, v) = self.admin(Method::PUT, path, None, Some(&body)).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        v
    }

    /// `POST /admin/cards` as an admin; the definition must be accepted. The card.
    pub async fn create_card(&self, body: Value) -> Value {
        let (s, card) = self
            .admin(Method::POST, "/admin/cards", None, Some(&body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{card}");
        card
    }

    pub async fn adjust(&self, member: &str, key: &str, body: Value) -> (StatusCode, Value) {
        self.admin(
            Method::POST,
            &format!("/members/{member}/adjustments"),
            Some(key),
            Some(&body),
        )
        .await
    }

    pub async fn ledger_sum(&self, member: &str, account: &str) -> (Decimal, usize) {
        let mut sum = Decimal::ZERO;
        let mut count = 0;
        let mut cursor = String::new();
        loop {
            let path = format!("/members/{member}/ledger?account={account}&limit=100{cursor}");
            let (s, v) = self.admin(Method::GET, &path, None, None).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            for e in v["items"].as_array().unwrap() {
                count += 1;
                sum += match &e["amount"] {
                    Value::String(t) => Decimal::from_str(t).unwrap(),
                    n => Decimal::from(n.as_i64().unwrap()),
                };
            }
            match v["next"].as_str() {
                Some(n) => cursor = format!("&cursor={n}"),
                None => return (sum, count),
            }
        }
    }
}
