//! A paid card's stock split over shards (API 1.1 "Paid card stock at scale"): `stock_shards`
//! counters, each its own item and partition and each a conditional counter, so a flash sale
//! is not capped by one DynamoDB partition (~1,000 WCU/s, ~500 transactional purchases a
//! second). Whatever the count, a unit is only ever taken by a conditional decrement of one
//! shard, so no more is sold than there is; these rules only decide where to look.

use std::collections::BTreeSet;

/// The most shards a card may have: a purchase's read stays within one BatchGetItem and an
/// admin's re-split within one transaction.
pub const MAX_SHARDS: u16 = 64;

/// How a stock is spread: as evenly as it goes, the first shards one more.
pub fn split(stock: u64, shards: u16) -> Vec<u64> {
    let n = u64::from(shards.max(1));
    (0..n)
        .map(|k| stock / n + u64::from(k < stock % n))
        .collect()
}

/// Where a returned unit goes: the shard it was taken from, or (when the card has fewer
/// shards now) the shard that one folds onto, so no unit is stranded out of reach.
pub fn home(shard: u16, shards: u16) -> u16 {
    let n = shards.max(1);
    if shard < n {
        shard
    } else {
        shard % n
    }
}

/// One purchase's search for a unit. Each round reads a few shards (two at first, twice as
/// many after each round that found nothing) and takes from the fullest one read; it never
/// writes to a shard it did not see holding stock, so the only transactions that sell
/// nothing are races genuinely lost. Shards seen empty or lost are not read again, so a
/// sold-out card is known after at most log2(MAX_SHARDS) + 1 reads.
#[derive(Debug, Clone)]
pub struct Search {
    /// The shard count the reads are planned for: the caller's hint until the card's
    /// definition has been read once.
    shards: u16,
    /// Where this buyer starts probing: random per buyer, so buyers spread over shards.
    start: u16,
    empty: BTreeSet<u16>,
    rounds: u32,
}

/// What a round decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Take a unit from this shard.
    Take(u16),
    /// Nothing to take among the shards read: read others.
    ReadMore,
    /// Every shard is known empty.
    SoldOut,
}

impl Search {
    pub fn new(shards_hint: u16, seed: u64) -> Self {
        let shards = shards_hint.clamp(1, MAX_SHARDS);
        Search {
            shards,
            start: (seed % u64::from(MAX_SHARDS)) as u16,
            empty: BTreeSet::new(),
            rounds: 0,
        }
    }

