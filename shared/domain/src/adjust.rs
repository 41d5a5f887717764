//! Manual balance adjustments by staff: change by a delta or set to an amount, never below
//! zero, always with a reason.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

use crate::account::{Account, AccountKind, Insufficient, Quantity};
use crate::document::DocumentError;
use crate::ledger::{EntryKind, Movement};

pub const MAX_REASON_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<Q> {
    Delta(Q),
    Set(Q),
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AdjustmentError {
    #[error("reason is required (1-{MAX_REASON_CHARS} characters)")]
    BadReason,
    #[error("delta must not be zero")]
    ZeroDelta,
    #[error("the expiry must be in the future")]
    ExpiryInPast,
}

/// A checked adjustment command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment<Q> {
    change: Change<Q>,
    reason: String,
    expires_at: Option<DateTime<Utc>>,
}

impl<Q: Quantity> Adjustment<Q> {
    pub fn new(
        change: Change<Q>,
        reason: &str,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Self, AdjustmentError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(AdjustmentError::BadReason);
        }
        if change == Change::Delta(Q::zero()) {
            return Err(AdjustmentError::ZeroDelta);
        }
        if expires_at.is_some_and(|at| at <= now) {
            return Err(AdjustmentError::ExpiryInPast);
        }
        Ok(Self {
            change,
            reason: reason.to_owned(),
            expires_at,
        })
    }
}

/// The new account and the movements that explain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<Q: Quantity> {
    pub account: Account<Q>,
    pub movements: Vec<Movement>,
}

