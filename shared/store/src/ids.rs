//! The one generator of random ids. Ids become key parts, so each alphabet avoids the key
//! separator; each is long enough not to be guessed or to collide within a shop (the unique
//! items written with them would refuse a collision anyway).

use domain::chrono::{DateTime, Utc};
use domain::{EntryId, MemberId};
use rand::Rng;

/// Base32 without padding: URL- and key-safe.
const BASE32: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
/// Lower case without look-alikes (no l, o, 0, 1), for ids people read out.
const READABLE: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

fn random(alphabet: &[u8; 32], len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.gen_range(0..32)]))
        .collect()
}

/// A random number per buyer, so buyers spread over a card's stock shards.
pub fn seed() -> u64 {
    rand::random()
}

/// A card definition: `card_` and 12 readable characters.
pub fn card_id() -> String {
    format!("card_{}", random(READABLE, 12))
}

/// 16 random digits, the first not zero: a member card or credit card number, unique per
/// shop through the card-number item written with it, and not guessable from the last one.
pub fn card_no() -> String {
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|i| char::from(b'0' + rng.gen_range(u8::from(i == 0)..10)))
        .collect()
}

/// Separates the parts of a purchase id; ids themselves never contain it.
pub const PURCHASE_SEPARATOR: char = '~';

/// The purchase id names its card and member, so the webhook knows every key it needs from
/// the payment's reference alone (one read), plus 16 random characters so it cannot be
/// guessed.
pub fn purchase_id(card_id: &str, member: &MemberId) -> String {
    let sep = PURCHASE_SEPARATOR;
    format!("{card_id}{sep}{member}{sep}{}", random(BASE32, 16))
}

/// Splits a purchase id into (card id, member id), refusing anything this API did not make.
pub fn parse_purchase_id(id: &str) -> Option<(String, MemberId)> {
    let mut parts = id.split(PURCHASE_SEPARATOR);
    let (card, member, tail) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || tail.len() != 16
        || !tail.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    MemberId::parse(card).ok()?;
    Some((card.to_owned(), MemberId::parse(member).ok()?))
}

/// A level bought as a paid upgrade (003) is a purchase whose target names the level, so
/// the webhook tells the two apart from the reference alone. Card ids never contain `:`.
const LEVEL_TARGET: &str = "level:";

pub fn level_target(level_id: &str) -> String {
    format!("{LEVEL_TARGET}{level_id}")
}

/// The level a purchase target names, if it names one.
pub fn target_level(target: &str) -> Option<&str> {
    target.strip_prefix(LEVEL_TARGET)
}

/// A stored-value recharge done at the till: `rch_` and 16 random characters.
pub fn recharge_id() -> String {
    format!("rch_{}", random(BASE32, 16))
}

/// An online recharge is a purchase whose target names the rule (or `any` amount).
const RECHARGE_TARGET: &str = "recharge:";

pub fn recharge_target(rule_id: Option<&str>) -> String {
    format!("{RECHARGE_TARGET}{}", rule_id.unwrap_or("any"))
}

/// The rule a recharge purchase target names (`Some(None)`: any amount).
pub fn target_recharge(target: &str) -> Option<Option<&str>> {
    target
        .strip_prefix(RECHARGE_TARGET)
        .map(|r| (r != "any").then_some(r))
}

/// Ids for the ledger entries one operation writes, in order.
pub fn entry_ids(at: DateTime<Utc>, count: usize) -> Vec<EntryId> {
    entry_ids_from(at, 0, count)
}

/// `count` entry ids continuing an operation's sequence at `first` (its earlier postings
/// drew `first` ids), so one operation's entries keep their order across accounts.
pub fn entry_ids_from(at: DateTime<Utc>, first: usize, count: usize) -> Vec<EntryId> {
    (first..first + count)
        .map(|seq| EntryId::new(at, u8::try_from(seq).unwrap_or(u8::MAX), &random(BASE32, 8)))
        .collect()
}

/// A coupon definition: `cpn_` and 10 readable characters.
pub fn coupon_id() -> String {
    format!("cpn_{}", random(READABLE, 10))
}

/// A coupon's number from 60 bits of the operating system's random source (API 1.3: at
/// least 50 random bits, never guessable from another).
pub fn coupon_no() -> domain::coupon::CouponNo {
    use rand::RngCore;
    domain::coupon::CouponNo::from_random(rand::rngs::OsRng.next_u64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_purchase_names_its_level_and_a_card_purchase_does_not() {
        let m = MemberId::parse("m1").unwrap();
        let id = purchase_id(&level_target("gold"), &m);
        let (target, member) = parse_purchase_id(&id).unwrap();
        assert_eq!((target_level(&target), member), (Some("gold"), m.clone()));
        let (card, _) = parse_purchase_id(&purchase_id(&card_id(), &m)).unwrap();
        assert_eq!(target_level(&card), None);
    }

    #[test]
    fn ids_have_their_shapes() {
        let card = card_id();
        assert!(card.starts_with("card_") && card.len() == 17, "{card}");
        let no = card_no();
        assert!(no.len() == 16 && no.bytes().all(|b| b.is_ascii_digit()) && !no.starts_with('0'));
        let m = MemberId::parse("m1").unwrap();
        assert_eq!(
            purchase_id("card_x", &m).split(PURCHASE_SEPARATOR).count(),
            3
        );
        assert_ne!(card_no(), card_no());
    }
}
