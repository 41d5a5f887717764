//! Reports and erasure (API 1.2, issue 23): the balances roll-forward over shop-local days
//! (004 points, 001 store credit, 003 stored value) exact against the members' balances and
//! ledgers, the ledger export, and the erasure of a member's personal data (003 directory)
//! that keeps the books.

use std::collections::{BTreeMap, BTreeSet};

use api::Clock;
use domain::chrono::{DateTime, Duration, Utc};
use domain::Decimal;
use loyalty_tests::{Req, Res, TestEnv};
use serde_json::{json, Value};

use crate::support::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn report(env: &TestEnv, from: &str, to: &str) -> Value {
    balances(env, from, to).await
}

/// Every entry of the ledger export of a period, page by page.
async fn export(env: &TestEnv, from: &str, to: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut more = vec![("limit", "37")];
        if let Some(c) = &cursor {
            more.push(("cursor", c.as_str()));
        }
        let res = report_as(env, &env.admin(), "/admin/reports/ledger", from, to, &more).await;
        assert_eq!(res.status, 200, "{}", res.raw);
        out.extend(res.body["items"].as_array().unwrap().iter().cloned());
        match res.body["next"].as_str() {
            Some(n) => cursor = Some(n.to_owned()),
            None => return out,
        }
    }
}

fn figure(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().unwrap(),
        other => other.to_string().parse().unwrap(),
    }
}

