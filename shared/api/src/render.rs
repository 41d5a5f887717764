//! Amounts out: points as JSON integers, money as strings with the currency's decimals.

use domain::cards::MemberCard;
use domain::chrono::{DateTime, SecondsFormat, Utc};
use domain::{AccountKind, Currency, Decimal, MemberId};
use serde_json::{json, Value};

/// Money stored in major units, as the API shows it: in the currency's minor units
/// ("5.00"); as stored before the shop has a currency. Every answer renders money here.
pub fn money(stored: Decimal, currency: Option<&Currency>) -> String {
    let money = domain::Money::from_stored(stored);
    match currency {
        Some(c) => money.to_string_in(c),
        None => money.to_string(),
    }
}

pub fn amount(kind: AccountKind, value: Decimal, currency: Option<&Currency>) -> Value {
    match kind {
        AccountKind::Points => match i64::try_from(value.trunc()) {
            Ok(points) => Value::from(points),
            Err(_) => Value::String(value.to_string()),
        },
        AccountKind::Credit | AccountKind::Value => {
            let mut v = value;
            if let Some(c) = currency {
                v.rescale(c.minor_units());
            }
            Value::String(v.to_string())
        }
    }
}

/// How a member card is shown to its holder and to staff.
pub fn member_card(card: &MemberCard, member: &MemberId, now: DateTime<Utc>) -> Value {
    let t = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
    json!({
        "card_no": card.card_no,
        "card_id": card.card_id,
        "member_id": member.as_str(),
        "valid_from": t(card.term.valid_from),
        "valid_until": card.term.valid_until.map(t),
        "status": card.status_at(now),
        "gift_pack_issued": card.gift_pack_issued,
    })
}

/// Level changes (003) as answers show them: from, to, when it takes effect, why.
pub fn level_changes(changes: &[domain::level::LevelChange], tz: domain::ShopTz) -> Value {
    Value::Array(
        changes
            .iter()
            .map(|c| {
                serde_json::json!({
                    "from": c.from,
                    "to": c.to,
                    "effective_at": tz.format(c.at),
                    "cause": c.cause.as_str(),
                })
            })
            .collect(),
    )
}

/// An instant as the API writes it: UTC, milliseconds.
pub fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A ledger entry as this API shows it (GET /members/{id}/ledger and the messages).
pub fn ledger_entry(listed: &store::ledger::Listed) -> Value {
    let entry = &listed.entry;
    let m = &entry.movement;
    let shown = |v| amount(m.account, v, listed.currency.as_ref());
    json!({
        "entry_id": entry.entry_id.as_str(),
        "account": m.account.as_str(),
        "amount": shown(m.amount),
        "balance_after": shown(m.balance_after),
        "kind": m.kind.as_str(),
        "reason": m.reason,
        "actor": entry.actor,
        "at": instant(entry.at),
        "links": m.links,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_its_minor_units_and_points_are_integers() {
        let myr = Currency::parse("MYR").unwrap();
        assert_eq!(
            amount(AccountKind::Credit, Decimal::new(125, 1), Some(&myr)),
            Value::String("12.50".into())
        );
        assert_eq!(
            amount(AccountKind::Points, Decimal::from(3098), None),
            Value::from(3098)
        );
    }
}
