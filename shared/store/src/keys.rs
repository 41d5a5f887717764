//! The one place that builds DynamoDB keys. Every key starts with the shop id from the
//! verified token (invariant 6); ids were checked at the edge to contain no `#`.

use domain::chrono;
use domain::{AccountKind, EntryId, IdempotencyKey, MemberId, OrderId, ShopId};

pub const PK: &str = "PK";
pub const SK: &str = "SK";
/// Local secondary index over a member's ledger by account, newest first.
pub const LSI1: &str = "LSI1";
pub const LSI1SK: &str = "LSI1SK";
/// Global index of pending purchases by the time their reservation lapses.
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
/// Global index of accounts by their next lot expiry, for the daily expiry job.
pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(pk: String, sk: &str) -> Self {
        Key {
            pk,
            sk: sk.to_owned(),
        }
    }
}

fn shop_pk(shop: &ShopId) -> String {
    format!("SHOP#{shop}")
}

/// How many places each configuration item every member operation reads lives in: the
/// item itself and `CONFIG_COPIES - 1` copies, each in a partition of its own, written in
/// the same transaction as the item (`Store::commit`); a call reads one copy
/// (`Store::load`). A shop's configuration then serves seven partitions' reads per item
/// instead of one partition's ~3,000 RCU/s shared by every item on `SHOP#{shop}`
/// (BENCHMARKS.md, "A shop's own partition").
pub const CONFIG_COPIES: u16 = 8;

/// The configuration items accrual, redemption, the member read and checkout read on
/// every call: settings, the programs, the ladder, the card summary, the exchange rules.
/// Card definitions are not copied (their holder counts change with every claim).
pub fn is_config(key: &Key) -> bool {
    let shop_level = key.pk.starts_with("SHOP#") && key.pk.matches('#').count() == 1;
    shop_level
        && (matches!(
            key.sk.as_str(),
            "SETTINGS" | "LEVELS" | "CARDSUMMARY" | "EXCHANGE" | "WEBHOOKS"
        ) || key.sk.starts_with("PROGRAM#"))
}

/// Copy `k` of a configuration item (0 is the item itself).
pub fn config_copy(key: &Key, k: u16) -> Key {
    match k {
        0 => key.clone(),
        k => Key {
            pk: format!("{}#{}#R{k}", key.pk, key.sk),
            sk: key.sk.clone(),
        },
    }
}

pub fn member_pk(shop: &ShopId, member: &MemberId) -> String {
    format!("SHOP#{shop}#M#{member}")
}

pub fn settings(shop: &ShopId) -> Key {
    Key::new(shop_pk(shop), "SETTINGS")
}

/// The shop's outbound webhook endpoints (API 1.2), one configuration item read by the
/// sender with every due message.
pub fn webhooks(shop: &ShopId) -> Key {
    Key::new(shop_pk(shop), "WEBHOOKS")
}

/// The messages one operation tells (API 1.2 outbound webhooks), written in its transaction:
/// the stream consumer fans them out to the endpoints.
pub fn webhook_messages(shop: &ShopId, id: &str) -> Key {
    Key::new(format!("SHOP#{shop}#EVT#{id}"), "EVT")
}

/// The partition of one endpoint's deliveries, newest last by creation time.
pub fn deliveries_pk(shop: &ShopId, endpoint_id: &str) -> String {
    format!("SHOP#{shop}#WH#{endpoint_id}")
}

/// One message's delivery to one endpoint: the key follows from the message alone, so a
/// stream record read twice finds its delivery already there.
pub fn delivery(shop: &ShopId, endpoint_id: &str, created_millis: i64, message_id: &str) -> Key {
    Key::new(
        deliveries_pk(shop, endpoint_id),
        &format!("DLV#{created_millis:013}#{message_id}"),
    )
}

pub fn deliveries_since(created_millis: i64) -> String {
    format!("DLV#{created_millis:013}#")
}

