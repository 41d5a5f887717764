//! Amounts out: points as JSON integers, money as strings with the currency's decimals.

use domain::{AccountKind, Currency, Decimal};
use serde_json::Value;

pub fn amount(kind: AccountKind, value: Decimal, currency: Option<&Currency>) -> Value {
    match kind {
        AccountKind::Points => match i64::try_from(value.trunc()) {
            Ok(points) => Value::from(points),
            Err(_) => Value::String(value.to_string()),
        },
        AccountKind::Credit => {
            let mut v = value;
            if let Some(c) = currency {
                v.rescale(c.minor_units());
            }
            Value::String(v.to_string())
        }
    }
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
