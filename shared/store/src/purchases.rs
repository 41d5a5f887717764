//! Paid-card purchases: a reservation of one unit of stock until paid, failed or lapsed.

use domain::chrono::{DateTime, Utc};
use domain::{Money, ShopId};

use domain::chrono::NaiveDate;

use crate::item::{self, Item};
use crate::keys::{self, GSI1, GSI1PK, GSI1SK};
use crate::{Cond, Snapshot, Store, StoreError, Write};

/// Pending purchases spread over this many index partitions per day, so a flash sale does
/// not write them all to one.
pub const PENDING_SHARDS: u32 = 8;

fn shard(purchase_id: &str) -> u32 {
    purchase_id
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % PENDING_SHARDS
}

impl Store {
    /// Pending purchases whose reservation lapsed on `day` before `now`, across shops, with
    /// the shop each belongs to. One Query per shard.
    pub async fn lapsed_purchases(
        &self,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(ShopId, Purchase)>, StoreError> {
        let mut out = Vec::new();
        for shard in 0..PENDING_SHARDS {
            let items = self
                .query_all(
                    self.client
                        .query()
                        .table_name(&self.table)
                        .index_name(GSI1)
                        .key_condition_expression("#pk = :pk AND #sk < :now")
                        .expression_attribute_names("#pk", GSI1PK)
                        .expression_attribute_names("#sk", GSI1SK)
                        .expression_attribute_values(
                            ":pk",
                            item::s(keys::pending_purchases_pk(day, shard)),
                        )
                        .expression_attribute_values(
                            ":now",
                            item::s(keys::pending_purchases_before(now.timestamp_millis())),
                        ),
                )
                .await?;
            for it in &items {
                let shop = ShopId::parse(item::get_s(it, "shop")?)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                out.push((shop, decode(it)?));
            }
        }
        Ok(out)
    }
}

/// Purchases are domain types; this module maps them to and from their items.
pub use domain::purchase::{Purchase, PurchaseStatus};

pub fn read(
    snapshot: &Snapshot,
    shop: &ShopId,
    purchase_id: &str,
) -> Result<Option<Purchase>, StoreError> {
    snapshot
        .get(&keys::purchase(shop, purchase_id))
        .map(decode)
        .transpose()
}

fn decode(it: &Item) -> Result<Purchase, StoreError> {
    Ok(Purchase {
        purchase_id: item::get_s(it, "purchase_id")?.to_owned(),
        card_id: item::get_s(it, "card_id")?.to_owned(),
        member_id: item::get_s(it, "member_id")?.to_owned(),
        amount: Money::from_stored(item::get_decimal(it, "amount")?),
        currency: item::get_s(it, "currency")?.to_owned(),
        status: PurchaseStatus::parse(item::get_s(it, "status")?)
            .ok_or_else(|| StoreError::Corrupt("purchase status".into()))?,
        created_at: item::get_time(it, "created_at")?,
        expires_at: item::get_time(it, "expires_at")?,
        paid_at: match it.get("paid_at") {
            Some(_) => Some(item::get_time(it, "paid_at")?),
            None => None,
        },
        card_no: item::opt_s(it, "card_no").map(str::to_owned),
        version: item::get_u64_or_zero(it, "version")?,
        stock_shard: u16::try_from(item::get_u64_or_zero(it, "stock_shard")?).unwrap_or(0),
    })
}

/// Writes the purchase; `purchase.version` is the version it was read at (0: new).
pub fn put(shop: &ShopId, purchase: &Purchase) -> Write {
    let mut it = item::with_key(&keys::purchase(shop, &purchase.purchase_id), "purchase");
    it.insert("purchase_id".into(), item::s(&purchase.purchase_id));
    it.insert("card_id".into(), item::s(&purchase.card_id));
    it.insert("member_id".into(), item::s(&purchase.member_id));
    it.insert("amount".into(), item::n(purchase.amount.amount()));
    it.insert("currency".into(), item::s(&purchase.currency));
    it.insert("status".into(), item::s(purchase.status.as_str()));
    it.insert("created_at".into(), item::time(purchase.created_at));
    it.insert("expires_at".into(), item::time(purchase.expires_at));
    if let Some(paid) = purchase.paid_at {
        it.insert("paid_at".into(), item::time(paid));
    }
    if let Some(no) = &purchase.card_no {
        it.insert("card_no".into(), item::s(no));
    }
    it.insert("version".into(), item::n(purchase.version + 1));
    if purchase.stock_shard > 0 {
        it.insert("stock_shard".into(), item::n(purchase.stock_shard));
    }
    it.insert("shop".into(), item::s(shop.as_str()));
    // Pending purchases are listed by the day their reservation lapses, for the sweeper
    // that gives their stock back; settled ones drop out of the (sparse) index.
    if purchase.status == PurchaseStatus::Pending {
        it.insert(
            GSI1PK.into(),
            item::s(keys::pending_purchases_pk(
                purchase.expires_at.date_naive(),
                shard(&purchase.purchase_id),
            )),
        );
        it.insert(
            GSI1SK.into(),
            item::s(keys::pending_purchase_sk(
                purchase.expires_at.timestamp_millis(),
                shop,
                &purchase.purchase_id,
            )),
        );
    }
    Write::Put {
        item: it,
        cond: Cond::Version(purchase.version),
    }
}

/// A member's open purchase of one target (a card or a level): which purchase it is and
/// until when it holds (security review, issue 31: each pending purchase reserved a unit of
/// stock, so one customer buying again and again could hold a card's whole stock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    pub purchase_id: String,
    pub expires_at: DateTime<Utc>,
    /// 0: none was read.
    pub version: u64,
}