/// Deliveries due for an attempt, across shops (GSI1, sparse: only deliveries with a next
/// attempt carry it), spread over the due shards by message id.
pub fn webhook_due_pk(shard: u32) -> String {
    format!("WHDUE#{shard}")
}

pub fn webhook_due_sk(due_millis: i64, message_id: &str) -> String {
    format!("{due_millis:013}#{message_id}")
}

pub fn webhook_due_until(now_millis: i64) -> String {
    format!("{now_millis:013}#~")
}

/// Which program a shop configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    Points,
    Credit,
    /// 003: stored value (recharge rules).
    Value,
}

pub fn program(shop: &ShopId, program: Program) -> Key {
    let tag = match program {
        Program::Points => "PROGRAM#POINTS",
        Program::Credit => "PROGRAM#CREDIT",
        Program::Value => "PROGRAM#VALUE",
    };
    Key::new(shop_pk(shop), tag)
}

/// 003 每个会员仅限使用一次: the marker that a member used a once-per-member recharge rule,
/// written with `attribute_not_exists` in the recharge's transaction.
pub fn rule_use(shop: &ShopId, member: &MemberId, rule_id: &str) -> Key {
    Key::new(member_pk(shop, member), &format!("RULEUSE#{rule_id}"))
}

/// The shop's points-for-gifts rules (003), set with the points program.
pub fn exchange_rules(shop: &ShopId) -> Key {
    Key::new(shop_pk(shop), "EXCHANGE")
}

/// A gift's stock: its own partition, a conditional counter like a card's.
pub fn gift_stock(shop: &ShopId, rule_id: &str) -> Key {
    Key::new(format!("SHOP#{shop}#GIFT#{rule_id}"), "STOCK")
}

/// A recharge (003), for its refund.
pub fn recharge(shop: &ShopId, recharge_id: &str) -> Key {
    Key::new(format!("SHOP#{shop}#RCH#{recharge_id}"), "RECHARGE")
}

/// 003: a member number held by one member of the shop (written with
/// `attribute_not_exists` in the member's transaction; deleted when it changes).
pub fn member_no(shop: &ShopId, no: &str) -> Key {
    Key::new(format!("SHOP#{shop}#MNO#{no}"), "MNO")
}

/// A phone number (E.164) held by one member of the shop, like a member number.
pub fn phone(shop: &ShopId, e164: &str) -> Key {
    Key::new(format!("SHOP#{shop}#PHONE#{e164}"), "PHONE")
}

/// Registered members by registration time (GSI1), newest first: the directory's list.
pub fn registered_pk(shop: &ShopId) -> String {
    format!("REG#{shop}")
}

pub fn registered_sk(at_millis: i64, member: &MemberId) -> String {
    format!("{at_millis:013}#{member}")
}

/// The shop's level ladder (003), one item.
pub fn levels(shop: &ShopId) -> Key {
    Key::new(shop_pk(shop), "LEVELS")
}

/// The record that a member's personal data was erased, with the answer the erasure gave
/// (API 1.2): a second erasure answers the same.
pub fn erasure(shop: &ShopId, member: &MemberId) -> Key {
    Key::new(member_pk(shop, member), "ERASED")
}

pub fn profile(shop: &ShopId, member: &MemberId) -> Key {
    Key::new(member_pk(shop, member), "PROFILE")
}

fn account_tag(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Points => "POINTS",
        AccountKind::Credit => "CREDIT",
        AccountKind::Value => "VALUE",
    }
}

pub fn account(shop: &ShopId, member: &MemberId, kind: AccountKind) -> Key {
    Key::new(
        member_pk(shop, member),
        &format!("ACCT#{}", account_tag(kind)),
    )
}

/// The shop, member and kind of an account from its key (the due index hands back keys).
pub fn parse_account(pk: &str, sk: &str) -> Option<(ShopId, MemberId, AccountKind)> {
    let (shop, member) = parse_member_pk(pk)?;
    let kind = match sk {
        "ACCT#POINTS" => AccountKind::Points,
        "ACCT#CREDIT" => AccountKind::Credit,
        "ACCT#VALUE" => AccountKind::Value,
        _ => return None,
    };
    Some((shop, member, kind))
}

