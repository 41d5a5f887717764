//! The coupons report (API 1.3 "Coupons": Report): per definition, what was issued, used,
//! returned, expired and voided over a period of shop-local days, the discount its uses
//! gave, and how many were held (available) at its end. Counted like the balances report
//! (`report`): per shard and shop-local day, in the transaction that changes the wallet,
//! carried at month ends, so it is exact at every instant and reads its period whatever
//! the shop's age.
//!
//! Expiry needs no write when it happens, so it is counted when it becomes certain: a
//! coupon issued (or given back) counts an expiry on the first day it reads expired, and a
//! use or a void before then takes that expiry back. Every count lands on today or a later day,
//! never on a closed month. Days after today hold only expiries still to come: a report
//! reads nothing after today.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::coupon::{MemberCoupon, State, Wallet};
use crate::report::month_of;
use crate::ShopTz;

/// What a coupon counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Move {
    Issued,
    Used,
    Returned,
    Expired,
    Void,
    /// The money a use took off (signed: a return takes it back).
    Discount,
}

impl Move {
    pub const ALL: [Move; 6] = [
        Move::Issued,
        Move::Used,
        Move::Returned,
        Move::Expired,
        Move::Void,
        Move::Discount,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Move::Issued => "issued",
            Move::Used => "used",
            Move::Returned => "returned",
            Move::Expired => "expired",
            Move::Void => "void",
            Move::Discount => "discount",
        }
    }

    pub fn parse(s: &str) -> Option<Move> {
        Move::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// How the move changes the coupons held: issued and returned add, the rest take away.
    fn held(self) -> i64 {
        match self {
            Move::Issued | Move::Returned => 1,
            Move::Used | Move::Expired | Move::Void => -1,
            Move::Discount => 0,
        }
    }
}

/// One count: the shop-local day, the definition, what, how much.
pub type CouponCounted = (NaiveDate, String, Move, Decimal);

/// Coupons held per definition through the end of a month.
pub type Held = BTreeMap<String, Decimal>;

/// The counts one transaction's change of a member's wallet makes, at `now`.
pub fn moves(
    before: &Wallet,
    after: &Wallet,
    tz: ShopTz,
    now: DateTime<Utc>,
) -> Vec<CouponCounted> {
    let today = tz.local_date(now);
    let mut out = Vec::new();
    for c in &after.coupons {
        let was = before.coupons.iter().find(|b| b.coupon_no == c.coupon_no);
        let mut count = |day: NaiveDate, m: Move, n: Decimal| {
            out.push((day, c.coupon_id.clone(), m, n));
        };
        // The first day it reads expired: validity ends at the end of a shop-local day.
        let last_day = tz
            .local_date(c.valid_until)
            .succ_opt()
            .unwrap_or(NaiveDate::MAX)
            .max(today);
        let one = Decimal::ONE;
        match (was.map(|b| &b.state), &c.state) {
            (None, state) => {
                count(today, Move::Issued, one);
                match state {
                    State::Held => count(last_day, Move::Expired, one),
                    State::Used { .. } => count(today, Move::Used, one),
                    State::Void { .. } => count(today, Move::Void, one),
                }
            }
            (Some(State::Held), State::Used { discount, .. }) => {
                count(today, Move::Used, one);
                count(today, Move::Discount, *discount);
                count(last_day, Move::Expired, -one);
            }
            (Some(State::Used { discount, .. }), State::Held) => {
                count(today, Move::Returned, one);
                count(today, Move::Discount, -*discount);
                // Back within its validity it expires on its last day; past it, now.
                let expires = if now > c.valid_until { today } else { last_day };
                count(expires, Move::Expired, one);
            }
            (Some(State::Held), State::Void { .. }) if !expired(c, now) => {
                count(today, Move::Void, one);
                count(last_day, Move::Expired, -one);
            }
            _ => {}
        }
    }
    out.retain(|(_, _, m, n)| !n.is_zero() || *m == Move::Issued);
    out
}

/// A count (counters hold whole numbers of coupons).
fn whole(n: Decimal) -> i64 {
    n.trunc().to_i64().unwrap_or_default()
}

fn expired(c: &MemberCoupon, now: DateTime<Utc>) -> bool {
    now > c.valid_until
}

/// One definition over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub issued: i64,
    pub used: i64,
    pub returned: i64,
    pub expired: i64,
    pub void: i64,
    pub discount: Decimal,
    /// Available at the end of the period.
    pub held: i64,
}

