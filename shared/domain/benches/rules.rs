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
            exclude_campaign: true,
            exclude_no_sku: true,
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
            campaign: false,
        })
        .collect();
    let member = MemberFactors {
        level: Some("gold".into()),
        birthday: Some("1990-12-01".parse().unwrap()),
        card_factor: Some(Decimal::new(15, 1)),
        earns_nothing: false,
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

/// 003: the level decision an accrual makes (settle to now, then earn) on a 10-level
/// points ladder, and a read of a member dormant for ten years whose 30-day level lapses
/// each month (about 120 lapses replayed).
fn levels(c: &mut Criterion) {
    use loyalty_domain::level::{Counters, Standing};
    let myr = Currency::parse("MYR").unwrap();
    let tz = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
    let ladder = |validity: serde_json::Value| {
        let levels: Vec<_> = (0..10)
            .map(|i| {
                serde_json::json!({"level_id": format!("l{i}"), "name": format!("L{i}"),
                "rank": i, "threshold": i * 1000, "validity_days": validity,
                "downgrade": if validity.is_null() { serde_json::Value::Null }
                             else { serde_json::json!({"kind": "to_level", "level_id": "l0"}) }})
            })
            .collect();
        let mut levels = levels;
        // The base level renews itself (recompute) when it has a validity.
        levels[0]["downgrade"] = if validity.is_null() {
            serde_json::Value::Null
        } else {
            serde_json::json!({"kind": "recompute"})
        };
        loyalty_domain::level_document::parse(
            &serde_json::json!({"upgrade_by": "points", "levels": levels}),
            &myr,
        )
        .unwrap()
    };
    let plain = ladder(serde_json::Value::Null);
    let mut standing = Standing::default();
    standing.earn(
        &plain,
        tz,
        &Counters {
            points: 4500,
            ..Counters::default()
        },
        at("2026-01-01T10:00:00+08:00"),
    );
    let now = at("2026-06-01T10:00:00+08:00");
    let earned = Counters {
        points: 3098,
        growth: 30,
        spend: Decimal::new(3098, 2),
        ..Counters::default()
    };
    c.bench_function("level: settle + earn, 10-level ladder", |b| {
        b.iter(|| {
            let mut s = standing.clone();
            s.settle(&plain, tz, Decimal::ZERO, now);
            black_box(s.earn(&plain, tz, black_box(&earned), now))
        })
    });
    let lapsing = ladder(serde_json::json!(30));
    let mut dormant = Standing::default();
    dormant.earn(
        &lapsing,
        tz,
        &Counters {
            points: 9500,
            ..Counters::default()
        },
        at("2016-01-01T10:00:00+08:00"),
    );
    let lapses = dormant
        .clone()
        .settle(&lapsing, tz, Decimal::ZERO, now)
        .len();
    c.bench_function(
        &format!("level: settle 10 dormant years ({lapses} lapses)"),
        |b| {
            b.iter(|| {
                let mut s = dormant.clone();
                black_box(s.settle(&lapsing, tz, Decimal::ZERO, now))
            })
        },
    );
}

/// 000: the quote's decision for a 50-line cart by a member holding 10 cards with
/// discounts (one with free shipping) and a level with category exclusions: the benefits
/// held, the best of them, and the points preview for what the lines pay.
fn quote(c: &mut Criterion) {
    use loyalty_domain::cards::{
        CardDef, CardKind, CardSummary, GiftPack, HeldStatus, MemberCard, Term, Validity,
    };
    use loyalty_domain::checkout::{benefits, choose, CartLine};
    use loyalty_domain::member::Profile;
    let myr = Currency::parse("MYR").unwrap();
    let tz = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
    let now = at("2026-06-01T10:00:00+08:00");
    let m = |s: &str| Money::parse(s, &myr).unwrap();
    let ladder = loyalty_domain::level_document::parse(
        &serde_json::json!({"upgrade_by": "growth", "levels": [
            {"level_id": "base", "name": "Member", "rank": 0, "threshold": 0},
            {"level_id": "silver", "name": "Silver", "rank": 1, "threshold": 100,
             "discount": {"percent": 90, "categories": null, "exclude_categories": ["milk"]}}]}),
        &myr,
    )
    .unwrap();
    let mut profile = Profile::default();
    profile.standing.earn(
        &ladder,
        tz,
        &loyalty_domain::level::Counters {
            growth: 500,
            ..Default::default()
        },
        at("2026-01-01T10:00:00+08:00"),
    );
    let mut summary = CardSummary::default();
    for i in 0..10u32 {
        let id = format!("card_{i:02}");
        let mut benefits = vec![serde_json::json!({"kind": "discount", "percent": 99 - i})];
        if i == 9 {
            benefits.push(serde_json::json!({"kind": "free_shipping"}));
        }
        summary.cards.insert(
            id.clone(),
            CardDef {
                card_id: id.clone(),
                kind: CardKind::Free,
                name: id.clone(),
                description: String::new(),
                service_phone: String::new(),
                validity: Validity::Permanent,
                benefits: serde_json::Value::Array(benefits),
                gift_pack: GiftPack::default(),
                require_phone: false,
                price: None,
                rule: None,
                enabled: true,
                listed: true,
                holders: 1,
                version: 1,
                stock_shards: 1,
            },
        );
        profile.cards.insert(
            id.clone(),
            MemberCard {
                card_id: id,
                card_no: format!("{i}"),
                kind: CardKind::Free,
                term: Term {
                    valid_from: at("2026-01-01T00:00:00+08:00"),
                    valid_until: None,
                },
                status: HeldStatus::Active,
                gift_pack_issued: false,
                gift_points: 0,
                gift_credit: Money::ZERO,
                gift_items: Vec::new(),
                paid: None,
                purchase_id: None,
                stock_shard: None,
                issued_at: at("2026-01-01T00:00:00+08:00"),
            },
        );
    }
    let lines: Vec<CartLine> = (0..50)
        .map(|i| CartLine {
            sku: Some(format!("P{i}")),
            category: Some(if i % 3 == 0 {
                "milk".into()
            } else {
                "toys".into()
            }),
            amount: m("12.34"),
            member_discount: i % 7 != 0,
            promotional: false,
            member_price: false,
            campaign: false,
        })
        .collect();
    let program = loyalty_domain::points_document::parse_program(
        &serde_json::json!({"enabled": true, "earn": {"points_per_unit": 1}, "redeem": {"points_per_unit": 100}}),
        Some(&myr),
    )
    .unwrap();
    c.bench_function("quote: 50 lines, 10 cards held and a level", |b| {
        b.iter(|| {
            let held = benefits(&profile, &summary, Some(&ladder), now);
            let (_, priced) = choose(&held, None, black_box(&lines), m("8.00"), &myr).unwrap();
            let order: Vec<OrderLine> = lines
                .iter()
                .zip(&priced.lines)
                .map(|(l, off)| OrderLine {
                    sku: l.sku.clone(),
                    category: l.category.clone(),
                    amount: Money::from_stored(l.amount.amount() - off.amount()),
                    promotional: false,
                    member_price: false,
                    campaign: false,
                })
                .collect();
            let factors = summary.member_factors(&profile, Some(&ladder), now);
            black_box(program.earn(m("500.00"), &order, now, tz, &factors))
        })
    });
}

criterion_group!(benches, rules, levels, quote);
criterion_main!(benches);
