//! The member: their profile (held cards, the cards ever claimed, running totals, level,
//! registration details, credit card number). Balances are the accounts (account.rs).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::account::{Account, AccountKind};
use crate::cards::{grant, HeldStatus, Issued, MemberCard, MemberTotals};
use crate::ledger::{EntryKind, Movement};
use crate::{Decimal, Refusal};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    pub cards: BTreeMap<String, MemberCard>,
    /// Every card the member ever claimed, kept after returns and deletions so a free card's
    /// gift pack comes only once (000).
    pub claimed: BTreeSet<String>,
    /// Cumulative paid spend and order count, kept by accrual (and refunds) for rule cards
    /// and levels.
    pub totals: MemberTotals,
    /// The rule card that is the member's level, with its name, in a shop without a level
    /// ladder (version 1: rule cards stood in for levels).
    pub card_level: Option<(String, String)>,
    /// The member's place on the shop's ladder (003), when the shop has one.
    pub standing: crate::level::Standing,
    pub birthday: Option<NaiveDate>,
    /// When the member was created: by `register`, the first `PUT /admin/members/{id}` or an
    /// import (API 1.1). The directory lists members from then on.
    pub registered_at: Option<DateTime<Utc>>,
    /// Created by staff in the directory and not yet through `register`: `register` may
    /// still run once for what it grants (registration credit, the channel's default level),
    /// keeping the first `registered_at`.
    pub directory_only: bool,
    /// The member's store-credit card number, generated at their first credit.
    pub credit_card_no: Option<String>,
    /// Where notifications go (given at registration).
    pub email: Option<String>,
    /// 003 会员编号: unique in the shop, across its stores.
    pub member_no: Option<String>,
    pub name: Option<String>,
    /// E.164, unique in the shop.
    pub phone: Option<String>,
    /// When the member's personal data was erased (API 1.2): nothing more is written for
    /// them.
    pub erased_at: Option<DateTime<Utc>>,
    pub version: u64,
}

impl Profile {
    /// API 1.1: the first `PUT /admin/members/{id}` creates the member in the directory.
    pub fn create_in_directory(&mut self, now: DateTime<Utc>) {
        if self.registered_at.is_none() {
            self.registered_at = Some(now);
            self.directory_only = true;
        }
    }

    /// `register` runs once per member: refused (with the time it ran) after `register` or
    /// an import; a member staff created in the directory registers once, keeping the time
    /// they were created.
    pub fn register(&mut self, now: DateTime<Utc>) -> Result<DateTime<Utc>, DateTime<Utc>> {
        match self.registered_at {
            Some(at) if !self.directory_only => Err(at),
            at => {
                self.directory_only = false;
                let at = at.unwrap_or(now);
                self.registered_at = Some(at);
                Ok(at)
            }
        }
    }

    /// 000: a member holds a card at most once at a time: refused while it is still valid.
    pub fn check_not_holding(&self, card_id: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
        match self.cards.get(card_id) {
            Some(held) if crate::cards::blocks_new_claim(held.status, &held.term, now) => {
                Err(Refusal::CardAlreadyHeld)
            }
            _ => Ok(()),
        }
    }
}

/// A member's profile and accounts as one operation changes them: several grants and card
/// issues land on them and still leave one write per item (a transaction may not touch an
/// item twice). Pure: the store reads it and writes what changed.
#[derive(Debug, Clone)]
pub struct Member {
    pub profile: Profile,
    pub points: Account<i64>,
    points_read: u64,
    points_moves: Vec<Movement>,
    points_dirty: bool,
    pub credit: Account<Decimal>,
    credit_read: u64,
    credit_moves: Vec<Movement>,
    credit_dirty: bool,
    /// The stored-value balance as read, for `by_balance` level downgrades (003).
    pub value_balance: Decimal,
}

/// What changed on one account: the new state, the version it was read at, the movements.
pub type AccountChange<Q> = (Account<Q>, u64, Vec<Movement>);

/// Everything an operation changed on a member, for the store to write.
#[derive(Debug)]
pub struct MemberChanges {
    pub profile: Profile,
    pub points: Option<AccountChange<i64>>,
    pub credit: Option<AccountChange<Decimal>>,
}

impl Member {
    pub fn new(profile: Profile, points: Account<i64>, credit: Account<Decimal>) -> Self {
        Self {
            profile,
            points_read: points.version(),
            points,
            points_moves: Vec::new(),
            points_dirty: false,
            credit_read: credit.version(),
            credit,
            credit_moves: Vec::new(),
            credit_dirty: false,
            value_balance: Decimal::ZERO,
        }
    }

