//! What accrual decides per order, without I/O: points with rules and every multiplier,
//! the five credit rules, and a grant into an account holding many lots.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use loyalty_domain::cards::grant;
use loyalty_domain::points::{
    BirthdayScope, Earn, EarnRules, Match, MemberFactors, OrderLine, PointsExpiry, PointsProgram,
    RedeemTiers, RedeemWindows,
};
use loyalty_domain::store_credit::{
    CreditExpiry, CreditProgram, CumulativeSpend, Grant, NotifySwitches, OrderFacts, Rule,
};
use loyalty_domain::{Account, AccountKind, Currency, Decimal, EntryKind, Money, ShopTz};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn rule<T>(rule: T) -> Rule<T> {
    Rule { rule, expiry: None }
}

fn rules(c: &mut Criterion) {
    let myr = Currency::parse("MYR").unwrap();
    let m = |s: &str| Money::parse(s, &myr).unwrap();
    let tz = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
    let now = at("2026-12-25T10:00:00+08:00");
    let points = PointsProgram {
        enabled: true,
        name: "Points".into(),
        earn_per_unit: 100,
        redeem_per_unit: 100,
        expiry: PointsExpiry::Months(6),
        max_redeem_points: None,
        max_redeem_percent: None,
        windows: RedeemWindows::default(),
        tiers: RedeemTiers::default(),
        earn_rules: EarnRules {
            rules: (0..200)
                .map(|i| (Match::Product(format!("P{i}")), Earn::PerUnit(200)))
                .collect(),
            exclude_promotional: true,
            exclude_member_price: true,
            multipliers: vec![(
                "2026-12-01".parse().unwrap(),
                "2026-12-31".parse().unwrap(),
                Decimal::TWO,
            )],
            holidays: vec![("2026-12-25".parse().unwrap(), Decimal::from(3))],
            birthday: Some((BirthdayScope::Month, Decimal::TWO)),
            levels: vec![("gold".into(), Decimal::TWO)],
        },
        reset_yearly: true,
        pending_days: 0,
    };
    let lines: Vec<OrderLine> = (0..20)
        .map(|i| OrderLine {
            sku: Some(format!("P{}", i * 10)),
            category: Some("milk".into()),
            amount: m("12.34"),
            promotional: i % 5 == 0,
            member_price: false,
        })
        .collect();
    let member = MemberFactors {
        level: Some("gold".into()),
        birthday: Some("1990-12-01".parse().unwrap()),
        card_factor: Some(Decimal::new(15, 1)),
    };
    c.bench_function("points: 20 lines, 200 rules, every multiplier", |b| {
        b.iter(|| black_box(points.earn(m("246.80"), black_box(&lines), now, tz, &member)))
    });
    let credit = CreditProgram {
        enabled: true,
        expiry: CreditExpiry::Days(365),
        first_order: Some(rule(Grant::Fixed(m("5.00")))),
        each_order: Some((
            rule(Grant::PerSpend {
                per: m("100.00"),
                give: m("2.00"),
            }),
            m("50.00"),
        )),
        registration: Some(rule(m("3.00"))),
        order_count: Some(rule(vec![(3, m("5.00")), (10, m("20.00"))])),
        cumulative_spend: Some(rule(CumulativeSpend::Every {
            per: m("500.00"),
            give: m("10.00"),
        })),
        notify: NotifySwitches::default(),
    };
    let facts = OrderFacts {
        total: m("850.00"),
        orders_before: 2,
        spend_before: Decimal::from(210),
    };
    c.bench_function("credit: the five rules for one order", |b| {
        b.iter(|| black_box(credit.for_order(black_box(&facts), now, tz)))
    });
    let lots = Account::from_lots(
        (0..365).map(|d| (now + chrono::Duration::days(d), 10i64)),
        0,
        1,
    );
    let links = BTreeMap::from([("order_id".to_owned(), "o1".to_owned())]);
    c.bench_function("grant into an account with 365 lots", |b| {
        b.iter(|| {
            black_box(grant(
                AccountKind::Points,
                lots.clone(),
                500,
                Some(now + chrono::Duration::days(180)),
                EntryKind::Accrual,
                &links,
                now,
            ))
        })
    });
}

criterion_group!(benches, rules);
criterion_main!(benches);