/// A notification waiting for the notifier (it reads the table's stream), in the member's
/// partition so writes spread like the member's own items.
pub fn outbox(shop: &ShopId, member: &MemberId, id: &str) -> Key {
    Key::new(member_pk(shop, member), &format!("OUTBOX#{id}"))
}

/// The member store-credit card number: unique per shop, like card numbers.
pub fn credit_card_no(shop: &ShopId, no: &str) -> Key {
    Key::new(format!("SHOP#{shop}#CREDITNO#{no}"), "CREDITNO")
}

pub const LEDGER_PREFIX: &str = "LEDGER#";

pub fn ledger_entry(shop: &ShopId, member: &MemberId, id: &EntryId) -> Key {
    Key::new(member_pk(shop, member), &format!("{LEDGER_PREFIX}{id}"))
}

/// The sort key of a ledger entry in LSI1: the account first, so one account's entries
/// page newest first without a filter.
pub fn ledger_by_account_sk(kind: AccountKind, id: &EntryId) -> String {
    format!("{}#{id}", account_tag(kind))
}

/// A shop's members are spread over this many shards for what the reports keep per shop
/// (movement counters, the ledger's index): no partition is written by every operation of
/// a shop, and a report reads this many partitions whatever the shop's size.
pub const REPORT_SHARDS: u32 = 8;

/// A member's shard in the report partitions: stable (FNV-1a of the member id).
pub fn report_shard(member: &MemberId) -> u32 {
    member.as_str().bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    }) % REPORT_SHARDS
}

/// One shard of a shop's movement counters: one item per shop-local day (`counters_sk`).
pub fn counters_pk(shop: &ShopId, shard: u32) -> String {
    format!("SHOP#{shop}#CNT#{shard}")
}

/// The sort keys of a shard's day counters: `D#` then the day; every one sorts below the
/// range's end.
pub const DAYS: (&str, &str) = ("D#", "D$");

pub fn counters_sk(day: chrono::NaiveDate) -> String {
    format!("{}{day}", DAYS.0)
}

/// The day a counter's sort key names.
pub fn counter_day(sk: &str) -> Option<chrono::NaiveDate> {
    sk.strip_prefix(DAYS.0)?.parse().ok()
}

pub fn counters(shop: &ShopId, shard: u32, day: chrono::NaiveDate) -> Key {
    Key::new(counters_pk(shop, shard), &counters_sk(day))
}

/// A shard's balances carried through the end of a shop-local month (issue 34), beside its
/// day counters: `C#` sorts before `D#`, so neither range reads the other's items.
pub const CARRIES: &str = "C#";

pub fn carry_sk(month: chrono::NaiveDate) -> String {
    format!("{CARRIES}{}", month.format("%Y-%m"))
}

/// The month (its first day) a carry's sort key names.
pub fn carry_month(sk: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(&format!("{}-01", sk.strip_prefix(CARRIES)?), "%Y-%m-%d").ok()
}

pub fn carry(shop: &ShopId, shard: u32, month: chrono::NaiveDate) -> Key {
    Key::new(counters_pk(shop, shard), &carry_sk(month))
}

/// Every configured shop, one item each in one partition, for the jobs that must visit each
/// shop (the monthly close of the report counters). Written when settings are saved: rare.
pub const SHOPS_PK: &str = "SHOPS";

pub fn shop_listed(shop: &ShopId) -> Key {
    Key::new(SHOPS_PK.to_owned(), &format!("{}{shop}", SHOPS_RANGE.0))
}

/// The sort keys of the listed shops.
pub const SHOPS_RANGE: (&str, &str) = ("SHOP#", "SHOP$");

/// The shop a listing's sort key names.
pub fn listed_shop(sk: &str) -> Option<ShopId> {
    ShopId::parse(sk.strip_prefix(SHOPS_RANGE.0)?).ok()
}