/// 50 members, three shop-local days of earning, redeeming and adjusting (Kuala Lumpur,
/// UTC+8): each day's closing opens the next, the closing through today is every member's
/// balance and every ledger entry, movements by kind are the entries by kind, and an entry
/// at 23:59:59 local counts that day while one at 00:00:00 counts the next.
#[tokio::test]
async fn the_roll_forward_is_exact_over_shop_local_days() {
    let day1 = at("2026-06-10T09:00:00+08:00");
    let mut env = TestEnv::with_clock(Clock::Fixed(day1)).await;
    earning_shop(&env).await;
    let members: Vec<String> = (0..50).map(|i| format!("r{i}")).collect();
    for (d, start) in [
        "2026-06-10T09:00:00+08:00",
        "2026-06-11T09:00:00+08:00",
        "2026-06-12T09:00:00+08:00",
    ]
    .iter()
    .enumerate()
    {
        for (i, m) in members.iter().enumerate() {
            env.ctx.clock = Clock::Fixed(at(start) + Duration::seconds(i as i64));
            let total = format!("{}.00", 10 + i + d);
            assert_eq!(
                accrue_now(&env, m, &format!("o{d}-{i}"), &total, json!([]))
                    .await
                    .status,
                200
            );
            if i % 5 == 0 {
                let res = adjust(
                    &env,
                    m,
                    &format!("a{d}-{i}"),
                    json!({"account": "credit", "delta": "2.50", "reason": "goodwill"}),
                )
                .await;
                assert_eq!(res.status, 200, "{}", res.raw);
            }
            if i % 7 == 0 && d > 0 {
                let res = adjust(
                    &env,
                    m,
                    &format!("p{d}-{i}"),
                    json!({"account": "points", "delta": -3, "reason": "correction"}),
                )
                .await;
                assert_eq!(res.status, 200, "{}", res.raw);
            }
        }
    }
    // The day boundary, shop-local: 23:59:59 on the 12th, 00:00:00 on the 13th.
    env.ctx.clock = Clock::Fixed(at("2026-06-12T23:59:59+08:00"));
    adjust(
        &env,
        "r1",
        "late",
        json!({"account": "points", "delta": 11, "reason": "late"}),
    )
    .await;
    env.ctx.clock = Clock::Fixed(at("2026-06-13T00:00:00+08:00"));
    adjust(
        &env,
        "r1",
        "early",
        json!({"account": "points", "delta": 13, "reason": "early"}),
    )
    .await;

    let days = ["2026-06-10", "2026-06-11", "2026-06-12", "2026-06-13"];
    let mut prior: Option<Value> = None;
    for day in days {
        let r = report(&env, day, day).await;
        for account in ["points", "credit", "value"] {
            let a = &r["accounts"][account];
            let moved: Decimal = a["movements"]
                .as_object()
                .unwrap()
                .values()
                .map(figure)
                .sum();
            assert_eq!(
                figure(&a["opening"]) + moved,
                figure(&a["closing"]),
                "{day} {account}"
            );
            if let Some(p) = &prior {
                assert_eq!(
                    a["opening"], p["accounts"][account]["closing"],
                    "{day} {account}"
                );
            }
        }
        prior = Some(r);
    }
    let r12 = report(&env, "2026-06-12", "2026-06-12").await;
    let r13 = report(&env, "2026-06-13", "2026-06-13").await;
    assert_eq!(
        figure(&r12["accounts"]["points"]["movements"]["adjustment"]),
        Decimal::from(11 - 3 * 8)
    );
    assert_eq!(
        r13["accounts"]["points"]["movements"],
        json!({"adjustment": 13})
    );

    // Through today: the members' balances and every ledger entry, by kind.
    let whole = report(&env, "2026-06-10", "2026-06-13").await;
    assert_eq!(whole["accounts"]["points"]["opening"], 0);
    let (mut points, mut credit) = (Decimal::ZERO, Decimal::ZERO);
    for m in &members {
        let v = member(&env, m).await;
        points += figure(&v["points"]["balance"]);
        credit += figure(&v["credit"]["balance"]);
    }
    assert_eq!(figure(&whole["accounts"]["points"]["closing"]), points);
    assert_eq!(figure(&whole["accounts"]["credit"]["closing"]), credit);
    let entries = export(&env, "2026-06-10", "2026-06-13").await;
    let mut by_kind: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for e in &entries {
        *by_kind
            .entry((
                e["account"].as_str().unwrap().to_owned(),
                e["kind"].as_str().unwrap().to_owned(),
            ))
            .or_default() += figure(&e["amount"]);
    }
    for ((account, kind), sum) in &by_kind {
        assert_eq!(
            figure(&whole["accounts"][account]["movements"][kind]),
            *sum,
            "{account} {kind}"
        );
    }
    // The export is the union of the members' ledgers, oldest first, each entry once.
    let mut union = BTreeSet::new();
    for m in &members {
        for account in ["points", "credit"] {
            for e in ledger_all(&env, m, account).await {
                union.insert(e["entry_id"].as_str().unwrap().to_owned());
            }
        }
    }
    let ids: Vec<String> = entries
        .iter()
        .map(|e| e["entry_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.iter().cloned().collect::<BTreeSet<_>>(), union);
    assert_eq!(ids.len(), union.len());
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert!(entries
        .iter()
        .all(|e| e["member_id"].as_str().is_some_and(|m| m.starts_with('r'))));
    // One account only; the 12th alone.
    let credit_only = report_as(
        &env,
        &env.admin(),
        "/admin/reports/ledger",
        "2026-06-12",
        "2026-06-12",
        &[("account", "credit")],
    )
    .await;
    assert!(credit_only.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["account"] == "credit"));

    // CSV answers the same figures.
    let csv = report_as(
        &env,
        &env.admin(),
        "/admin/reports/balances",
        "2026-06-10",
        "2026-06-13",
        &[("format", "csv")],
    )
    .await;
    assert!(
        csv.raw
            .starts_with("account,line,kind,amount,from,to,currency\n"),
        "{}",
        csv.raw
    );
    let closing_line = format!(
        "points,closing,,{},2026-06-10,2026-06-13,MYR",
        whole["accounts"]["points"]["closing"]
    );
    assert!(csv.raw.lines().any(|l| l == closing_line), "{}", csv.raw);

    // Refusals, and only managers read reports.
    report_as(
        &env,
        &env.admin(),
        "/admin/reports/balances",
        "2026-01-01",
        "2027-01-05",
        &[],
    )
    .await
    .assert_problem(422, "invalid_request");
    report_as(
        &env,
        &env.admin(),
        "/admin/reports/balances",
        "2026-06-12",
        "2026-06-10",
        &[],
    )
    .await
    .assert_problem(422, "invalid_request");
    report_as(
        &env,
        &env.admin(),
        "/admin/reports/balances",
        "2026-06-10",
        "june",
        &[],
    )
    .await
    .assert_problem(422, "invalid_request");
    report_as(
        &env,
        &env.token("cashier", "c"),
        "/admin/reports/balances",
        "2026-06-10",
        "2026-06-12",
        &[],
    )
    .await
    .assert_problem(403, "forbidden");

    // The shop values its points: the liability in money.
    settings(&env, &env.admin(), json!({"point_value": "0.01"})).await;
    let valued = report(&env, "2026-06-10", "2026-06-13").await;
    let closing = figure(&valued["accounts"]["points"]["closing"]);
    assert_eq!(valued["points_value"]["per_point"], "0.01");
    assert_eq!(
        figure(&valued["points_value"]["closing"]),
        (closing * Decimal::new(1, 2)).round_dp(2)
    );
}

/// 100 concurrent adjustments across one shop: the figures move by exactly their sum.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_change_the_figures_exactly() {
    let env = std::sync::Arc::new(TestEnv::isolated().await);
    setup_shop(&env).await;
    let today = env
        .ctx
        .now()
        .with_timezone(&domain::chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive()
        .to_string();
    let answers = race(100, |i| {
        let env = env.clone();
        async move {
            adjust(
                &env,
                &format!("c{}", i % 20),
                &format!("k{i}"),
                json!({"account": "credit", "delta": "1.25", "reason": "race"}),
            )
            .await
        }
    })
    .await;
    assert!(answers.iter().all(|r| r.status == 200));
    let r = report(&env, &today, &today).await;
    assert_eq!(r["accounts"]["credit"]["movements"]["adjustment"], "125.00");
    assert_eq!(r["accounts"]["credit"]["closing"], "125.00");
}

async fn erase(env: &TestEnv, member: &str) -> Res {
    let req = Req::new(
        "DELETE".parse().unwrap(),
        &format!("/admin/members/{member}"),
    )
    .param("member_id", member)
    .bearer(&env.admin())
    .json(&json!({"reason": "the member asked (GDPR art. 17)"}))
    .build();
    Res::from_response(member_privacy::handler(&env.ctx, req).await)
}

async fn data(env: &TestEnv, member: &str) -> Res {
    let req = Req::get(&format!("/admin/members/{member}/data"))
        .param("member_id", member)
        .bearer(&env.admin())
        .build();
    Res::from_response(member_privacy::handler(&env.ctx, req).await)
}

/// Every item of the test's own table as text.
async fn table_text(env: &TestEnv) -> String {
    let out = env
        .store()
        .client()
        .scan()
        .table_name(env.store().table())
        .send()
        .await
        .unwrap();
    format!("{:?}", out.items.unwrap_or_default())
}

/// 003: a member asks to be forgotten. Stored value still open refuses it with nothing
/// changed; once it is zero, the points and credit still open are forfeited through the
/// ledger, every personal field leaves every item of the table, the number and phone go
/// to another member, every write for them is refused, past reports stand and today's
/// shows the forfeit; asking again answers the same.
#[tokio::test]
async fn erasure_forgets_the_person_and_keeps_the_books() {
    let t0 = at("2026-06-10T10:00:00+08:00");
    let mut env = TestEnv::with_clock(Clock::Fixed(t0)).await;
    earning_shop(&env).await;
    let person = json!({"member_no": "ZX-4401", "name": "Nurul Huda", "phone": "+60129876543",
                        "email": "nurul.huda@example.com", "birthday": "1991-07-19"});
    assert_eq!(
        admin_put_profile(&env, "e1", person.clone()).await.status,
        200
    );
    assert_eq!(
        accrue_now(&env, "e1", "o1", "120.00", json!([]))
            .await
            .status,
        200
    );
    adjust(
        &env,
        "e1",
        "c1",
        json!({"account": "credit", "delta": "5.00", "reason": "goodwill"}),
    )
    .await;
    adjust(
        &env,
        "e1",
        "v1",
        json!({"account": "value", "delta": "20.00", "reason": "opening"}),
    )
    .await;
    let before_day = report(&env, "2026-06-10", "2026-06-10").await;

    // Everything stored about the member, first.
    let held = data(&env, "e1").await;
    assert_eq!(held.status, 200, "{}", held.raw);
    for v in [
        "ZX-4401",
        "Nurul Huda",
        "+60129876543",
        "nurul.huda@example.com",
        "1991-07-19",
    ] {
        assert!(held.raw.contains(v), "{v} in the data export");
    }
    assert_eq!(held.body["ledger"].as_array().unwrap().len(), 3);
    assert_eq!(held.body["orders"].as_array().unwrap().len(), 1);
    // The accounts under the names the API gives them; none left among the unsorted items.
    for account in ["points", "credit"] {
        assert!(held.body["accounts"][account].is_object(), "{}", held.raw);
    }
    let other = held.body["other"].as_array().unwrap();
    assert!(other
        .iter()
        .all(|o| !o["sk"].as_str().unwrap().starts_with("ACCT#")));

    // Stored value is the member's money: refused, nothing changed.
    env.ctx.clock = Clock::Fixed(t0 + Duration::days(1));
    let items_before = member_items(&env, "e1").await;
    erase(&env, "e1")
        .await
        .assert_problem(409, "value_balance_open");
    assert_eq!(member_items(&env, "e1").await, items_before);
    adjust(
        &env,
        "e1",
        "v2",
        json!({"account": "value", "delta": "-20.00", "reason": "refunded in cash"}),
    )
    .await;

    let erased = erase(&env, "e1").await;
    assert_eq!(erased.status, 200, "{}", erased.raw);
    assert_eq!(
        erased.body["forfeited"],
        json!({"points": 120, "credit": "5.00"})
    );
    assert_eq!(
        erase(&env, "e1").await.body,
        erased.body,
        "a second request answers the same"
    );

    let table = table_text(&env).await;
    for v in [
        "ZX-4401",
        "Nurul Huda",
        "+60129876543",
        "nurul.huda@example.com",
        "1991-07-19",
    ] {
        assert!(!table.contains(v), "{v} is still stored");
    }
    let v = member(&env, "e1").await;
    assert_eq!(
        (
            v["points"]["balance"].clone(),
            v["credit"]["balance"].clone(),
            v["value"]["balance"].clone()
        ),
        (json!(0), json!("0.00"), json!("0.00"))
    );
    assert!(v["erased_at"].is_string());
    // Past reports stand; today's shows the forfeit.
    assert_eq!(report(&env, "2026-06-10", "2026-06-10").await, before_day);
    let today = report(&env, "2026-06-11", "2026-06-11").await;
    assert_eq!(today["accounts"]["points"]["movements"]["forfeit"], -120);
    assert_eq!(today["accounts"]["credit"]["movements"]["forfeit"], "-5.00");
    assert_eq!(today["accounts"]["points"]["closing"], 0);

    // Writes for the member are refused; the number and phone go to someone else.
    accrue_now(&env, "e1", "o2", "10.00", json!([]))
        .await
        .assert_problem(409, "member_erased");
    adjust(
        &env,
        "e1",
        "c2",
        json!({"account": "credit", "delta": "1.00", "reason": "x"}),
    )
    .await
    .assert_problem(409, "member_erased");
    admin_put_profile(&env, "e1", json!({"name": "Back again"}))
        .await
        .assert_problem(409, "member_erased");
    let other = admin_put_profile(
        &env,
        "e2",
        json!({"member_no": "ZX-4401", "phone": "+60129876543"}),
    )
    .await;
    assert_eq!(other.status, 200, "{}", other.raw);
    let listed = Res::from_response(
        admin_members::handler(
            &env.ctx,
            Req::get("/admin/members").bearer(&env.admin()).build(),
        )
        .await,
    );
    assert!(!listed.raw.contains("\"e1\""), "{}", listed.raw);
    assert_eq!(erase(&env, "nobody").await.status, 404);
}

/// A table whose shop predates the reports (no counters, entries not in the ledger's
/// index, no month carried, not listed): `scripts/backfill_reports.py` builds them all from
/// the ledgers, and running it twice gives the same figures as the ones the operations keep
/// themselves.
#[tokio::test]
async fn the_backfill_rebuilds_the_same_figures_twice() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let mut env = TestEnv::with_clock(Clock::Fixed(at("2026-06-10T23:30:00+08:00"))).await;
    earning_shop(&env).await;
    for (i, t) in [
        "2026-06-10T23:30:00+08:00",
        "2026-06-11T00:30:00+08:00",
        "2026-06-12T12:00:00+08:00",
    ]
    .iter()
    .enumerate()
    {
        env.ctx.clock = Clock::Fixed(at(t));
        for m in ["b1", "b2", "b3"] {
            assert_eq!(
                accrue_now(&env, m, &format!("{m}-{i}"), "15.00", json!([]))
                    .await
                    .status,
                200
            );
            adjust(
                &env,
                m,
                &format!("{m}-c{i}"),
                json!({"account": "credit", "delta": "0.75", "reason": "r"}),
            )
            .await;
        }
    }
    let before = report(&env, "2026-06-10", "2026-06-12").await;
    let day11 = report(&env, "2026-06-11", "2026-06-11").await;
    let exported = export(&env, "2026-06-10", "2026-06-12").await;

    // Back to how a table looked before: no counters, no index keys on the entries.
    let client = env.store().client().clone();
    let table = env.store().table().to_owned();
    let items = client
        .scan()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    for it in &items {
        let key = |k: &str| {
            it.get(k)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        let (pk, sk) = (key("PK"), key("SK"));
        let keyed = client.clone();
        if pk.contains("#CNT#") || pk == "SHOPS" {
            keyed
                .delete_item()
                .table_name(&table)
                .key("PK", AttributeValue::S(pk))
                .key("SK", AttributeValue::S(sk))
                .send()
                .await
                .unwrap();
        } else if key("entity_type") == "ledger" {
            keyed
                .update_item()
                .table_name(&table)
                .key("PK", AttributeValue::S(pk))
                .key("SK", AttributeValue::S(sk))
                .update_expression("REMOVE GSI1PK, GSI1SK")
                .send()
                .await
                .unwrap();
        }
    }
    assert_eq!(
        report(&env, "2026-06-10", "2026-06-12").await["accounts"]["points"]["closing"],
        0
    );
    assert!(export(&env, "2026-06-10", "2026-06-12").await.is_empty());

    for _ in 0..2 {
        let out = std::process::Command::new(loyalty_tests::python())
            .arg(loyalty_tests::workspace_root().join("scripts/backfill_reports.py"))
            .args([
                "--table",
                &table,
                "--endpoint",
                &env.endpoint,
                "--region",
                &env.region,
                // Months close by the test's clock, never the machine's: June is closed.
                "--now",
                "2026-07-05T00:00:00Z",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(report(&env, "2026-06-10", "2026-06-12").await, before);
        assert_eq!(report(&env, "2026-06-11", "2026-06-11").await, day11);
        assert_eq!(export(&env, "2026-06-10", "2026-06-12").await, exported);
    }
    // Issue 34: it listed the shop and carried June, so the close finds the shop and has
    // nothing left to close, and July opens at June's closing from the carry alone.
    let close = expire_lots::close_months(&env.ctx, at("2026-07-05T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        (&close["shops"], &close["months_closed"]),
        (&json!(1), &json!(0)),
        "{close}"
    );
    let july = report(&env, "2026-07-01", "2026-07-01").await;
    assert_eq!(
        july["accounts"]["points"]["opening"],
        before["accounts"]["points"]["closing"]
    );
    assert_eq!(
        july["accounts"]["credit"]["opening"],
        before["accounts"]["credit"]["closing"]
    );
}
