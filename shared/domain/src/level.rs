//! Member levels (seed 003): the shop's one ladder, a member's standing on it, and the pure
//! functions that move a standing: earning (accrual), time passing (a pending upgrade taking
//! effect at local midnight, a level's validity lapsing), registration and a paid upgrade.
//!
//! Nothing here needs a job to be exact: `Standing::settle` replays what time alone does up
//! to any instant, so a read, a write and the daily job give the same answer.

use std::collections::BTreeSet;

use chrono::{DateTime, Days, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::time::ShopTz;
use crate::Refusal;

/// Longest validity a level may have, like a card's.
pub use crate::time::MAX_VALIDITY_DAYS;
/// A ladder longer than this is a mistake, not a loyalty programme.
pub const MAX_LEVELS: usize = 50;

/// What climbs the ladder (003 自动升级: 按成长 / 按积分 / 按累计消费金额 / 按累计充值金额).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Growth,
    Points,
    CumulativeSpend,
    CumulativeRecharge,
}

impl Metric {
    pub fn as_str(&self) -> &'static str {
        match self {
            Metric::Growth => "growth",
            Metric::Points => "points",
            Metric::CumulativeSpend => "cumulative_spend",
            Metric::CumulativeRecharge => "cumulative_recharge",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Metric::Growth,
            Metric::Points,
            Metric::CumulativeSpend,
            Metric::CumulativeRecharge,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }

    /// Growth and points are whole numbers; spend and recharge are money.
    pub fn is_money(&self) -> bool {
        matches!(self, Metric::CumulativeSpend | Metric::CumulativeRecharge)
    }

    /// 003: growth upgrades at once (and resets growth); the others the next day.
    pub fn upgrades_at_once(&self) -> bool {
        *self == Metric::Growth
    }
}

/// 003 优惠折扣 / 折扣类型: what a member at this level pays, over the whole store or some
/// categories, minus exclusions (milk powder in the seed's example).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelDiscount {
    /// What the member pays, in percent (95 = 5% off).
    pub percent: u32,
    /// `None`: every category.
    pub categories: Option<BTreeSet<String>>,
    pub exclude: BTreeSet<String>,
}

impl LevelDiscount {
    pub fn applies_to(&self, category: Option<&str>) -> bool {
        let listed = match (&self.categories, category) {
            (None, _) => true,
            (Some(list), Some(c)) => list.contains(c),
            (Some(_), None) => false,
        };
        listed && !category.is_some_and(|c| self.exclude.contains(c))
    }
}

/// What happens the day after a level's validity ends (003 降级).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Downgrade {
    /// Place the member by what they earned within the lapsed validity (growth, points).
    Recompute,
    /// Go to a set level (not for growth ladders).
    ToLevel(String),
    /// Place the member by their stored-value balance (not for growth ladders): the
    /// highest range whose `min` the balance reaches.
    ByBalance(Vec<(Decimal, String)>),
}

/// 003 升级奖励: given only by a paid upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reward {
    pub points: i64,
    pub credit: Money,
    pub coupons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidUpgrade {
    pub price: Money,
    pub reward: Reward,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub level_id: String,
    pub name: String,
    pub rank: u32,
    /// In the ladder's metric: whole growth or points, or money for spend and recharge.
    pub threshold: Decimal,
    pub discount: Option<LevelDiscount>,
    /// 003 是否积分: a level that does not earn points stops points at accrual.
    pub earns_points: bool,
    pub text: Option<String>,
    pub validity_days: Option<u32>,
    pub downgrade: Option<Downgrade>,
    pub paid_upgrade: Option<PaidUpgrade>,
}

/// The registration channels that may have a default level (003 收银端 / 网店).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Till,
    Online,
}

impl Channel {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "till" => Some(Channel::Till),
            "online" => Some(Channel::Online),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Till => "till",
            Channel::Online => "online",
        }
    }
}

/// The shop's ladder, levels sorted by rank (lowest first). Valid by construction: the
/// document parser (level_document.rs) refuses anything `check` would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ladder {
    pub metric: Metric,
    /// Growth per whole currency unit paid (rounded down).
    pub growth_per_unit: u32,
    pub default_till: Option<String>,
    pub default_online: Option<String>,
    pub levels: Vec<Level>,
}