    /// Applies a change to the points account and keeps its movements for the ledger.
    pub fn points_changed(&mut self, account: Account<i64>, moves: Vec<Movement>) {
        self.points = account;
        self.points_moves.extend(moves);
        self.points_dirty = true;
    }

    /// 004: the points an order earned, spendable at once or, while the program holds new
    /// points, on the account but pending until `held_until`.
    pub fn accrue_points(
        &mut self,
        points: i64,
        expires_at: Option<DateTime<Utc>>,
        held_until: Option<DateTime<Utc>>,
        order_id: &str,
        links: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) {
        if let Some(until) = held_until {
            let mut account = self.points.clone();
            let moves = account.write_off_expired(AccountKind::Points, links, now);
            account.hold(crate::Hold {
                until,
                expires_at,
                amount: points,
                order_id: order_id.to_owned(),
            });
            self.points_changed(account, moves);
        } else if points > 0 {
            self.grant_points(points, expires_at, EntryKind::Accrual, links, now);
        }
    }

    pub fn credit_changed(&mut self, account: Account<Decimal>, moves: Vec<Movement>) {
        self.credit = account;
        self.credit_moves.extend(moves);
        self.credit_dirty = true;
    }

    /// Grants points into a lot expiring at `expires_at`.
    pub fn grant_points(
        &mut self,
        amount: i64,
        expires_at: Option<DateTime<Utc>>,
        entry: EntryKind,
        links: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) {
        let account = std::mem::take(&mut self.points);
        let (account, moves) = grant(
            AccountKind::Points,
            account,
            amount,
            expires_at,
            entry,
            links,
            now,
        );
        self.points_changed(account, moves);
    }

    pub fn grant_credit(
        &mut self,
        amount: Decimal,
        expires_at: Option<DateTime<Utc>>,
        reason: &str,
        links: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) {
        let account = std::mem::take(&mut self.credit);
        let (account, mut moves) = grant(
            AccountKind::Credit,
            account,
            amount,
            expires_at,
            EntryKind::Accrual,
            links,
            now,
        );
        if let Some(last) = moves.last_mut() {
            last.reason = reason.to_owned();
        }
        self.credit_changed(account, moves);
    }

    /// 000: a card issued onto the member: the profile holds it (and remembers it was
    /// claimed, for the gift pack's "first claim only"), the gift pack lands on the
    /// accounts. True when the member already counted as a holder (a renewal).
    pub fn receive_card(&mut self, issued: Issued) -> bool {
        let already_counted = self
            .profile
            .cards
            .get(&issued.card.card_id)
            .is_some_and(|c| c.status == HeldStatus::Active);
        self.profile.claimed.insert(issued.card.card_id.clone());
        self.profile
            .cards
            .insert(issued.card.card_id.clone(), issued.card);
        if let Some((account, movements)) = issued.points {
            self.points_changed(account, movements);
        }
        if let Some((account, movements)) = issued.credit {
            self.credit_changed(account, movements);
        }
        already_counted
    }

    /// 003: what time alone did to the member's level by `now` (pending upgrades taking
    /// effect, validities lapsing), applied before anything else reads or changes it.
    /// `by_balance` downgrades place the member by their stored-value balance.
    pub fn settle_level(
        &mut self,
        ladder: Option<&crate::level::Ladder>,
        tz: crate::ShopTz,
        now: DateTime<Utc>,
    ) -> Vec<crate::level::LevelChange> {
        ladder.map_or_else(Vec::new, |l| {
            self.profile.standing.settle(l, tz, self.value_balance, now)
        })
    }

    /// 001: the member's credit card number comes with their first credit, whatever
    /// brought it (a rule, a gift pack, a refund to credit).
    pub fn needs_credit_card_no(&self) -> bool {
        self.profile.credit_card_no.is_none()
            && self.credit_moves.iter().any(|m| m.amount > Decimal::ZERO)
    }

    /// How many ledger entries the changes will write.
    pub fn movement_count(&self) -> usize {
        self.points_moves.len() + self.credit_moves.len()
    }

    pub fn into_changes(self) -> MemberChanges {
        MemberChanges {
            profile: self.profile,
            points: self
                .points_dirty
                .then_some((self.points, self.points_read, self.points_moves)),
            credit: self
                .credit_dirty
                .then_some((self.credit, self.credit_read, self.credit_moves)),
        }
    }
}