/// Each definition's figures over `from..=to` from the coupons `held` through some month's
/// end before `from` and the counts of every day after that month; days after `to` and
/// after `today` are left out (expiries still to come).
pub fn figures(
    held: &Held,
    counted: &[CouponCounted],
    (from, to): (NaiveDate, NaiveDate),
    today: NaiveDate,
) -> BTreeMap<String, Figures> {
    let mut out: BTreeMap<String, Figures> = held
        .iter()
        .map(|(id, n)| {
            let f = Figures {
                held: whole(*n),
                ..Figures::default()
            };
            (id.clone(), f)
        })
        .collect();
    let last = to.min(today);
    for (day, id, m, n) in counted.iter().filter(|c| c.0 <= last) {
        let f = out.entry(id.clone()).or_default();
        f.held += m.held() * whole(*n);
        if *day < from {
            continue;
        }
        match m {
            Move::Discount => f.discount += n,
            Move::Issued => f.issued += whole(*n),
            Move::Used => f.used += whole(*n),
            Move::Returned => f.returned += whole(*n),
            Move::Expired => f.expired += whole(*n),
            Move::Void => f.void += whole(*n),
        }
    }
    out
}

/// The coupons held through `month`: those held through the month before, plus the counts
/// of `month`'s days (a closed month's days are all past).
pub fn carry_held(before: &Held, counted: &[CouponCounted], month: NaiveDate) -> Held {
    let mut out = before.clone();
    for (day, id, m, n) in counted {
        if month_of(*day) == month {
            *out.entry(id.clone()).or_default() += Decimal::from(m.held()) * n;
        }
    }
    out.retain(|_, n| !n.is_zero());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coupon::{parse_definition, CouponNo, Source};
    use crate::Currency;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Three coupons valid two days: one used and given back after its end, one void, one
    /// left to expire. Each day's counts add up to what is held, expiries fall on the first
    /// day a coupon reads expired, and none is counted ahead of today.
    #[test]
    fn every_change_of_a_wallet_adds_up_to_what_is_held() {
        let tz = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
        let now = at("2026-06-10T02:00:00Z");
        let def = parse_definition(
            &serde_json::json!({"name": "1 off", "kind": "amount_off", "amount": "1.00",
                "validity": {"kind": "days", "days": 2}}),
            "cpn_a".into(),
            &Currency::parse("MYR").unwrap(),
            d("2026-06-10"),
            now,
        )
        .unwrap();
        let issue = |n| {
            def.issue(CouponNo::from_random(n), Source::Staff, 0, now, tz)
                .unwrap()
        };
        let none = Wallet::default();
        let mut w = Wallet {
            coupons: vec![issue(1), issue(2), issue(3)],
            ..Wallet::default()
        };
        let mut counted = moves(&none, &w, tz, now);
        let ends = tz.local_date(w.coupons[0].valid_until).succ_opt().unwrap();

        let before = w.clone();
        w.coupons[0].state = State::Used {
            order_id: Some("o1".into()),
            at: now,
            discount: Decimal::ONE,
        };
        w.coupons[1].state = State::Void { at: now };
        counted.extend(moves(&before, &w, tz, now));
        let today = d("2026-06-10");
        let f = &figures(&Held::new(), &counted, (today, today), today)["cpn_a"];
        assert_eq!(
            (f.issued, f.used, f.void, f.expired, f.held, f.discount),
            (3, 1, 1, 0, 1, Decimal::ONE)
        );

        // Given back after its end: returned and expired at once, the discount taken back.
        let later = at("2026-06-20T02:00:00Z");
        let before = w.clone();
        w.coupons[0].state = State::Held;
        counted.extend(moves(&before, &w, tz, later));
        let all = (d("2026-06-01"), d("2026-06-30"));
        let f = &figures(&Held::new(), &counted, all, d("2026-06-20"))["cpn_a"];
        assert_eq!(
            (f.issued, f.used, f.returned, f.void, f.expired, f.held, f.discount),
            (3, 1, 1, 1, 2, 0, Decimal::ZERO)
        );
        // The unused coupon's expiry is not counted before its day comes.
        let f = &figures(&Held::new(), &counted, all, ends.pred_opt().unwrap())["cpn_a"];
        assert_eq!((f.expired, f.held), (0, 1));
        // A month carried holds the same.
        let june = carry_held(&Held::new(), &counted, d("2026-06-01"));
        assert_eq!(june.get("cpn_a"), None, "nothing held at June's end");
    }
}
