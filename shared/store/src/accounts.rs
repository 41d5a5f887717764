//! Account items: balance, lots by expiry, version.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::chrono::{DateTime, Utc};
use domain::{Account, AccountKind, Decimal, MemberId, Quantity, ShopId};

use crate::item::{self, Item};
use crate::keys::{self, GSI2PK, GSI2SK};
use crate::{Cond, Snapshot, StoreError, Write};

/// How a quantity is read back from its stored decimal text.
pub trait StoredQuantity: Quantity {
    fn from_stored(value: Decimal) -> Result<Self, StoreError>;
}

impl StoredQuantity for i64 {
    fn from_stored(value: Decimal) -> Result<Self, StoreError> {
        if !value.fract().is_zero() {
            return Err(StoreError::Corrupt(format!("points {value} are not whole")));
        }
        i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("points {value} overflow")))
    }
}

impl StoredQuantity for Decimal {
    fn from_stored(value: Decimal) -> Result<Self, StoreError> {
        Ok(value)
    }
}

/// The account as read; an account never written reads as empty at version 0.
pub fn read<Q: StoredQuantity>(
    snapshot: &Snapshot,
    shop: &ShopId,
    member: &MemberId,
    kind: AccountKind,
) -> Result<Account<Q>, StoreError> {
    match snapshot.get(&keys::account(shop, member, kind)) {
        None => Ok(Account::default()),
        Some(found) => decode(found),
    }
}

pub fn decode<Q: StoredQuantity>(found: &Item) -> Result<Account<Q>, StoreError> {
    let never = Q::from_stored(item::get_decimal(found, "never")?)?;
    let version = item::get_u64_or_zero(found, "version")?;
    let mut lots = Vec::new();
    if let Some(map) = item::get_map(found, "lots")? {
        for (at, amount) in map {
            let amount = amount
                .as_n()
                .map_err(|_| StoreError::Corrupt("lot amount is not a number".into()))?;
            lots.push((
                item::parse_time("lots", at)?,
                Q::from_stored(item::parse_decimal("lots", amount)?)?,
            ));
        }
    }
    Ok(Account::from_lots(lots, never, version))
}

fn lot_key(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(domain::chrono::SecondsFormat::Secs, true)
}

/// The write of an account decided from `read_version`. `account` is the new state (its
/// version already bumped by the domain).
pub fn put<Q: Quantity>(
    shop: &ShopId,
    member: &MemberId,
    kind: AccountKind,
    account: &Account<Q>,
    read_version: u64,
) -> Write {
    let key = keys::account(shop, member, kind);
    let mut it = item::with_key(&key, "account");
    it.insert("account".into(), item::s(kind.as_str()));
    it.insert("member_id".into(), item::s(member.as_str()));
    it.insert("balance".into(), item::n(account.balance()));
    it.insert("never".into(), item::n(account.never_expiring()));
    it.insert("version".into(), item::n(account.version()));
    let lots: HashMap<String, AttributeValue> = account
        .expiring_lots()
        .map(|(at, amount)| (lot_key(at), item::n(amount)))
        .collect();
    if !lots.is_empty() {
        it.insert("lots".into(), AttributeValue::M(lots));
    }
    // Sparse index: only accounts that still hold expiring lots are listed for the daily job.
    if let Some(next) = account.next_expiry() {
        it.insert(GSI2PK.into(), item::s(keys::expiry_index_pk(shop)));
        it.insert(
            GSI2SK.into(),
            item::s(format!("{}#{}", lot_key(next), key.pk)),
        );
    }
    Write::Put {
        item: it,
        cond: Cond::Version(read_version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn an_account_round_trips_through_its_item() {
        let shop = ShopId::parse("s1").unwrap();
        let member = MemberId::parse("m1").unwrap();
        let account = Account::from_lots(
            [(at("2026-10-01T15:59:59Z"), Decimal::new(1250, 2))],
            Decimal::new(5, 1),
            4,
        );
        let Write::Put { item, cond } = put(&shop, &member, AccountKind::Credit, &account, 3)
        else {
            panic!("an account is written with a put");
        };
        assert_eq!(cond, Cond::Version(3));
        assert_eq!(item["PK"], item::s("SHOP#s1#M#m1"));
        assert_eq!(item["SK"], item::s("ACCT#CREDIT"));
        assert_eq!(item["balance"], item::n("13.00"));
        assert_eq!(item["GSI2PK"], item::s("SHOP#s1#DUE"));
        assert_eq!(decode::<Decimal>(&item).unwrap(), account);
    }

    #[test]
    fn fractional_points_are_corruption_not_silently_truncated() {
        assert!(i64::from_stored(Decimal::new(15, 1)).is_err());
        assert_eq!(i64::from_stored(Decimal::new(150, 1)).unwrap(), 15);
    }
}