    /// Shards not known to be empty, in this buyer's probing order.
    fn candidates(&self) -> impl Iterator<Item = u16> + '_ {
        let n = self.shards;
        (0..n)
            .map(move |i| (self.start % n + i) % n)
            .filter(|k| !self.empty.contains(k))
    }

    /// The shards to read this round.
    pub fn to_read(&self) -> Vec<u16> {
        let want = 2usize << self.rounds.min(6);
        self.candidates().take(want).collect()
    }

    /// Where to take a unit, given the card's shard count and what this round read of the
    /// shards `to_read` named (a shard not found holds nothing).
    pub fn choose(&mut self, shards: u16, read: &[(u16, i64)]) -> Pick {
        let shards = shards.clamp(1, MAX_SHARDS);
        let planned = shards == self.shards;
        self.shards = shards;
        if !planned {
            // Reads planned for a stale hint: the fullest of them is still a fine choice
            // when it exists, else plan the next round for the real count.
            self.empty.retain(|k| *k < shards);
        }
        for &(k, stock) in read {
            if stock <= 0 && k < shards {
                self.empty.insert(k);
            }
        }
        let fullest = read
            .iter()
            .filter(|(k, stock)| *stock > 0 && *k < shards)
            .max_by_key(|(k, stock)| (*stock, std::cmp::Reverse(*k)))
            .map(|(k, _)| *k);
        match fullest {
            Some(k) => Pick::Take(k),
            None if self.candidates().next().is_none() => Pick::SoldOut,
            None => {
                self.rounds += u32::from(planned);
                Pick::ReadMore
            }
        }
    }

    /// The shard chosen lost its race (another buyer took its last unit first).
    pub fn lost(&mut self, shard: u16) {
        self.empty.insert(shard);
    }

    /// The card's shard count as last learned, for the next buyer's hint.
    pub fn shards(&self) -> u16 {
        self.shards
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Seed: API 1.1 "Paid card stock at scale" (stock split over 1..64 counters, never more
    // sold than stock).
    #[test]
    fn stock_splits_evenly_and_adds_up() {
        assert_eq!(split(20, 8), vec![3, 3, 3, 3, 2, 2, 2, 2]);
        assert_eq!(split(20, 1), vec![20]);
        assert_eq!(split(3, 8), vec![1, 1, 1, 0, 0, 0, 0, 0]);
        assert_eq!(split(0, 0), vec![0]);
        for (stock, n) in [(1_000_003, 64), (7, 3), (0, 16)] {
            assert_eq!(split(stock, n).iter().sum::<u64>(), stock);
        }
    }

    #[test]
    fn units_return_to_their_shard_or_the_one_it_folds_onto() {
        assert_eq!(home(5, 8), 5);
        assert_eq!(home(10, 4), 2);
        assert_eq!(home(3, 0), 0);
    }

    #[test]
    fn a_buyer_takes_the_fullest_shard_read_reads_wider_and_gives_up() {
        let mut s = Search::new(8, 3);
        assert_eq!(s.to_read(), vec![3, 4]);
        assert_eq!(s.choose(8, &[(3, 1), (4, 5)]), Pick::Take(4));
        s.lost(4);
        // The same width again, skipping the one lost.
        assert_eq!(s.to_read(), vec![3, 5]);
        assert_eq!(s.choose(8, &[(3, 0), (5, 0)]), Pick::ReadMore);
        // Nothing found: twice as many next round.
        assert_eq!(s.to_read(), vec![6, 7, 0, 1]);
        assert_eq!(
            s.choose(8, &[(6, 0), (7, 0), (0, 2), (1, 0)]),
            Pick::Take(0)
        );
        s.lost(0);
        assert_eq!(s.to_read(), vec![2]);
        assert_eq!(
            s.choose(8, &[(2, 0)]),
            Pick::SoldOut,
            "every shard known empty"
        );
    }

    #[test]
    fn a_stale_hint_costs_a_round_and_learns_the_count() {
        // The first buyer of an instance plans for one shard; the card has 16.
        let mut s = Search::new(1, 21);
        assert_eq!(s.to_read(), vec![0]);
        assert_eq!(s.choose(16, &[(0, 0)]), Pick::ReadMore);
        assert_eq!(s.shards(), 16);
        assert_eq!(s.to_read(), vec![5, 6], "21 % 16 = 5, shard 0 known empty");
        // Stock on the stale read is still taken.
        let mut s = Search::new(1, 21);
        assert_eq!(s.choose(16, &[(0, 9)]), Pick::Take(0));
        // Fewer shards than the hint: reads beyond the count are ignored.
        let mut s = Search::new(16, 13);
        assert_eq!(s.choose(4, &[(13, 4), (14, 4)]), Pick::ReadMore);
        assert_eq!(s.to_read(), vec![1, 2]);
    }

    #[test]
    fn one_shard_behaves_as_one_counter() {
        let mut s = Search::new(1, 99);
        assert_eq!(s.to_read(), vec![0]);
        assert_eq!(s.choose(1, &[(0, 2)]), Pick::Take(0));
        s.lost(0);
        assert_eq!(s.choose(1, &[]), Pick::SoldOut);
        assert_eq!(Search::new(1, 5).choose(1, &[(0, 0)]), Pick::SoldOut);
    }
}