/// One shard of a shop's ledger in time order (GSI1), for the ledger export: the sort key is
/// the entry id, which starts with its instant in milliseconds.
pub fn ledger_index_pk(shop: &ShopId, shard: u32) -> String {
    format!("SHOP#{shop}#LDG#{shard}")
}

pub fn ledger_by_account_prefix(kind: AccountKind) -> String {
    format!("{}#", account_tag(kind))
}

/// Accounts with a lot expiring or a hold releasing, by the UTC day that happens, spread
/// over a few shards so one busy day does not make one hot partition; the scheduled job
/// queries today and yesterday without knowing any shop.
pub const DUE_SHARDS: u32 = 8;

pub fn due_index_pk(day: chrono::NaiveDate, shard: u32) -> String {
    format!("DUE#{day}#{shard}")
}

/// Wallets with a held coupon ending on UTC `day` that the member was not told of (API
/// 1.3: the daily `coupon.expiring` notice), in GSI2 beside the accounts' due index, under
/// partitions of their own.
pub fn coupon_due_pk(day: chrono::NaiveDate, shard: u32) -> String {
    format!("CPNDUE#{day}#{shard}")
}

/// The shard of an account in the due index: stable for a partition key.
pub fn due_shard(pk: &str) -> u32 {
    // FNV-1a: stable across builds, unlike the std hasher.
    let hash = pk.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash % DUE_SHARDS
}

/// Profiles whose level changes by time alone (a pending upgrade, a lapse) by the UTC day
/// that happens: the same GSI2 as lots, partitions of their own, for the hourly job.
pub fn level_due_pk(day: chrono::NaiveDate, shard: u32) -> String {
    format!("LVL#{day}#{shard}")
}

/// The shop and member of a profile from its partition key (the level index hands back
/// keys).
pub fn parse_member_pk(pk: &str) -> Option<(ShopId, MemberId)> {
    let (shop, member) = pk.strip_prefix("SHOP#")?.split_once("#M#")?;
    Some((ShopId::parse(shop).ok()?, MemberId::parse(member).ok()?))
}

/// Pending purchases by the UTC day their reservation lapses (GSI1), sharded like the due
/// index, for the sweeper.
pub fn pending_purchases_pk(day: chrono::NaiveDate, shard: u32) -> String {
    format!("PENDING#{day}#{shard}")
}

/// Sorts a pending purchase by when its reservation lapses; `..._before` bounds a query.
pub fn pending_purchase_sk(expires_millis: i64, shop: &ShopId, purchase_id: &str) -> String {
    format!("{expires_millis}#{shop}#{purchase_id}")
}

pub fn pending_purchases_before(now_millis: i64) -> String {
    format!("{now_millis}#")
}

/// Sorts an account in the due index by its next due lot (`lot` is the lot's sortable
/// key); `due_until` bounds a query to lots due by then.
pub fn due_index_sk(lot: &str, account_pk: &str) -> String {
    format!("{lot}#{account_pk}")
}

pub fn due_until(lot: &str) -> String {
    format!("{lot}#~")
}

/// A claim or return record of a card, by time.
pub fn card_record_sk(at_millis: i64, id: &str) -> String {
    format!("{at_millis}#{id}")
}

pub const CARD_PREFIX: &str = "CARD#";

pub fn shop_partition(shop: &ShopId) -> String {
    shop_pk(shop)
}

pub fn card(shop: &ShopId, card_id: &str) -> Key {
    Key::new(shop_pk(shop), &format!("{CARD_PREFIX}{card_id}"))
}

/// The shop's rule cards and card multipliers in one item, so accrual reads them with the
/// order instead of listing every card.
pub fn card_summary(shop: &ShopId) -> Key {
    Key::new(shop_pk(shop), "CARDSUMMARY")
}

/// How many card definitions the shop has: the 300 limit is a conditional counter.
pub fn card_counter(shop: &ShopId) -> Key {
    Key::new(shop_pk(shop), "CARDS")
}