impl Ladder {
    pub fn level(&self, id: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.level_id == id)
    }

    fn rank_of(&self, id: Option<&str>) -> Option<u32> {
        id.and_then(|id| self.level(id)).map(|l| l.rank)
    }

    /// The highest level whose threshold `value` reaches.
    pub fn placed_by(&self, value: Decimal) -> Option<&Level> {
        self.levels.iter().rev().find(|l| value >= l.threshold)
    }

    /// The level right above `rank` (the lowest level when there is none).
    pub fn next_above(&self, rank: Option<u32>) -> Option<&Level> {
        self.levels.iter().find(|l| rank.is_none_or(|r| l.rank > r))
    }

    pub fn default_for(&self, channel: Channel) -> Option<&Level> {
        let id = match channel {
            Channel::Till => &self.default_till,
            Channel::Online => &self.default_online,
        };
        id.as_deref().and_then(|id| self.level(id))
    }

    /// The ladder's rules, as a list of what is wrong (empty: valid).
    pub fn check(&self) -> Vec<String> {
        let mut wrong = Vec::new();
        if self.levels.is_empty() || self.levels.len() > MAX_LEVELS {
            wrong.push(format!("a ladder has 1-{MAX_LEVELS} levels"));
        }
        let mut ids = BTreeSet::new();
        for pair in self.levels.windows(2) {
            if pair[0].rank == pair[1].rank {
                wrong.push(format!("rank {} is used twice", pair[0].rank));
            } else if pair[1].threshold <= pair[0].threshold {
                wrong.push(format!(
                    "thresholds must rise with rank: {} is not above {}",
                    pair[1].level_id, pair[0].level_id
                ));
            }
        }
        for l in &self.levels {
            if !ids.insert(l.level_id.as_str()) {
                wrong.push(format!("level id {} is used twice", l.level_id));
            }
        }
        for l in &self.levels {
            match &l.downgrade {
                Some(Downgrade::Recompute) if self.metric.is_money() => wrong.push(format!(
                    "{}: cumulative spend and recharge never go down, so they cannot recompute (003)",
                    l.level_id
                )),
                Some(Downgrade::ToLevel(_) | Downgrade::ByBalance(_))
                    if self.metric == Metric::Growth =>
                {
                    wrong.push(format!(
                        "{}: a growth ladder downgrades only by recompute (003)",
                        l.level_id
                    ))
                }
                Some(Downgrade::ToLevel(to)) => match self.level(to) {
                    None => wrong.push(format!("{}: unknown level {to}", l.level_id)),
                    Some(t) if t.rank >= l.rank => wrong.push(format!(
                        "{}: a downgrade goes to a lower level, {to} is not",
                        l.level_id
                    )),
                    Some(_) => {}
                },
                Some(Downgrade::ByBalance(ranges)) => {
                    for (_, to) in ranges {
                        if self.level(to).is_none() {
                            wrong.push(format!("{}: unknown level {to}", l.level_id));
                        }
                    }
                }
                _ => {}
            }
            if l.downgrade.is_some() && l.validity_days.is_none() {
                wrong.push(format!(
                    "{}: a downgrade needs validity_days (it happens the day after they end)",
                    l.level_id
                ));
            }
        }
        for id in [&self.default_till, &self.default_online]
            .into_iter()
            .flatten()
        {
            if self.level(id).is_none() {
                wrong.push(format!("unknown default level {id}"));
            }
        }
        wrong
    }
}

/// Counts that move a member on the ladder: growth value, points earned (never the
/// spendable balance: tiering on the balance is open-loyalty#131), spend and recharge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counters {
    #[serde(default)]
    pub growth: i64,
    #[serde(default)]
    pub points: i64,
    #[serde(default)]
    pub spend: Decimal,
    #[serde(default)]
    pub recharge: Decimal,
}

impl Counters {
    pub fn get(&self, metric: Metric) -> Decimal {
        match metric {
            Metric::Growth => Decimal::from(self.growth),
            Metric::Points => Decimal::from(self.points),
            Metric::CumulativeSpend => self.spend,
            Metric::CumulativeRecharge => self.recharge,
        }
    }

    fn add(&mut self, other: &Counters) {
        self.growth = self.growth.saturating_add(other.growth);
        self.points = self.points.saturating_add(other.points);
        self.spend = self.spend.saturating_add(other.spend);
        self.recharge = self.recharge.saturating_add(other.recharge);
    }
}

/// The level a member holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub level_id: String,
    pub since: DateTime<Utc>,
    /// The last instant of the validity's last local day; `None`: no validity.
    pub valid_until: Option<DateTime<Utc>>,
}

/// An upgrade waiting for the next local midnight (003 第二天生效).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub level_id: String,
    pub effective_at: DateTime<Utc>,
}

/// Why a member's level changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Upgrade,
    Downgrade,
    Renewal,
    Paid,
    Registration,
}

impl Cause {
    pub fn as_str(&self) -> &'static str {
        match self {
            Cause::Upgrade => "upgrade",
            Cause::Downgrade => "downgrade",
            Cause::Renewal => "renewal",
            Cause::Paid => "paid_upgrade",
            Cause::Registration => "registration",
        }
    }
}

/// One change of level, for the answer and the notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelChange {
    pub from: Option<String>,
    pub to: String,
    pub at: DateTime<Utc>,
    pub cause: Cause,
}

/// A member's standing on the ladder, kept on the profile item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Standing {
    #[serde(default)]
    pub level: Option<Held>,
    /// The level held before the current one (with when it started), so an order placed
    /// before an upgrade earns at the level held when it was placed.
    #[serde(default)]
    pub previous: Option<Held>,
    #[serde(default)]
    pub pending: Option<Pending>,
    /// What counts toward the next level. Growth is cleared by a growth upgrade (003); a
    /// downgrade restarts the climb (recompute: from what the lapsed window earned).
    #[serde(default)]
    pub climb: Counters,
    /// Earned since the current level started: what `recompute` places the member by.
    #[serde(default)]
    pub window: Counters,
    /// When time alone next changes this standing (`next_event`), kept on the item for
    /// the hourly job's index; every change below refreshes it.
    #[serde(default)]
    pub due: Option<DateTime<Utc>>,
}

