//! Account items: balance, lots by expiry, version.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::chrono::{DateTime, Utc};
use domain::{Account, AccountKind, Decimal, Hold, MemberId, Quantity, ShopId};

use crate::item::{self, Item};
use crate::keys::{self, GSI2PK, GSI2SK};
use crate::{Cond, Snapshot, StoreError, Write};

/// An account the due index lists: whose it is and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub shop: ShopId,
    pub member: MemberId,
    pub kind: AccountKind,
    pub at: DateTime<Utc>,
}

impl crate::Store {
    /// Accounts with something due on UTC `day` up to `until` (lots expiring, holds
    /// releasing), from the sparse index: no scan.
    pub async fn due_accounts(
        &self,
        day: domain::chrono::NaiveDate,
        until: DateTime<Utc>,
    ) -> Result<Vec<Due>, StoreError> {
        let mut out = Vec::new();
        for shard in 0..keys::DUE_SHARDS {
            let pk = keys::due_index_pk(day, shard);
            for it in self.due_index(&pk, &lot_key(until)).await? {
                let (pk, sk) = (item::get_s(&it, keys::PK)?, item::get_s(&it, keys::SK)?);
                let due_at = item::get_s(&it, GSI2SK)?
                    .split('#')
                    .next()
                    .unwrap_or_default();
                let (shop, member, kind) = keys::parse_account(pk, sk)
                    .ok_or_else(|| StoreError::Corrupt(format!("account key {pk} {sk}")))?;
                out.push(Due {
                    shop,
                    member,
                    kind,
                    at: item::parse_time(GSI2SK, due_at)?,
                });
            }
        }
        Ok(out)
    }

    /// Every item of one due-index partition (GSI2) due by `until` (a sortable time), page
    /// by page: the daily jobs find their work here, never by a scan.
    pub(crate) async fn due_index(
        &self,
        pk: &str,
        until: &str,
    ) -> Result<Vec<crate::Item>, StoreError> {
        self.query_all(
            self.client
                .query()
                .table_name(&self.table)
                .index_name(keys::GSI2)
                .key_condition_expression("#pk = :pk AND #sk <= :until")
                .expression_attribute_names("#pk", GSI2PK)
                .expression_attribute_names("#sk", GSI2SK)
                .expression_attribute_values(":pk", item::s(pk))
                .expression_attribute_values(":until", item::s(keys::due_until(until))),
        )
        .await
    }
}

/// The member's stored-value balance (003), zero without an account: what `by_balance`
/// level downgrades place the member by.
pub fn value_balance(
    snapshot: &Snapshot,
    shop: &ShopId,
    member: &MemberId,
) -> Result<Decimal, StoreError> {
    Ok(read::<Decimal>(snapshot, shop, member, AccountKind::Value)?.balance())
}

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
        // Erasure marks the accounts it closes: no operation moves them again.
        Some(found) if found.contains_key(ERASED) => Err(StoreError::MemberErased),
        Some(found) => decode(found),
    }
}

/// The attribute erasure sets on the accounts it closes (API 1.2).
pub const ERASED: &str = "erased_at";

pub fn decode<Q: StoredQuantity>(found: &Item) -> Result<Account<Q>, StoreError> {
    let never = Q::from_stored(item::get_decimal(found, "never")?)?;
    let version = item::get_u64_or_zero(found, "version")?;
    let mut lots = Vec::new();
    if let Some(packed) = item::opt_s(found, "lotz") {
        for (at, amount) in unpack_lots(packed)? {
            lots.push((at, Q::from_stored(amount)?));
        }
    }
    // Accounts written before the packed form: one map entry per lot.
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
    let mut holds = Vec::new();
    if let Some(AttributeValue::L(list)) = found.get("holds") {
        for h in list {
            let m = h
                .as_m()
                .map_err(|_| StoreError::Corrupt("account hold".into()))?;
            holds.push(Hold {
                until: item::get_time(m, "until")?,
                expires_at: match m.get("expires_at") {
                    Some(_) => Some(item::get_time(m, "expires_at")?),
                    None => None,
                },
                amount: Q::from_stored(item::get_decimal(m, "amount")?)?,
                order_id: item::get_s(m, "order_id")?.to_owned(),
            });
        }
    }
    Ok(Account::from_lots(lots, never, version).with_holds(holds))
}

fn lot_key(at: DateTime<Utc>) -> String {
    item::sortable_time(at)
}

/// Lots packed in one string, `{expiry as unix seconds in base 36}:{amount}` joined by
/// `;`: about 10 bytes a lot instead of 24 as a map entry keyed by an RFC 3339 time. A
/// member earning every day holds a year of lots (004: points last 12 months), and every
/// write of the account is charged by its size (1 WCU per KB, 2 in a transaction): 365
/// lots cost 18 WCU a write as a map and 8 packed (BENCHMARKS.md, "Capacity").
fn pack_lots<Q: Quantity>(lots: impl Iterator<Item = (DateTime<Utc>, Q)>) -> String {
    let mut out = String::new();
    for (at, amount) in lots {
        if !out.is_empty() {
            out.push(';');
        }
        out.push_str(&base36(at.timestamp()));
        out.push(':');
        out.push_str(&amount.to_string());
    }
    out
}