/// Shard `k` of a paid card's stock (`domain::stock`), each in a partition of its own so a
/// flash sale neither heats the shop's partition nor is capped by one: shard 0 (all a card
/// with one shard has) keeps the key stock had before shards.
pub fn stock_shard(shop: &ShopId, card_id: &str, k: u16) -> Key {
    match k {
        0 => Key::new(format!("SHOP#{shop}#CARD#{card_id}"), "STOCK"),
        k => Key::new(format!("SHOP#{shop}#CARD#{card_id}#S{k}"), "STOCK"),
    }
}

pub fn card_no(shop: &ShopId, no: &str) -> Key {
    Key::new(format!("SHOP#{shop}#CARDNO#{no}"), "CARDNO")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Claims,
    Returns,
}

/// A card's claim or return records, newest first by sort key.
pub fn records_pk(shop: &ShopId, card_id: &str, kind: RecordKind) -> String {
    let tag = match kind {
        RecordKind::Claims => "CLAIMS",
        RecordKind::Returns => "RETURNS",
    };
    format!("SHOP#{shop}#CARD#{card_id}#{tag}")
}

/// A coupon definition (API 1.3), listed by its prefix in the shop's partition.
pub fn coupon(shop: &ShopId, coupon_id: &str) -> Key {
    Key::new(shop_pk(shop), &format!("COUPON#{coupon_id}"))
}

/// The sort keys between which every coupon definition lies (ids are letters, digits and
/// `._-:@+`, all below `~`).
pub fn coupon_range() -> (&'static str, &'static str) {
    ("COUPON#", "COUPON#~")
}

/// How many coupon definitions the shop has: the 300 limit is a conditional counter.
pub fn coupon_counter(shop: &ShopId) -> Key {
    Key::new(shop_pk(shop), "COUPONS")
}

/// Shard `k` of a coupon's counters (left to issue, issued, used), each in a partition of
/// its own so a coupon drop is not capped by one partition (`domain::stock`).
pub fn coupon_stock(shop: &ShopId, coupon_id: &str, k: u16) -> Key {
    Key::new(format!("SHOP#{shop}#COUPON#{coupon_id}#S{k}"), "STOCK")
}

/// A member's coupons, one versioned item.
/// A member's wallet's sort key (the coupons report counts its changes).
pub const WALLET_SK: &str = "COUPONS";

pub fn wallet(shop: &ShopId, member: &MemberId) -> Key {
    Key::new(member_pk(shop, member), WALLET_SK)
}

/// A coupon number: unique in the shop, and the till's way to its holder.
pub fn coupon_no(shop: &ShopId, no: &str) -> Key {
    Key::new(format!("SHOP#{shop}#CPN#{no}"), "CPNNO")
}

pub fn order(shop: &ShopId, order_id: &OrderId) -> Key {
    Key::new(format!("SHOP#{shop}#O#{order_id}"), "ORDER")
}

/// A member's open purchase of one card or level (its purchase target): at most one at a
/// time, so one customer cannot hold a paid card's stock by buying it again and again.
pub fn open_purchase(shop: &ShopId, member: &MemberId, target: &str) -> Key {
    Key::new(member_pk(shop, member), &format!("OPEN#{target}"))
}

pub fn purchase(shop: &ShopId, purchase_id: &str) -> Key {
    Key::new(format!("SHOP#{shop}#P#{purchase_id}"), "PURCHASE")
}

pub fn idempotency(shop: &ShopId, key: &IdempotencyKey) -> Key {
    Key::new(format!("SHOP#{shop}#IDEM#{key}"), "IDEM")
}

/// Natural idempotency keys: operations whose request carries its own key (an order id, a
/// refund id, a provider's event id) record it under these derived keys, so two operations
/// on the same order never share a record. Derived keys are `op#part#part`: a caller's
/// Idempotency-Key can never contain `#`, so it never lands on one of these records
/// (security review, issue 31: `accrue.{order}` was a key any customer could send).
pub mod once {
    use domain::{IdempotencyKey, InvalidId, OrderId, RefundId};