/// A settle loop bound: one iteration per level event, and events are at least a local
/// day apart, so this is 270 years of daily lapses.
const MAX_EVENTS: usize = 100_000;

impl Standing {
    pub fn level_id(&self) -> Option<&str> {
        self.level.as_ref().map(|h| h.level_id.as_str())
    }

    /// The level held at `at` (the current one, or the one before it).
    pub fn level_at(&self, at: DateTime<Utc>) -> Option<&str> {
        [&self.level, &self.previous]
            .into_iter()
            .flatten()
            .find(|h| h.since <= at)
            .map(|h| h.level_id.as_str())
    }

    fn start(&mut self, level: &Level, at: DateTime<Utc>, tz: ShopTz) {
        let valid_until = level.validity_days.map(|d| {
            let last = tz
                .local_date(at)
                .checked_add_days(Days::new(u64::from(d.saturating_sub(1))))
                .unwrap_or(crate::time::last_date());
            tz.end_of_day(last)
        });
        self.previous = self.level.take();
        self.level = Some(Held {
            level_id: level.level_id.clone(),
            since: at,
            valid_until,
        });
        self.window = Counters::default();
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.level_id == level.level_id)
        {
            self.pending = None;
        }
    }

    /// When the current level lapses: the first instant of the day after its validity.
    pub fn lapses_at(&self, tz: ShopTz) -> Option<DateTime<Utc>> {
        let until = self.level.as_ref()?.valid_until?;
        Some(tz.next_local_midnight(until))
    }

    /// The next instant time alone changes this standing (for the daily job's index).
    pub fn next_event(&self, tz: ShopTz) -> Option<DateTime<Utc>> {
        let pending = self.pending.as_ref().map(|p| p.effective_at);
        match (pending, self.lapses_at(tz)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn refresh(&mut self, tz: ShopTz) {
        self.due = self.next_event(tz);
    }

    /// Applies, in time order, everything that happens by `now` without the member doing
    /// anything: pending upgrades taking effect and validities lapsing. `value_balance` is
    /// the stored-value balance for `by_balance` downgrades.
    pub fn settle(
        &mut self,
        ladder: &Ladder,
        tz: ShopTz,
        value_balance: Decimal,
        now: DateTime<Utc>,
    ) -> Vec<LevelChange> {
        let mut changes = Vec::new();
        for _ in 0..MAX_EVENTS {
            let pending = self
                .pending
                .as_ref()
                .filter(|p| p.effective_at <= now)
                .map(|p| (p.effective_at, p.level_id.clone()));
            let lapse = self.lapses_at(tz).filter(|at| *at <= now);
            match (pending, lapse) {
                // An upgrade due at the same midnight as a lapse wins: the new level
                // replaces the old one and its validity.
                (Some((at, id)), lapse) if lapse.is_none_or(|l| at <= l) => {
                    self.pending = None;
                    let current = ladder.rank_of(self.level_id());
                    if let Some(level) = ladder.level(&id).filter(|l| Some(l.rank) > current) {
                        let from = self.level_id().map(str::to_owned);
                        self.start(level, at, tz);
                        changes.push(LevelChange {
                            from,
                            to: id,
                            at,
                            cause: Cause::Upgrade,
                        });
                    }
                }
                (_, Some(at)) => changes.push(self.lapse(ladder, tz, value_balance, at)),
                _ => break,
            }
        }
        self.refresh(tz);
        changes
    }

    fn lapse(
        &mut self,
        ladder: &Ladder,
        tz: ShopTz,
        value_balance: Decimal,
        at: DateTime<Utc>,
    ) -> LevelChange {
        let from = self.level_id().map(str::to_owned);
        let held = from.as_deref().and_then(|id| ladder.level(id));
        let lowest = &ladder.levels[0];
        let (target, climb) = match held.and_then(|l| l.downgrade.as_ref()) {
            // A level that left the ladder, or lost its downgrade, keeps going.
            None => (held.unwrap_or(lowest), self.climb),
            Some(Downgrade::Recompute) => (
                ladder
                    .placed_by(self.window.get(ladder.metric))
                    .unwrap_or(lowest),
                Counters {
                    growth: self.window.growth,
                    points: self.window.points,
                    ..self.climb
                },
            ),
            Some(Downgrade::ToLevel(id)) => {
                (ladder.level(id).unwrap_or(lowest), Counters::default())
            }
            Some(Downgrade::ByBalance(ranges)) => (
                ranges
                    .iter()
                    .filter(|(min, _)| value_balance >= *min)
                    .max_by_key(|(min, _)| *min)
                    .and_then(|(_, id)| ladder.level(id))
                    .unwrap_or(lowest),
                Counters::default(),
            ),
        };
        // Never up by a downgrade: a recompute that reaches the same level renews it.
        let target = match held {
            Some(h) if target.rank > h.rank => h,
            _ => target,
        };
        let cause = if from.as_deref() == Some(target.level_id.as_str()) {
            Cause::Renewal
        } else {
            Cause::Downgrade
        };
        self.start(target, at, tz);
        self.climb = climb;
        LevelChange {
            from,
            to: target.level_id.clone(),
            at,
            cause,
        }
    }

    /// Accrual (or a recharge): what the member earned moves their climb and window, and
    /// reaching a higher threshold upgrades them, at once for growth (clearing growth) and
    /// at the next local midnight for the other metrics. Settle to `now` first.
    pub fn earn(
        &mut self,
        ladder: &Ladder,
        tz: ShopTz,
        earned: &Counters,
        now: DateTime<Utc>,
    ) -> Vec<LevelChange> {
        self.climb.add(earned);
        self.window.add(earned);
        let changes = self.climb_to(ladder, tz, now);
        self.refresh(tz);
        changes
    }

    /// Points taken back by a refund no longer count as earned (003 counts what was
    /// earned): the climb and window go down, and a pending upgrade they no longer reach is
    /// lowered or dropped. Growth and spend never go down.
    pub fn take_back_points(&mut self, ladder: &Ladder, tz: ShopTz, points: i64) {
        self.climb.points = self.climb.points.saturating_sub(points).max(0);
        self.window.points = self.window.points.saturating_sub(points).max(0);
        if let Some(p) = &self.pending {
            let current = ladder.rank_of(self.level_id());
            let reach = ladder
                .placed_by(self.climb.get(ladder.metric))
                .filter(|l| Some(l.rank) > current);
            self.pending = reach.map(|l| Pending {
                level_id: l.level_id.clone(),
                effective_at: p.effective_at,
            });
        }
        self.refresh(tz);
    }

    fn climb_to(&mut self, ladder: &Ladder, tz: ShopTz, now: DateTime<Utc>) -> Vec<LevelChange> {
        // A threshold of 0 is met by everyone from the start: a member without a level
        // holds it at once, whatever else they are climbing to.
        let mut changes = Vec::new();
        if self.level.is_none() {
            if let Some(floor) = ladder.levels.first().filter(|l| l.threshold.is_zero()) {
                self.start(floor, now, tz);
                changes.push(LevelChange {
                    from: None,
                    to: floor.level_id.clone(),
                    at: now,
                    cause: Cause::Upgrade,
                });
            }
        }
        changes.extend(self.climb_above(ladder, tz, now));
        changes
    }

    fn climb_above(
        &mut self,
        ladder: &Ladder,
        tz: ShopTz,
        now: DateTime<Utc>,
    ) -> Option<LevelChange> {
        let value = self.climb.get(ladder.metric);
        let reach = ladder.placed_by(value)?;
        let held = ladder.rank_of(self.level_id());
        let waiting = ladder.rank_of(self.pending.as_ref().map(|p| p.level_id.as_str()));
        if held.is_some_and(|r| reach.rank <= r) || waiting.is_some_and(|r| reach.rank <= r) {
            return None;
        }
        let from = self.level_id().map(str::to_owned);
        if reach.threshold.is_zero() || ladder.metric.upgrades_at_once() {
            self.start(reach, now, tz);
            // Reaching a threshold of 0 resets nothing.
            if ladder.metric == Metric::Growth && !reach.threshold.is_zero() {
                // 003 "成长值会立即清零": the excess is not carried.
                self.climb.growth = 0;
            }
            return Some(LevelChange {
                from,
                to: reach.level_id.clone(),
                at: now,
                cause: Cause::Upgrade,
            });
        }
        let effective_at = tz.next_local_midnight(now);
        self.pending = Some(Pending {
            level_id: reach.level_id.clone(),
            effective_at,
        });
        Some(LevelChange {
            from,
            to: reach.level_id.clone(),
            at: effective_at,
            cause: Cause::Upgrade,
        })
    }

    /// 003: a member registered at the till or online starts at that channel's default
    /// level, if the ladder names one and they have none yet.
    pub fn register(
        &mut self,
        ladder: &Ladder,
        channel: Channel,
        tz: ShopTz,
        now: DateTime<Utc>,
    ) -> Option<LevelChange> {
        if self.level.is_some() {
            return None;
        }
        let level = ladder.default_for(channel)?;
        self.start(level, now, tz);
        self.refresh(tz);
        Some(LevelChange {
            from: None,
            to: level.level_id.clone(),
            at: now,
            cause: Cause::Registration,
        })
    }

    /// 003 付费升级: whether `level_id` can be bought now: it must have a price (else 422)
    /// and be above the member's level (else 409 `level_not_higher`); both wrong: the 422.
    pub fn check_purchase<'a>(
        &self,
        ladder: &'a Ladder,
        level_id: &str,
    ) -> Result<(&'a Level, &'a PaidUpgrade), Refusal> {
        let level = ladder
            .level(level_id)
            .ok_or_else(|| Refusal::Invalid(format!("no level {level_id:?} on the ladder")))?;
        let paid = level.paid_upgrade.as_ref().ok_or_else(|| {
            Refusal::Invalid(format!(
                "level {level_id:?} cannot be bought (no paid_upgrade)"
            ))
        })?;
        if ladder
            .rank_of(self.level_id())
            .is_some_and(|r| level.rank <= r)
        {
            return Err(Refusal::LevelNotHigher);
        }
        Ok((level, paid))
    }

    /// A paid upgrade settled: the member is at the level from `now`, its validity runs
    /// from `now`. `None` when the member has meanwhile reached a higher level (the money
    /// goes back); buying the level already held renews it.
    pub fn bought(
        &mut self,
        ladder: &Ladder,
        level_id: &str,
        tz: ShopTz,
        now: DateTime<Utc>,
    ) -> Option<LevelChange> {
        self.set_from_now(ladder, level_id, Cause::Paid, tz, now)
    }

    /// 003 充值会员自动升级为: a recharge rule lifts the member to its level at once when
    /// that is higher than the level they hold (never down, and no reward).
    pub fn lift_to(
        &mut self,
        ladder: &Ladder,
        level_id: &str,
        tz: ShopTz,
        now: DateTime<Utc>,
    ) -> Option<LevelChange> {
        self.set_from_now(ladder, level_id, Cause::Upgrade, tz, now)
    }

    /// The member is at `level_id` from `now`, never lower than they are: a paid upgrade
    /// may renew the level held, an auto upgrade must go up. A pending upgrade it reaches
    /// is spent.
    fn set_from_now(
        &mut self,
        ladder: &Ladder,
        level_id: &str,
        cause: Cause,
        tz: ShopTz,
        now: DateTime<Utc>,
    ) -> Option<LevelChange> {
        let level = ladder.level(level_id)?;
        let held = ladder.rank_of(self.level_id());
        let too_low = match cause {
            Cause::Paid => held.is_some_and(|r| level.rank < r),
            _ => held.is_some_and(|r| level.rank <= r),
        };
        if too_low {
            return None;
        }
        let from = self.level_id().map(str::to_owned);
        if ladder
            .rank_of(self.pending.as_ref().map(|p| p.level_id.as_str()))
            .is_some_and(|r| r <= level.rank)
        {
            self.pending = None;
        }
        self.start(level, now, tz);
        self.refresh(tz);
        Some(LevelChange {
            from,
            to: level_id.to_owned(),
            at: now,
            cause,
        })
    }

    /// Where the member stands toward the next level: the metric's value and what is still
    /// needed (`None` at the top).
    pub fn progress<'a>(&self, ladder: &'a Ladder) -> Progress<'a> {
        let value = self.climb.get(ladder.metric);
        let above = [
            ladder.rank_of(self.level_id()),
            ladder.rank_of(self.pending.as_ref().map(|p| p.level_id.as_str())),
        ]
        .into_iter()
        .flatten()
        .max();
        let next = ladder.next_above(above);
        Progress {
            value,
            next,
            needed: next.map(|l| (l.threshold - value).max(Decimal::ZERO)),
        }
    }
}

