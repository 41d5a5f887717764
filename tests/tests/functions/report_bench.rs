//! Not checks: the figures for BENCHMARKS.md ("Reports at any age", issue 34). The balances
//! report of a month and of a year for shops one, three and five years old, before their
//! months are closed (every day from the shop's first: the report before issue 34) and
//! after: items read, read units by DynamoDB's rule, p50/p99 of the handler against the
//! local DynamoDB. Counters are written straight into the table, as the operations leave
//! them (eight shards, a shop-local day each).
//! `cargo test -p loyalty-tests --test functions report_age_figures -- --ignored --nocapture`

use std::time::Instant;

use api::Clock;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use domain::chrono::{DateTime, Days, NaiveDate, Utc};
use loyalty_tests::TestEnv;
use serde_json::Value;

use crate::support::*;

const LAST_DAY: &str = "2026-11-30";
const PERIODS: [(&str, &str, &str); 2] = [
    ("month", "2026-11-01", LAST_DAY),
    ("year", "2025-12-01", LAST_DAY),
];

fn pct(sorted: &[u128], p: usize) -> u128 {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

/// Eight shards of day counters over the `years` before `LAST_DAY`.
async fn seed(env: &TestEnv, years: u64) {
    let last: NaiveDate = LAST_DAY.parse().unwrap();
    let first = last - Days::new(365 * years - 1);
    let n = |v: u64| AttributeValue::N(v.to_string());
    let mut batch = Vec::new();
    for shard in 0..8u64 {
        for (i, day) in first.iter_days().take_while(|d| *d <= last).enumerate() {
            let i = i as u64 + shard;
            let item = [
                (
                    "PK",
                    AttributeValue::S(format!("SHOP#{}#CNT#{shard}", env.shop)),
                ),
                ("SK", AttributeValue::S(format!("D#{day}"))),
                ("entity_type", AttributeValue::S("counters".into())),
                ("shop", AttributeValue::S(env.shop.clone())),
                ("m_points_accrual", n(100 + i % 97)),
                (
                    "m_points_redemption",
                    AttributeValue::N(format!("-{}", 40 + i % 31)),
                ),
                (
                    "m_credit_accrual",
                    AttributeValue::N(format!("{}.25", 3 + i % 7)),
                ),
                (
                    "m_value_recharge",
                    AttributeValue::N(format!("{}.00", 10 + i % 5)),
                ),
            ];
            let item = item.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            batch.push(
                WriteRequest::builder()
                    .put_request(PutRequest::builder().set_item(Some(item)).build().unwrap())
                    .build(),
            );
            if batch.len() == 25 {
                write(env, std::mem::take(&mut batch)).await;
            }
        }
    }
    if !batch.is_empty() {
        write(env, batch).await;
    }
}

async fn write(env: &TestEnv, batch: Vec<WriteRequest>) {
    let out = env
        .store()
        .client()
        .batch_write_item()
        .request_items(env.store().table(), batch)
        .send()
        .await
        .unwrap();
    assert!(out.unprocessed_items.is_none_or(|u| u.is_empty()));
}

async fn report(env: &TestEnv, from: &str, to: &str) -> Value {
    balances(env, from, to).await
}

/// Items, read units, p50 and p99 (ms) of 20 reports over `from..=to`, and the answer.
async fn measure(env: &TestEnv, from: &str, to: &str) -> (usize, u64, u128, u128, Value) {
    let shop = domain::ShopId::parse(&env.shop).unwrap();
    let counts = env
        .store()
        .counts(&shop, from.parse().unwrap(), to.parse().unwrap())
        .await
        .unwrap();
    let mut times = Vec::new();
    let mut answer = Value::Null;
    for _ in 0..20 {
        let t = Instant::now();
        answer = report(env, from, to).await;
        times.push(t.elapsed().as_millis());
    }
    times.sort_unstable();
    let (p50, p99) = (pct(&times, 50), pct(&times, 99));
    (counts.items, counts.read_units, p50, p99, answer)
}

#[tokio::test]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn report_age_figures() {
    let now: DateTime<Utc> = "2026-12-02T04:00:00Z".parse().unwrap();
    println!(
        "| shop's age | period | before: items, RCU, p50/p99 ms | after: items, RCU, p50/p99 ms |"
    );
    println!("|---|---|---|---|");
    for years in [1u64, 3, 5] {
        let env = TestEnv::with_clock(Clock::Fixed(now)).await;
        setup_shop(&env).await;
        let t = Instant::now();
        seed(&env, years).await;
        let seeded = t.elapsed().as_secs();
        let mut before = Vec::new();
        for (_, from, to) in PERIODS {
            before.push(measure(&env, from, to).await);
        }
        let t = Instant::now();
        let mut runs = 0;
        while expire_lots::close_months(&env.ctx, now).await.unwrap()["months_closed"] != 0 {
            runs += 1;
        }
        let closing = t.elapsed().as_secs();
        for ((label, from, to), b) in PERIODS.into_iter().zip(before) {
            let a = measure(&env, from, to).await;
            assert_eq!(a.4, b.4, "the same report from the carried balances");
            println!(
                "| {years} year(s) | {label} | {}, {}, {}/{} | {}, {}, {}/{} |",
                b.0, b.1, b.2, b.3, a.0, a.1, a.2, a.3
            );
        }
        println!("(seeded in {seeded} s; closed in {runs} daily runs, {closing} s)");
    }
}
