//! Identifiers parsed at the edge. They become parts of DynamoDB keys, so the key separator
//! `#` and anything unprintable are refused here, once.

use std::fmt;

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("{what} must be 1-{max} characters of letters, digits and . _ - : @ +, got {value:?}")]
pub struct InvalidId {
    pub what: &'static str,
    pub max: usize,
    pub value: String,
}

fn check(what: &'static str, max: usize, value: &str) -> Result<String, InvalidId> {
    let ok = !value.is_empty()
        && value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-:@+".contains(&b));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(InvalidId {
            what,
            max,
            value: value.chars().take(80).collect(),
        })
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:literal) => {
        $(#[$doc])*
        // Serialised as the string it is, in answers and messages.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: &str) -> Result<Self, InvalidId> {
                check($what, $max, value).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// The tenant: always taken from the verified token, never from a body.
    ShopId, "shop", 64
);
id_type!(
    /// A member of one shop.
    MemberId, "member_id", 64
);
id_type!(
    /// A card definition.
    CardId, "card_id", 64
);
id_type!(
    /// The shop's own order id (the idempotency key of its accrual).
    OrderId, "order_id", 64
);
id_type!(
    /// The caller's id for one refund of an order.
    RefundId, "refund_id", 64
);
id_type!(
    /// A rule of a program (a recharge rule, an exchange rule: 003).
    RuleId, "rule_id", 64
);
id_type!(
    /// One of the shop's stores (003: a recharge rule may be limited to some).
    StoreId, "store_id", 64
);
id_type!(
    /// A stored-value recharge (003), what its refund names.
    RechargeId, "recharge_id", 64
);
id_type!(
    /// A coupon definition (API 1.3).
    CouponId, "coupon_id", 64
);
id_type!(
    /// A level of the shop's ladder (a rule card's id while levels are rule cards).
    LevelId, "level_id", 64
);
id_type!(
    /// The actor's id from the token's `sub`.
    ActorId, "sub", 128
);
id_type!(
    /// A caller-chosen key that makes a state change happen at most once.
    IdempotencyKey, "Idempotency-Key", 128
);

/// Separates the parts of a derived key. No id and no caller's key may contain it (`check`
/// refuses it), so a derived key never spells a caller's key, and two derived keys are equal
/// only when their operation and every part are.
const DERIVED_SEPARATOR: char = '#';

impl IdempotencyKey {
    /// A key the API derives from the request itself (an order's accrual, a refund, a payment
    /// provider's event): `operation#part#part`. Each part is checked as an id is. Caller keys
    /// and derived keys are two namespaces: a customer sending `Idempotency-Key:
    /// accrue.ORDER-1` (or any spelling) cannot take the record of an order's accrual.
    pub fn derived(operation: &'static str, parts: &[&str]) -> Result<Self, InvalidId> {
        let mut key = operation.to_owned();
        for part in parts {
            key.push(DERIVED_SEPARATOR);
            key.push_str(&check("id", 128, part)?);
        }
        Ok(IdempotencyKey(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_refuse_the_key_separator_and_junk() {
        assert!(MemberId::parse("m-1_a.b@x:y+z").is_ok());
        for bad in ["", "a#b", "a b", "ü", "a/b", "\n"] {
            assert!(MemberId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ShopId::parse(&"s".repeat(64)).is_ok());
        assert!(ShopId::parse(&"s".repeat(65)).is_err());
        assert!(IdempotencyKey::parse("3f2b9c1e-7d1a-4c59-9d1e-1f0f8a6b2c3d").is_ok());
    }

    /// Security review (issue 31): keys are one namespace no more.
    #[test]
    fn derived_keys_never_spell_a_callers_key_nor_each_other() {
        let accrual = IdempotencyKey::derived("accrue", &["ORDER-1001"]).unwrap();
        assert_eq!(accrual.as_str(), "accrue#ORDER-1001");
        // Whatever a caller sends parses to a key without the separator.
        assert!(IdempotencyKey::parse(accrual.as_str()).is_err());
        assert_ne!(IdempotencyKey::parse("accrue.ORDER-1001").unwrap(), accrual);
        // Ids with dots no longer collide across the parts: o.1 + r vs o + 1.r.
        assert_ne!(
            IdempotencyKey::derived("refund", &["o.1", "r"]).unwrap(),
            IdempotencyKey::derived("refund", &["o", "1.r"]).unwrap()
        );
        assert!(IdempotencyKey::derived("evt", &["a#b"]).is_err());
    }
}