/// The member's open purchase of `target`, if one was written (it may have been settled or
/// have lapsed since: the purchase says).
pub fn read_open(
    snapshot: &Snapshot,
    shop: &ShopId,
    member: &domain::MemberId,
    target: &str,
) -> Result<Option<Open>, StoreError> {
    snapshot
        .get(&keys::open_purchase(shop, member, target))
        .map(|it| {
            Ok(Open {
                purchase_id: item::get_s(it, "purchase_id")?.to_owned(),
                expires_at: item::get_time(it, "expires_at")?,
                version: item::get_u64_or_zero(it, "version")?,
            })
        })
        .transpose()
}

/// Records `purchase` as the member's open purchase of its target, replacing the one read
/// (`read_version`, 0 for none): two buyers racing for the same member, one wins and the
/// other answers with its purchase. DynamoDB's TTL removes it after its reservation.
pub fn put_open(
    shop: &ShopId,
    purchase: &Purchase,
    read_version: u64,
) -> Result<Write, StoreError> {
    let member = domain::MemberId::parse(&purchase.member_id)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut it = item::with_key(
        &keys::open_purchase(shop, &member, &purchase.card_id),
        "open_purchase",
    );
    it.insert("purchase_id".into(), item::s(&purchase.purchase_id));
    it.insert("expires_at".into(), item::time(purchase.expires_at));
    it.insert("ttl".into(), item::n(purchase.expires_at.timestamp()));
    it.insert("version".into(), item::n(read_version + 1));
    Ok(Write::Put {
        item: it,
        cond: Cond::Version(read_version),
    })
}

/// Marks a paid purchase refunded in place; the member card is the record of truth, so no
/// read of the purchase is needed.
pub fn mark_refunded(shop: &ShopId, purchase_id: &str) -> Write {
    Write::Update {
        key: keys::purchase(shop, purchase_id),
        update: "SET #status = :refunded".into(),
        condition: Some("#status = :paid".into()),
        names: std::collections::HashMap::from([("#status".to_owned(), "status".to_owned())]),
        values: std::collections::HashMap::from([
            (
                ":refunded".to_owned(),
                item::s(PurchaseStatus::Refunded.as_str()),
            ),
            (":paid".to_owned(), item::s(PurchaseStatus::Paid.as_str())),
        ]),
    }
}
