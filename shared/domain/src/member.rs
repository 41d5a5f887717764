//! The member: their profile (held cards, the cards ever claimed, running totals, level,
//! registration details, credit card number). Balances are the accounts (account.rs).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::account::{Account, AccountKind};
use crate::cards::{
    blocks_new_claim, grant, rule_cards_due, CardDef, CardSummary, HeldStatus, Issued, MemberCard,
    MemberTotals, RuleCard,
};
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

/// What an erasure leaves to be freed and ended outside the profile (API 1.2 "Erasure").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Erased {
    /// The unique member number and phone, freed for another member.
    pub member_no: Option<String>,
    pub phone: Option<String>,
    /// Cards the member held: each no longer counts as held.
    pub cards_ended: Vec<String>,
}

impl Profile {
    /// Erasure (API 1.2): the personal data goes (name, e-mail, birthday, number, phone), the
    /// cards held end now, a pending level change is dropped, and the profile is marked.
    /// The books stay: what the member earned and spent is the ledger's.
    pub fn erase(&mut self, now: DateTime<Utc>) -> Erased {
        let mut cards_ended = Vec::new();
        for card in self.cards.values_mut() {
            if card.status == HeldStatus::Active {
                if card.term.is_live(now) {
                    card.term.valid_until = Some(now);
                }
                cards_ended.push(card.card_id.clone());
            }
        }
        self.name = None;
        self.email = None;
        self.birthday = None;
        self.standing.due = None;
        self.erased_at = Some(now);
        Erased {
            member_no: self.member_no.take(),
            phone: self.phone.take(),
            cards_ended,
        }
    }

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
    points_moves: Vec<Movement>,
    points_dirty: bool,
    pub credit: Account<Decimal>,
    credit_moves: Vec<Movement>,
    credit_dirty: bool,
    /// The stored-value balance as read, for `by_balance` level downgrades (003).
    pub value_balance: Decimal,
    /// Coupons the operation's grants name (gift packs, paid level rewards, recharge
    /// gifts: API 1.3), issued with the member's other writes.
    pub coupons_due: Vec<(String, crate::coupon::Source)>,
}

/// What changed on one account: the new state (it carries the version it was read at) and
/// the movements.
pub type AccountChange<Q> = (Account<Q>, Vec<Movement>);

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
            points,
            points_moves: Vec::new(),
            points_dirty: false,
            credit,
            credit_moves: Vec::new(),
            credit_dirty: false,
            value_balance: Decimal::ZERO,
            coupons_due: Vec::new(),
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
        let gifts = issued.coupons.into_iter();
        self.coupons_due
            .extend(gifts.map(|c| (c, crate::coupon::Source::GiftPack)));
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
                .then_some((self.points, self.points_moves)),
            credit: self
                .credit_dirty
                .then_some((self.credit, self.credit_moves)),
        }
    }
}
/// What the shop's card summary says about one member: the rule cards they now qualify for
/// and what they bring to an order's earning. Here, beside the member, so the cards know
/// nothing of members or levels (no import circle).
impl CardSummary {
    /// 000: the rule cards a member with `profile`'s totals newly qualifies for, lowest
    /// first (rule cards are levels: the last one issued is the member's level).
    pub fn rule_cards_due(
        &self,
        profile: &Profile,
        ladder: Option<&crate::level::Ladder>,
        now: DateTime<Utc>,
    ) -> Vec<&CardDef> {
        let rules: Vec<RuleCard> = self
            .rule_cards
            .iter()
            .filter_map(|d| {
                Some(RuleCard {
                    card_id: d.card_id.clone(),
                    rule: d.rule.clone()?,
                    enabled: d.enabled,
                })
            })
            .collect();
        let held = ladder.and_then(|l| l.level(profile.standing.level_id()?));
        let reached = |id: &str| {
            let wanted = ladder.and_then(|l| l.level(id));
            held.zip(wanted).is_some_and(|(h, w)| h.rank >= w.rank)
        };
        let due = rule_cards_due(&rules, &profile.totals, &reached, |id| {
            profile
                .cards
                .get(id)
                .is_some_and(|c| blocks_new_claim(c.status, &c.term, now))
        });
        due.iter()
            .filter_map(|r| self.rule_cards.iter().find(|d| d.card_id == r.card_id))
            .collect()
    }

    /// What the member brings to an order's earning at `at`: their level (on the shop's
    /// ladder, or without one the rule card that is their level, while it is live and
    /// enabled), birthday, and the best points multiplier among the live, enabled cards
    /// they hold. A disabled card counts for nothing (000).
    pub fn member_factors(
        &self,
        profile: &Profile,
        ladder: Option<&crate::level::Ladder>,
        at: DateTime<Utc>,
    ) -> crate::points::MemberFactors {
        let live = |id: &str| {
            profile
                .cards
                .get(id)
                .is_some_and(|c| c.status == HeldStatus::Active && c.term.is_live(at))
        };
        let (level, earns_nothing) = match ladder {
            Some(ladder) => {
                let level = profile
                    .standing
                    .level_at(at)
                    .and_then(|id| ladder.level(id));
                (
                    level.map(|l| l.level_id.clone()),
                    level.is_some_and(|l| !l.earns_points),
                )
            }
            None => (
                profile
                    .card_level
                    .as_ref()
                    .map(|(id, _)| id)
                    .filter(|id| live(id))
                    .filter(|id| {
                        self.rule_cards
                            .iter()
                            .any(|d| &d.card_id == *id && d.enabled)
                    })
                    .cloned(),
                false,
            ),
        };
        crate::points::MemberFactors {
            level,
            earns_nothing,
            birthday: profile.birthday,
            card_factor: self
                .multipliers
                .iter()
                .filter(|(id, _)| live(id))
                .map(|(_, f)| *f)
                .max(),
        }
    }
}
