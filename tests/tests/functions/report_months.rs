//! Reports at any age (issue 34; 004 points, 001 store credit): the balances carried through
//! a closed month open the next exactly as every day from the shop's first would, with
//! movements committing on both sides of the boundary at once, and a movement dated in a
//! closed month is refused rather than left out of what was carried.

use std::sync::Arc;

use api::auth::Authenticator;
use api::{Clock, Ctx};
use domain::chrono::{DateTime, Duration, Utc};
use domain::Decimal;
use loyalty_tests::{Res, TestEnv, SECRET};
use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::support::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The env's store under a clock of its own: a second function instance.
fn instance(env: &TestEnv, now: &str) -> Arc<Ctx> {
    Arc::new(Ctx {
        store: env.ctx.store.clone(),
        auth: Authenticator::hs256(SECRET.as_bytes()).unwrap(),
        clock: Clock::Fixed(at(now)),
    })
}

async fn report(env: &TestEnv, from: &str, to: &str) -> Value {
    balances(env, from, to).await["accounts"].clone()
}

fn figure(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().unwrap(),
        other => other.to_string().parse().unwrap(),
    }
}

async fn adjust_on(ctx: &Ctx, token: &str, member: &str, key: &str, body: Value) -> Res {
    let req = adjust_req(token, member, Some(key), &body);
    Res::from_response(adjust_balance::handler(ctx, req.build()).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seed_004_a_closed_month_carries_exactly_with_movements_on_both_sides_of_its_end() {
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-05-20T10:00:00+08:00"))).await;
    earning_shop(&env).await;
    let members: Vec<String> = (0..12).map(|i| format!("b{i}")).collect();
    for (i, m) in members.iter().enumerate() {
        env.ctx.clock = Clock::Fixed(at("2026-05-20T10:00:00+08:00") + Duration::seconds(i as i64));
        let total = format!("{}.00", 20 + i);
        let res = accrue_now(&env, m, &format!("may-{i}"), &total, json!([])).await;
        assert_eq!(res.status, 200, "{}", res.raw);
    }
    // The month's last second and the next month's first, shop-local (Kuala Lumpur), at
    // once: two instances, each movement on its own side of the boundary.
    let june = instance(&env, "2026-06-30T23:59:59+08:00");
    let july = instance(&env, "2026-07-01T00:00:00+08:00");
    let token = env.admin();
    let mut set = JoinSet::new();
    for (i, m) in members.iter().enumerate() {
        for (side, ctx) in [("jun", june.clone()), ("jul", july.clone())] {
            let (m, token) = (m.clone(), token.clone());
            set.spawn(async move {
                let body = if i % 2 == 0 {
                    json!({"account": "points", "delta": -(i as i64) - 1, "reason": "correction"})
                } else {
                    json!({"account": "credit", "delta": "1.25", "reason": "goodwill"})
                };
                adjust_on(&ctx, &token, &m, &format!("{side}-{i}"), body)
                    .await
                    .status
            });
        }
    }
    while let Some(status) = set.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }

    let days_june = report(&env, "2026-06-01", "2026-06-30").await;
    let days_july = report(&env, "2026-07-01", "2026-07-01").await;
    // On 1 July only May is closable (a whole day has not passed since June ended): one
    // month for each shard with movements; on the 2nd June is, the same number again.
    let early = expire_lots::close_months(&env.ctx, at("2026-07-01T23:00:00+08:00"))
        .await
        .unwrap();
    let closed = expire_lots::close_months(&env.ctx, at("2026-07-02T01:00:00+08:00"))
        .await
        .unwrap();
    assert!(early["months_closed"].as_u64().unwrap() > 0, "{early}");
    assert_eq!(closed["months_closed"], early["months_closed"], "{closed}");
    assert_eq!(
        expire_lots::close_months(&env.ctx, at("2026-07-03T01:00:00+08:00"))
            .await
            .unwrap()["months_closed"],
        0,
        "closing again closes nothing"
    );

    // From the carried balances, the same figures as from every day.
    assert_eq!(report(&env, "2026-06-01", "2026-06-30").await, days_june);
    let carried_july = report(&env, "2026-07-01", "2026-07-01").await;
    assert_eq!(carried_july, days_july);
    let jun = &days_june["points"]["movements"]["adjustment"];
    assert_eq!(figure(jun), Decimal::from(-(1 + 3 + 5 + 7 + 9 + 11)));
    assert_eq!(carried_july["points"]["movements"]["adjustment"], *jun);
    for account in ["points", "credit"] {
        assert_eq!(
            carried_july[account]["opening"], days_june[account]["closing"],
            "{account}"
        );
    }
    // The closing through today is every member's balance.
    let (mut points, mut credit) = (Decimal::ZERO, Decimal::ZERO);
    env.ctx.clock = Clock::Fixed(at("2026-07-03T09:00:00+08:00"));
    for m in &members {
        let v = member(&env, m).await;
        points += figure(&v["points"]["balance"]);
        credit += figure(&v["credit"]["balance"]);
    }
    let through = report(&env, "2026-07-01", "2026-07-03").await;
    assert_eq!(figure(&through["points"]["closing"]), points);
    assert_eq!(figure(&through["credit"]["closing"]), credit);

    // A movement dated in the closed June (a clock gone back) is refused, and nothing moves.
    let late = adjust_on(
        &june,
        &token,
        "b1",
        "too-late",
        json!({"account": "credit", "delta": "5.00", "reason": "late"}),
    )
    .await;
    assert_eq!(
        (late.status, &late.body["code"]),
        (503, &json!("contention")),
        "{}",
        late.raw
    );
    assert_eq!(report(&env, "2026-06-01", "2026-06-30").await, days_june);
    assert_eq!(report(&env, "2026-07-01", "2026-07-03").await, through);
}