fn unpack_lots(packed: &str) -> Result<Vec<(DateTime<Utc>, Decimal)>, StoreError> {
    let corrupt = || StoreError::Corrupt("packed lots".into());
    packed
        .split(';')
        .filter(|l| !l.is_empty())
        .map(|lot| {
            let (at, amount) = lot.split_once(':').ok_or_else(corrupt)?;
            let secs = i64::from_str_radix(at, 36).map_err(|_| corrupt())?;
            let at = DateTime::from_timestamp(secs, 0).ok_or_else(corrupt)?;
            Ok((at, item::parse_decimal("lotz", amount)?))
        })
        .collect()
}

fn base36(mut n: i64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let negative = n < 0;
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36).unsigned_abs() as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    if negative {
        out.push(b'-');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The write of an account decided from the version it was read at (which the account
/// carries): the new state at the next version, conditioned on that one still being the
/// stored one.
pub fn put<Q: Quantity>(
    shop: &ShopId,
    member: &MemberId,
    kind: AccountKind,
    account: &Account<Q>,
) -> Write {
    let read_version = account.version();
    let key = keys::account(shop, member, kind);
    let mut it = item::with_key(&key, "account");
    it.insert("account".into(), item::s(kind.as_str()));
    it.insert("member_id".into(), item::s(member.as_str()));
    it.insert("balance".into(), item::n(account.balance()));
    it.insert("never".into(), item::n(account.never_expiring()));
    // Invariant 2: written one version past the one it was decided from, and only if that
    // is still the stored one; callers never bump by hand.
    it.insert("version".into(), item::n(read_version + 1));
    let lots = pack_lots(account.expiring_lots());
    if !lots.is_empty() {
        it.insert("lotz".into(), item::s(lots));
    }
    if !account.holds().is_empty() {
        let holds = account
            .holds()
            .iter()
            .map(|h| {
                let mut m = HashMap::from([
                    ("until".to_owned(), item::time(h.until)),
                    ("amount".to_owned(), item::n(h.amount)),
                    ("order_id".to_owned(), item::s(&h.order_id)),
                ]);
                if let Some(e) = h.expires_at {
                    m.insert("expires_at".to_owned(), item::time(e));
                }
                AttributeValue::M(m)
            })
            .collect();
        it.insert("holds".into(), AttributeValue::L(holds));
    }
    // Sparse index: only accounts that still hold expiring lots are listed for the daily job.
    if let Some(next) = account.next_expiry() {
        it.insert(
            GSI2PK.into(),
            item::s(keys::due_index_pk(
                next.date_naive(),
                keys::due_shard(&key.pk),
            )),
        );
        it.insert(
            GSI2SK.into(),
            item::s(keys::due_index_sk(&lot_key(next), &key.pk)),
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
    fn lots_pack_small_and_accounts_written_as_maps_still_read() {
        let lots = [
            (at("2027-01-01T15:59:59Z"), Decimal::new(25, 0)),
            (at("1969-12-31T23:59:59Z"), Decimal::new(-125, 2)),
        ];
        let packed = pack_lots(lots.iter().copied());
        assert_eq!(unpack_lots(&packed).unwrap(), lots.to_vec());
        assert!(packed.len() < 2 * 12, "{packed}");
        assert!(unpack_lots("zz").is_err() && unpack_lots("1:x").is_err());
        // An item of the earlier form: `lots` as a map keyed by RFC 3339 times.
        let mut old: Item = HashMap::from([
            ("never".to_owned(), item::n(0)),
            ("version".to_owned(), item::n(7)),
        ]);
        old.insert(
            "lots".into(),
            AttributeValue::M(HashMap::from([(
                "2027-01-01T15:59:59Z".to_owned(),
                item::n(25),
            )])),
        );
        let account: Account<i64> = decode(&old).unwrap();
        assert_eq!(account.balance(), 25);
        assert_eq!(account.next_expiry(), Some(at("2027-01-01T15:59:59Z")));
    }

    #[test]
    fn an_account_round_trips_through_its_item() {
        let shop = ShopId::parse("s1").unwrap();
        let member = MemberId::parse("m1").unwrap();
        // Read at version 3; stored next at 4.
        let lots = [(at("2026-10-01T15:59:59Z"), Decimal::new(1250, 2))];
        let account = Account::from_lots(lots, Decimal::new(5, 1), 3);
        let Write::Put { item, cond } = put(&shop, &member, AccountKind::Credit, &account) else {
            panic!("an account is written with a put");
        };
        // Invariant 2: written one past the version it was decided from, only if unchanged.
        assert_eq!(cond, Cond::Version(3));
        assert_eq!(item["version"], item::n(4));
        assert_eq!(item["PK"], item::s("SHOP#s1#M#m1"));
        assert_eq!(item["SK"], item::s("ACCT#CREDIT"));
        assert_eq!(item["balance"], item::n("13.00"));
        assert_eq!(
            item["GSI2PK"],
            item::s(format!(
                "DUE#2026-10-01#{}",
                keys::due_shard("SHOP#s1#M#m1")
            ))
        );
        assert_eq!(
            decode::<Decimal>(&item).unwrap(),
            Account::from_lots(lots, Decimal::new(5, 1), 4)
        );
    }

    #[test]
    fn fractional_points_are_corruption_not_silently_truncated() {
        assert!(i64::from_stored(Decimal::new(15, 1)).is_err());
        assert_eq!(i64::from_stored(Decimal::new(150, 1)).unwrap(), 15);
    }
}