    pub fn accrual(order: &OrderId) -> Result<IdempotencyKey, InvalidId> {
        IdempotencyKey::derived("accrue", &[order.as_str()])
    }

    /// One redemption per account and order.
    pub fn redemption(account: &str, order: &OrderId) -> Result<IdempotencyKey, InvalidId> {
        IdempotencyKey::derived("redeem", &[account, order.as_str()])
    }

    pub fn order_refund(order: &OrderId, refund: &RefundId) -> Result<IdempotencyKey, InvalidId> {
        IdempotencyKey::derived("refund", &[order.as_str(), refund.as_str()])
    }

    pub fn refund_to_credit(
        order: &OrderId,
        refund: &RefundId,
    ) -> Result<IdempotencyKey, InvalidId> {
        IdempotencyKey::derived("rtc", &[order.as_str(), refund.as_str()])
    }

    /// One coupon an order (API 1.3): the same coupon again replays, another is refused.
    pub fn coupon_redemption(order: &OrderId, no: &str) -> Result<IdempotencyKey, InvalidId> {
        IdempotencyKey::derived("redeem", &["coupon", order.as_str(), no])
    }

    /// An order is cancelled once (API 1.3): a second call replays the first answer.
    pub fn cancel(order: &OrderId) -> Result<IdempotencyKey, InvalidId> {
        IdempotencyKey::derived("cancel", &[order.as_str()])
    }

    /// The spelling a derived key had before issue 31 (`accrue.{order}`), read beside it
    /// while records written then live (24 h after the deploy): a retry that straddles the
    /// deploy still finds the work done. Only a record of the same request counts (a
    /// caller's key may spell the same), and payments need none: a settled purchase is not
    /// settled again. Remove once no such record can be alive.
    pub fn legacy(key: &IdempotencyKey) -> Option<IdempotencyKey> {
        let text = key.as_str();
        text.contains('#')
            .then(|| IdempotencyKey::parse(&text.replace('#', ".")).ok())
            .flatten()
    }

    /// A payment provider's event: `evt` (the generic webhook) or `stripe`.
    pub fn payment_event(provider: &'static str, event: &str) -> Result<IdempotencyKey, InvalidId> {
        IdempotencyKey::derived(provider, &[event])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_the_documented_shape() {
        let shop = ShopId::parse("s1").unwrap();
        let member = MemberId::parse("m1").unwrap();
        assert_eq!(settings(&shop), Key::new("SHOP#s1".into(), "SETTINGS"));
        assert_eq!(profile(&shop, &member).pk, "SHOP#s1#M#m1");
        assert_eq!(
            account(&shop, &member, AccountKind::Points).sk,
            "ACCT#POINTS"
        );
        assert_eq!(
            account(&shop, &member, AccountKind::Credit).sk,
            "ACCT#CREDIT"
        );
        let id = EntryId::from_stored("0001".into());
        assert_eq!(ledger_entry(&shop, &member, &id).sk, "LEDGER#0001");
        assert_eq!(
            ledger_by_account_sk(AccountKind::Credit, &id),
            "CREDIT#0001"
        );
        let acct = account(&shop, &member, AccountKind::Points);
        assert_eq!(
            parse_account(&acct.pk, &acct.sk),
            Some((shop.clone(), member.clone(), AccountKind::Points))
        );
        let key = IdempotencyKey::parse("k-1").unwrap();
        assert_eq!(idempotency(&shop, &key).pk, "SHOP#s1#IDEM#k-1");
        let refund = once::order_refund(
            &OrderId::parse("o.1").unwrap(),
            &domain::RefundId::parse("r").unwrap(),
        )
        .unwrap();
        assert_eq!(idempotency(&shop, &refund).pk, "SHOP#s1#IDEM#refund#o.1#r");
        assert_eq!(once::legacy(&refund).unwrap().as_str(), "refund.o.1.r");
        assert_eq!(
            once::legacy(&key),
            None,
            "a caller's key has no other spelling"
        );
    }
}