/// Decides an adjustment on the account as read. Lots that expired before `now` are written
/// off first (their own ledger entry), so a "set" or a debit never counts dead balance.
pub fn adjust<Q: Quantity>(
    kind: AccountKind,
    mut account: Account<Q>,
    cmd: &Adjustment<Q>,
    links: BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Result<Decision<Q>, Insufficient<Q>> {
    let mut movements: Vec<Movement> = account
        .write_off_expired(kind, &links, now)
        .into_iter()
        .collect();
    let balance = account.balance();
    let delta = match cmd.change {
        Change::Delta(d) => d,
        Change::Set(target) if target < Q::zero() => {
            return Err(Insufficient {
                available: balance,
                requested: balance - target,
            })
        }
        Change::Set(target) => target - balance,
    };
    if delta.is_positive() {
        account.credit(delta, cmd.expires_at);
    } else if delta < Q::zero() {
        account.debit(-delta)?;
    }
    movements.push(Movement {
        account: kind,
        kind: EntryKind::Adjustment,
        amount: delta.to_decimal(),
        balance_after: account.balance().to_decimal(),
        reason: cmd.reason.clone(),
        links,
    });
    Ok(Decision { account, movements })
}

// The request document: which account, delta or set, typed as the account counts.

/// Points deltas beyond this are typing errors, like money beyond its bound.
const MAX_POINTS: i64 = 1_000_000_000_000;

#[derive(Debug, Deserialize)]
struct RawAdjustment {
    account: String,
    #[serde(default)]
    delta: Option<Value>,
    #[serde(default)]
    set: Option<Value>,
    #[serde(default)]
    reason: Option<String>,
    /// Optional: the added amount expires at the end of this shop-local day.
    #[serde(default, deserialize_with = "crate::time::serde_date::option")]
    expires_on: Option<NaiveDate>,
}

/// The amount as sent, checked for type; the currency check needs the shop's settings and
/// happens on the snapshot.
pub enum Amount {
    Points(i64),
    Money(String),
}

/// `POST /members/{member_id}/adjustments` as a request document.
pub struct AdjustmentRequest {
    pub account: AccountKind,
    pub set: bool,
    pub amount: Amount,
    pub reason: String,
    pub expires_on: Option<NaiveDate>,
}

impl AdjustmentRequest {
    pub fn parse(body: &Value) -> Result<AdjustmentRequest, DocumentError> {
        let raw: RawAdjustment = DocumentError::from_json(body)?;
        let account = AccountKind::parse(&raw.account).ok_or_else(|| {
            DocumentError::Invalid(format!(
                "unknown account {:?}: use \"points\", \"credit\" or \"value\"",
                raw.account
            ))
        })?;
        let (set, value) = match (raw.delta, raw.set) {
            (Some(d), None) => (false, d),
            (None, Some(s)) => (true, s),
            _ => {
                return Err(DocumentError::Invalid(
                    "give exactly one of \"delta\" and \"set\"".into(),
                ))
            }
        };
        let amount = match (account, value) {
            (AccountKind::Points, Value::Number(n)) => match n.as_i64() {
                Some(p) if p.abs() <= MAX_POINTS => Amount::Points(p),
                Some(_) => return Err(DocumentError::Invalid("points amount is too large".into())),
                None => return Err(DocumentError::Invalid("points are whole numbers".into())),
            },
            (AccountKind::Points, _) => {
                return Err(DocumentError::Invalid(
                    "points are given as a JSON integer".into(),
                ))
            }
            (AccountKind::Credit | AccountKind::Value, Value::String(s)) => Amount::Money(s),
            (AccountKind::Credit | AccountKind::Value, _) => {
                return Err(DocumentError::Invalid(
                    "credit and stored value are given as a decimal string, e.g. \"5.00\"".into(),
                ))
            }
        };
        let reason = raw
            .reason
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| DocumentError::Invalid("reason is required".into()))?;
        Ok(AdjustmentRequest {
            account,
            set,
            amount,
            reason,
            expires_on: raw.expires_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn now() -> DateTime<Utc> {
        at("2026-05-01T00:00:00Z")
    }

    fn cmd<Q: Quantity>(change: Change<Q>) -> Adjustment<Q> {
        Adjustment::new(change, "goodwill", None, now()).unwrap()
    }

    fn sum(movements: &[Movement]) -> Decimal {
        movements.iter().map(|m| m.amount).sum()
    }

    #[test]
    fn a_delta_moves_the_balance_and_records_why() {
        // GIVEN 50 points WHEN -20 THEN 30, one entry of -20 with the reason.
        let account = Account::from_lots([], 50_i64, 3);
        let d = adjust(
            AccountKind::Points,
            account,
            &cmd(Change::Delta(-20)),
            BTreeMap::new(),
            now(),
        )
        .unwrap();
        assert_eq!(d.account.balance(), 30);
        // The version it was read at: the store writes the next one, conditioned on this.
        assert_eq!(d.account.version(), 3);
        assert_eq!(d.movements.len(), 1);
        assert_eq!(d.movements[0].amount, Decimal::from(-20));
        assert_eq!(d.movements[0].balance_after, Decimal::from(30));
        assert_eq!(d.movements[0].reason, "goodwill");
        assert_eq!(d.movements[0].kind, EntryKind::Adjustment);
    }

    #[test]
    fn going_below_zero_is_refused() {
        let account = Account::from_lots([], 50_i64, 0);
        let err = adjust(
            AccountKind::Points,
            account.clone(),
            &cmd(Change::Delta(-51)),
            BTreeMap::new(),
            now(),
        )
        .unwrap_err();
        assert_eq!(err.available, 50);
        assert!(adjust(
            AccountKind::Points,
            account,
            &cmd(Change::Set(-1)),
            BTreeMap::new(),
            now()
        )
        .is_err());
    }

    #[test]
    fn set_records_the_difference() {
        let account = Account::from_lots([], Decimal::new(1250, 2), 0);
        let d = adjust(
            AccountKind::Credit,
            account,
            &cmd(Change::Set(Decimal::new(500, 2))),
            BTreeMap::new(),
            now(),
        )
        .unwrap();
        assert_eq!(d.account.balance(), Decimal::new(500, 2));
        assert_eq!(d.movements[0].amount, Decimal::new(-750, 2));
    }

    #[test]
    fn expired_lots_are_written_off_before_the_adjustment_and_the_ledger_still_adds_up() {
        // GIVEN 40 that expired in April and 10 never-expiring.
        let account = Account::from_lots([(at("2026-04-30T15:59:59Z"), 40_i64)], 10, 0);
        let before = account.balance();
        let d = adjust(
            AccountKind::Points,
            account,
            &cmd(Change::Set(0)),
            BTreeMap::new(),
            now(),
        )
        .unwrap();
        assert_eq!(d.movements[0].kind, EntryKind::Expiry);
        assert_eq!(d.movements[0].amount, Decimal::from(-40));
        assert_eq!(d.movements[1].amount, Decimal::from(-10));
        assert_eq!(Decimal::from(before) + sum(&d.movements), Decimal::ZERO);
    }

    #[test]
    fn commands_need_a_reason_a_nonzero_delta_and_a_future_expiry() {
        assert_eq!(
            Adjustment::new(Change::Delta(5_i64), "  ", None, now()),
            Err(AdjustmentError::BadReason)
        );
        assert_eq!(
            Adjustment::new(Change::Delta(0_i64), "x", None, now()),
            Err(AdjustmentError::ZeroDelta)
        );
        assert_eq!(
            Adjustment::new(Change::Delta(5_i64), "x", Some(now()), now()),
            Err(AdjustmentError::ExpiryInPast)
        );
        assert!(Adjustment::new(Change::Set(0_i64), "x", None, now()).is_ok());
        let long = "x".repeat(MAX_REASON_CHARS + 1);
        assert!(Adjustment::new(Change::Delta(1_i64), &long, None, now()).is_err());
    }

    #[test]
    fn a_credit_with_expiry_goes_into_its_own_lot() {
        let expiry = at("2026-12-31T15:59:59Z");
        let c = Adjustment::new(Change::Delta(25_i64), "promo", Some(expiry), now()).unwrap();
        let d = adjust(
            AccountKind::Points,
            Account::default(),
            &c,
            BTreeMap::new(),
            now(),
        )
        .unwrap();
        assert_eq!(d.account.next_expiry(), Some(expiry));
        assert_eq!(d.account.balance(), 25);
    }
}