/// Toward the next level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress<'a> {
    pub value: Decimal,
    pub next: Option<&'a Level>,
    pub needed: Option<Decimal>,
}

/// What one paid order adds to the ladder's counts: growth per whole currency unit paid
/// (rounded down), the points it earned, its spend.
pub fn earned_by_order(ladder: &Ladder, paid: Decimal, points: i64) -> Counters {
    let growth = paid
        .max(Decimal::ZERO)
        .saturating_mul(Decimal::from(ladder.growth_per_unit))
        .floor()
        .try_into()
        .unwrap_or(i64::MAX);
    Counters {
        growth,
        points: points.max(0),
        spend: paid.max(Decimal::ZERO),
        recharge: Decimal::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level_document::parse;
    use crate::testing::myr;
    use serde_json::json;

    fn tz(name: &str) -> ShopTz {
        ShopTz::parse(name).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn ladder(
        metric: &str,
        thresholds: [serde_json::Value; 3],
        extra: serde_json::Value,
    ) -> Ladder {
        let mut doc = json!({"upgrade_by": metric, "levels": [
            {"level_id": "base", "name": "Member", "rank": 0, "threshold": thresholds[0]},
            {"level_id": "silver", "name": "Silver", "rank": 1, "threshold": thresholds[1]},
            {"level_id": "gold", "name": "Gold", "rank": 2, "threshold": thresholds[2]},
        ]});
        if let Some(levels) = extra.get("levels") {
            for (i, patch) in levels.as_array().unwrap().iter().enumerate() {
                for (k, v) in patch.as_object().unwrap() {
                    doc["levels"][i][k] = v.clone();
                }
            }
        }
        for (k, v) in extra.as_object().unwrap() {
            if k != "levels" {
                doc[k] = v.clone();
            }
        }
        parse(&doc, &myr()).unwrap()
    }

    fn growth(n: i64) -> Counters {
        Counters {
            growth: n,
            ..Counters::default()
        }
    }

    fn points(n: i64) -> Counters {
        Counters {
            points: n,
            ..Counters::default()
        }
    }

    #[test]
    fn seed_003_growth_upgrades_at_once_and_clears_growth_without_carrying_the_excess() {
        let l = ladder("growth", [json!(0), json!(500), json!(2000)], json!({}));
        let kl = tz("Asia/Kuala_Lumpur");
        let now = at("2026-04-01T13:21:00+08:00");
        let mut s = Standing::default();
        // The first earning meets the 0 threshold: base at once, nothing reset.
        let c = s.earn(&l, kl, &growth(320), now).pop().unwrap();
        assert_eq!((c.to.as_str(), s.climb.growth), ("base", 320));
        // Crossing 500 with 650: silver now, growth 0 (the 150 over is not carried).
        let c = s.earn(&l, kl, &growth(330), now).pop().unwrap();
        assert_eq!(
            (c.to.as_str(), c.at, c.cause),
            ("silver", now, Cause::Upgrade)
        );
        assert_eq!(s.level_id(), Some("silver"));
        assert_eq!(s.climb.growth, 0);
        assert!(s.pending.is_none());
        // One order worth both thresholds jumps straight to gold.
        let mut t = Standing::default();
        t.earn(&l, kl, &growth(2500), now);
        assert_eq!(t.level_id(), Some("gold"));
        assert_eq!(t.climb.growth, 0);
        // Growth from money: per whole unit paid, rounded down (30.98 x 1 = 30).
        assert_eq!(earned_by_order(&l, Decimal::new(3098, 2), 0).growth, 30);
    }

    #[test]
    fn seed_003_points_spend_and_recharge_upgrades_wait_for_the_next_local_midnight() {
        let kl = tz("Asia/Kuala_Lumpur");
        let now = at("2026-04-01T23:30:00+08:00");
        let midnight = at("2026-04-02T00:00:00+08:00");
        for (metric, earned) in [
            ("points", points(600)),
            (
                "cumulative_spend",
                Counters {
                    spend: Decimal::from(600),
                    ..Counters::default()
                },
            ),
            (
                "cumulative_recharge",
                Counters {
                    recharge: Decimal::from(600),
                    ..Counters::default()
                },
            ),
        ] {
            let thresholds = if metric == "points" {
                [json!(0), json!(500), json!(2000)]
            } else {
                [json!("0.00"), json!("500.00"), json!("2000.00")]
            };
            let l = ladder(metric, thresholds, json!({}));
            let mut s = Standing::default();
            let c = s.earn(&l, kl, &earned, now).pop().unwrap();
            // Base (threshold 0) is held at once; silver waits for midnight.
            assert_eq!(s.level_id(), Some("base"), "{metric}");
            assert_eq!((c.to.as_str(), c.at), ("silver", midnight), "{metric}");
            let pending = s.pending.clone().unwrap();
            assert_eq!(pending.effective_at, midnight);
            // Exact at every instant without a job: a second before, base; at midnight, silver.
            let mut before = s.clone();
            assert!(before
                .settle(
                    &l,
                    kl,
                    Decimal::ZERO,
                    midnight - chrono::TimeDelta::seconds(1)
                )
                .is_empty());
            assert_eq!(before.level_id(), Some("base"));
            let changes = s.settle(&l, kl, Decimal::ZERO, midnight);
            assert_eq!(changes.len(), 1);
            assert_eq!(s.level_id(), Some("silver"), "{metric}");
            assert_eq!(s.level.as_ref().unwrap().since, midnight);
            // 003 "积分不会清零": the climb is kept.
            assert_eq!(s.climb.get(l.metric), Decimal::from(600));
        }
    }

    #[test]
    fn seed_003_recompute_places_by_what_the_lapsed_window_earned_at_a_dst_day_boundary() {
        // Berlin moves to summer time on 2026-03-29. Silver for 10 days from 20 March ends
        // at 23:59:59 CEST on 29 March and lapses at the next local midnight.
        let berlin = tz("Europe/Berlin");
        let l = ladder(
            "points",
            [json!(0), json!(500), json!(2000)],
            json!({"levels": [{}, {"validity_days": 10, "downgrade": {"kind": "recompute"}}, {}]}),
        );
        let mut s = Standing::default();
        s.earn(&l, berlin, &points(600), at("2026-03-19T10:00:00+01:00"));
        s.settle(&l, berlin, Decimal::ZERO, at("2026-03-20T00:00:00+01:00"));
        let held = s.level.clone().unwrap();
        assert_eq!(held.level_id, "silver");
        assert_eq!(held.valid_until, Some(at("2026-03-29T23:59:59+02:00")));
        // 120 points earned within the window: below silver's 500.
        s.earn(&l, berlin, &points(120), at("2026-03-25T12:00:00+01:00"));
        let lapse = at("2026-03-30T00:00:00+02:00");
        let mut before = s.clone();
        before.settle(
            &l,
            berlin,
            Decimal::ZERO,
            lapse - chrono::TimeDelta::seconds(1),
        );
        assert_eq!(before.level_id(), Some("silver"));
        let changes = s.settle(&l, berlin, Decimal::ZERO, lapse);
        assert_eq!(changes[0].cause, Cause::Downgrade);
        assert_eq!(s.level_id(), Some("base"));
        assert_eq!(s.level.as_ref().unwrap().since, lapse);
        // The climb restarts from the window's 120, so silver needs 380 more.
        assert_eq!(s.climb.points, 120);
        assert_eq!(s.progress(&l).needed, Some(Decimal::from(380)));
        // Earning enough in the window keeps the level: a renewal from the lapse.
        let mut keeper = before.clone();
        keeper.earn(&l, berlin, &points(400), at("2026-03-29T20:00:00+02:00"));
        keeper.settle(&l, berlin, Decimal::ZERO, lapse);
        assert_eq!(keeper.level_id(), Some("silver"));
        assert_eq!(
            keeper.level.as_ref().unwrap().valid_until,
            Some(at("2026-04-08T23:59:59+02:00"))
        );
    }

    #[test]
    fn seed_003_to_level_and_by_balance_downgrades_and_dormant_members_settle_in_one_go() {
        let kl = tz("Asia/Kuala_Lumpur");
        let l = ladder(
            "cumulative_spend",
            [json!("0.00"), json!("500.00"), json!("2000.00")],
            json!({"levels": [{}, {}, {"validity_days": 30,
                "downgrade": {"kind": "by_balance", "ranges": [
                    {"min": "0.00", "level_id": "base"}, {"min": "500.00", "level_id": "silver"}]}}]}),
        );
        let mut s = Standing::default();
        let spend = Counters {
            spend: Decimal::from(2500),
            ..Counters::default()
        };
        s.earn(&l, kl, &spend, at("2026-01-01T10:00:00+08:00"));
        s.settle(&l, kl, Decimal::ZERO, at("2026-01-02T00:00:00+08:00"));
        assert_eq!(s.level_id(), Some("gold"));
        let mut rich = s.clone();
        // 30 days from 2 January: valid through 31 January, lapses 1 February.
        rich.settle(&l, kl, Decimal::from(800), at("2026-02-01T00:00:00+08:00"));
        assert_eq!(rich.level_id(), Some("silver"));
        assert_eq!(rich.climb, Counters::default());
        s.settle(&l, kl, Decimal::from(10), at("2026-02-01T00:00:00+08:00"));
        assert_eq!(s.level_id(), Some("base"));

        let to = ladder(
            "points",
            [json!(0), json!(500), json!(2000)],
            json!({"levels": [{}, {"validity_days": 1, "downgrade": {"kind": "to_level", "level_id": "base"}}, {}]}),
        );
        let mut d = Standing::default();
        d.earn(&to, kl, &points(900), at("2026-01-01T10:00:00+08:00"));
        // Years later, in one settle: silver for its one day, then base for good.
        let changes = d.settle(&to, kl, Decimal::ZERO, at("2030-01-01T00:00:00+08:00"));
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(d.level_id(), Some("base"));
        assert_eq!(
            d.level.as_ref().unwrap().since,
            at("2026-01-03T00:00:00+08:00")
        );
        // The climb restarts: the 900 points before the downgrade do not lift them again.
        assert!(d
            .earn(&to, kl, &points(1), at("2030-01-01T10:00:00+08:00"))
            .is_empty());
    }

    #[test]
    fn seed_003_invalid_ladders_are_refused_with_what_is_wrong() {
        let cases = [
            (
                json!([{"level_id": "a", "name": "A", "rank": 1, "threshold": 0},
                    {"level_id": "b", "name": "B", "rank": 1, "threshold": 10}]),
                "growth",
                "rank 1",
            ),
            (
                json!([{"level_id": "a", "name": "A", "rank": 0, "threshold": 10},
                    {"level_id": "b", "name": "B", "rank": 1, "threshold": 10}]),
                "growth",
                "rise",
            ),
            (
                json!([{"level_id": "a", "name": "A", "rank": 0, "threshold": 0},
                    {"level_id": "b", "name": "B", "rank": 1, "threshold": 10, "validity_days": 30,
                     "downgrade": {"kind": "to_level", "level_id": "a"}}]),
                "growth",
                "growth ladder",
            ),
            (
                json!([{"level_id": "a", "name": "A", "rank": 0, "threshold": "0.00"},
                    {"level_id": "b", "name": "B", "rank": 1, "threshold": "10.00", "validity_days": 30,
                     "downgrade": {"kind": "recompute"}}]),
                "cumulative_spend",
                "never go down",
            ),
            (
                json!([{"level_id": "a", "name": "A", "rank": 0, "threshold": 0},
                    {"level_id": "b", "name": "B", "rank": 1, "threshold": 10, "validity_days": 30,
                     "downgrade": {"kind": "to_level", "level_id": "zz"}}]),
                "points",
                "unknown level zz",
            ),
            (
                json!([{"level_id": "a", "name": "A", "rank": 0, "threshold": 1.5}]),
                "points",
                "whole number",
            ),
            (
                json!([{"level_id": "a", "name": "A", "rank": 0, "threshold": 5}]),
                "cumulative_spend",
                "decimal string",
            ),
            (json!([]), "points", "1-50 levels"),
        ];
        for (levels, metric, says) in cases {
            let err = parse(&json!({"upgrade_by": metric, "levels": levels}), &myr()).unwrap_err();
            assert!(err.to_string().contains(says), "{says}: {err}");
        }
        let err = parse(
            &json!({"upgrade_by": "points", "default_till": "vip",
                    "levels": [{"level_id": "a", "name": "A", "rank": 0, "threshold": 0}]}),
            &myr(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("unknown default level vip"),
            "{err}"
        );
    }

    #[test]
    fn seed_003_a_paid_upgrade_must_go_up_and_sets_the_level_from_payment() {
        let kl = tz("Asia/Kuala_Lumpur");
        let l = ladder(
            "points",
            [json!(0), json!(500), json!(2000)],
            json!({"levels": [{}, {"paid_upgrade": {"price": "29.00"}},
                {"validity_days": 365, "paid_upgrade": {"price": "99.00",
                 "reward": {"points": 500, "credit": "10.00", "coupons": ["GOLD10"]}}}]}),
        );
        let mut s = Standing::default();
        s.earn(&l, kl, &points(10), at("2026-04-01T10:00:00+08:00"));
        let (gold, paid) = s.check_purchase(&l, "gold").unwrap();
        assert_eq!((gold.rank, paid.reward.points), (2, 500));
        assert_eq!(
            s.check_purchase(&l, "base").unwrap_err(),
            Refusal::Invalid("level \"base\" cannot be bought (no paid_upgrade)".into())
        );
        let now = at("2026-04-02T15:00:00+08:00");
        let c = s.bought(&l, "gold", kl, now).unwrap();
        assert_eq!((c.cause, c.at), (Cause::Paid, now));
        let held = s.level.clone().unwrap();
        assert_eq!(held.since, now);
        assert_eq!(held.valid_until, Some(at("2027-04-01T23:59:59+08:00")));
        assert_eq!(
            s.check_purchase(&l, "silver").unwrap_err(),
            Refusal::LevelNotHigher
        );
        assert_eq!(
            s.check_purchase(&l, "gold").unwrap_err(),
            Refusal::LevelNotHigher
        );
        // Paid for silver while already gold (upgraded meanwhile): nothing changes.
        assert!(s.bought(&l, "silver", kl, now).is_none());
        assert_eq!(s.level_id(), Some("gold"));
    }

    #[test]
    fn seed_003_clawed_back_points_lower_a_pending_upgrade_and_orders_earn_at_the_level_held() {
        let kl = tz("Asia/Kuala_Lumpur");
        let l = ladder("points", [json!(0), json!(500), json!(2000)], json!({}));
        let mut s = Standing::default();
        let day1 = at("2026-04-01T10:00:00+08:00");
        s.earn(&l, kl, &points(2100), day1);
        assert_eq!(s.pending.as_ref().unwrap().level_id, "gold");
        s.take_back_points(&l, kl, 1000);
        assert_eq!(s.pending.as_ref().unwrap().level_id, "silver");
        s.take_back_points(&l, kl, 1000);
        assert!(s.pending.is_none());
        assert_eq!(s.climb.points, 100);
        s.earn(&l, kl, &points(500), day1);
        s.settle(&l, kl, Decimal::ZERO, at("2026-04-02T00:00:00+08:00"));
        assert_eq!(s.level_at(day1), Some("base"));
        assert_eq!(s.level_at(at("2026-04-02T09:00:00+08:00")), Some("silver"));
    }

    #[test]
    fn seed_003_registration_starts_at_the_channels_default_level() {
        let kl = tz("Asia/Kuala_Lumpur");
        let l = ladder(
            "growth",
            [json!(0), json!(500), json!(2000)],
            json!({"default_till": "silver", "default_online": "base",
                   "levels": [{}, {"validity_days": 90}, {}]}),
        );
        let now = at("2026-04-01T10:00:00+08:00");
        let mut till = Standing::default();
        assert_eq!(
            till.register(&l, Channel::Till, kl, now).unwrap().to,
            "silver"
        );
        assert_eq!(
            till.level.as_ref().unwrap().valid_until,
            Some(at("2026-06-29T23:59:59+08:00"))
        );
        let mut online = Standing::default();
        online.register(&l, Channel::Online, kl, now);
        assert_eq!(online.level_id(), Some("base"));
        // A ladder without defaults leaves the member without a level until they earn.
        let plain = ladder("growth", [json!(0), json!(500), json!(2000)], json!({}));
        assert!(Standing::default()
            .register(&plain, Channel::Till, kl, now)
            .is_none());
    }
}
