//! Issuing a card to a member, shared by free claims, paid purchases and (later) rule cards:
//! the decision is `domain::cards::issue`; this turns it into one transaction's writes.

use std::collections::BTreeMap;

use domain::cards::{grant, issue, CardDef, ClaimRefusal, HeldStatus, IssueContext, MemberCard};
use domain::chrono::{DateTime, SecondsFormat, Utc};
use domain::Refusal;
use domain::{Account, AccountKind, Decimal, EntryKind, MemberId, Movement, Settings, ShopId};
use serde_json::{json, Value};
use store::keys::RecordKind;
use store::profile::Profile;
use store::{accounts, cards, profile, Snapshot, Write};

use crate::postings::Posting;
use crate::ApiError;

pub use store::ids::card_no as new_card_no;

/// Refuses when the member holds this card and it is still valid (000).
pub fn check_not_held(
    profile: &Profile,
    card_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    match profile.cards.get(card_id) {
        Some(held) if domain::cards::blocks_new_claim(held.status, &held.term, now) => {
            Err(Refusal::CardAlreadyHeld.into())
        }
        _ => Ok(()),
    }
}

pub struct Issuance<'a> {
    pub shop: &'a ShopId,
    pub member: &'a MemberId,
    pub actor: &'a str,
    pub settings: Option<&'a Settings>,
    pub now: DateTime<Utc>,
    pub paid: Option<domain::Money>,
    pub purchase_id: Option<String>,
    /// Only claims require the card to still be enabled at commit.
    pub require_enabled: bool,
}

/// A member's profile and accounts as one operation changes them: several grants and card
/// issues land on them and still leave one write per item (a transaction may not touch an
/// item twice).
pub struct MemberState {
    pub profile: Profile,
    pub points: Account<i64>,
    points_read: u64,
    points_moves: Vec<Movement>,
    points_dirty: bool,
    pub credit: Account<Decimal>,
    credit_read: u64,
    credit_moves: Vec<Movement>,
    credit_dirty: bool,
}

impl MemberState {
    pub fn read(snapshot: &Snapshot, shop: &ShopId, member: &MemberId) -> Result<Self, ApiError> {
        let points = accounts::read::<i64>(snapshot, shop, member, AccountKind::Points)?;
        let credit = accounts::read::<Decimal>(snapshot, shop, member, AccountKind::Credit)?;
        Ok(Self {
            profile: profile::read(snapshot, shop, member)?,
            points_read: points.version(),
            points,
            points_moves: Vec::new(),
            points_dirty: false,
            credit_read: credit.version(),
            credit,
            credit_moves: Vec::new(),
            credit_dirty: false,
        })
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
            account.hold(domain::Hold {
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

    /// The member's store-credit card number, generated (with its uniqueness write) at
    /// their first credit (001).
    pub fn credit_card_no(
        &mut self,
        shop: &ShopId,
        member: &MemberId,
        writes: &mut Vec<Write>,
    ) -> String {
        if let Some(no) = &self.profile.credit_card_no {
            return no.clone();
        }
        let no = new_card_no();
        writes.push(profile::credit_card_no_put(shop, &no, member));
        self.profile.credit_card_no = Some(no.clone());
        no
    }

    /// The profile write first (callers guard on the writes that follow it by position),
    /// then `middle`, then each changed account with its ledger entries.
    pub fn flush(mut self, posting: &Posting<'_>, mut middle: Vec<Write>, writes: &mut Vec<Write>) {
        // 001: the member's credit card number comes with their first credit, whatever
        // brought it (a rule, a gift pack, a refund to credit).
        if self.credit_moves.iter().any(|m| m.amount > Decimal::ZERO) {
            self.credit_card_no(posting.shop, posting.member, &mut middle);
        }
        writes.push(profile::put(posting.shop, posting.member, &self.profile));
        writes.extend(middle);
        let mut ids = crate::entry_ids(
            posting.now,
            self.points_moves.len() + self.credit_moves.len() + 1,
        )
        .into_iter();
        if self.points_dirty {
            let account = Account::clone(&self.points);
            posting.post(
                AccountKind::Points,
                &account,
                self.points_read,
                self.points_moves,
                &mut ids,
                writes,
            );
        }
        if self.credit_dirty {
            let account = Account::clone(&self.credit);
            posting.post(
                AccountKind::Credit,
                &account,
                self.credit_read,
                self.credit_moves,
                &mut ids,
                writes,
            );
        }
    }
}

/// Decides the issue on the snapshot and appends every write it needs. Returns the card.
pub fn issue_card(
    snapshot: &Snapshot,
    def: &CardDef,
    how: &Issuance<'_>,
    writes: &mut Vec<Write>,
) -> Result<MemberCard, ApiError> {
    let mut state = MemberState::read(snapshot, how.shop, how.member)?;
    let mut middle = Vec::new();
    let card = issue_onto(&mut state, def, how, &mut middle)?;
    let posting = Posting {
        shop: how.shop,
        member: how.member,
        actor: how.actor,
        currency: how.settings.map(|s| &s.currency),
        now: how.now,
    };
    state.flush(&posting, middle, writes);
    Ok(card)
}

/// Issues a card onto a member's state: the profile and accounts change in `state`, and the
/// card's own writes (holder count first, card number, claim record) go to `writes`.
pub fn issue_onto(
    state: &mut MemberState,
    def: &CardDef,
    how: &Issuance<'_>,
    writes: &mut Vec<Write>,
) -> Result<MemberCard, ApiError> {
    let tz = how.settings.map(|s| s.timezone).unwrap_or_default();
    let ctx = IssueContext {
        now: how.now,
        tz,
        card_no: new_card_no(),
        claimed_before: state.profile.claimed.contains(&def.card_id),
        paid: how.paid,
        purchase_id: how.purchase_id.clone(),
    };
    if def.gift_pack.credit.amount() > Decimal::ZERO && how.settings.is_none() {
        return Err(ApiError::not_configured());
    }
    let issued = issue(def, state.points.clone(), state.credit.clone(), &ctx)
        .map_err(|e| ApiError::from(ClaimRefusal::Validity(e)))?;
    let profile = &mut state.profile;
    let already_counted = profile
        .cards
        .get(&def.card_id)
        .is_some_and(|c| c.status == HeldStatus::Active);
    profile.claimed.insert(def.card_id.clone());
    profile
        .cards
        .insert(def.card_id.clone(), issued.card.clone());
    writes.push(cards::holders(
        how.shop,
        &def.card_id,
        i64::from(!already_counted),
        how.require_enabled,
    ));
    writes.push(cards::card_no(
        how.shop,
        &ctx.card_no,
        how.member.as_str(),
        &def.card_id,
    ));
    let record_id = crate::entry_ids(how.now, 1).remove(0);
    writes.push(cards::record(
        how.shop,
        &def.card_id,
        RecordKind::Claims,
        how.now,
        record_id.as_str(),
        &json!({
            "member_id": how.member.as_str(),
            "card_no": ctx.card_no,
            "kind": def.kind.as_str(),
            "at": how.now.to_rfc3339_opts(SecondsFormat::Secs, true),
            "actor": how.actor,
            "gift_pack_issued": issued.card.gift_pack_issued,
            "purchase_id": how.purchase_id,
            "paid": how.paid.map(|p| p.to_string()),
        }),
    ));
    if let Some((account, movements)) = issued.points {
        state.points_changed(account, movements);
    }
    if let Some((account, movements)) = issued.credit {
        state.credit_changed(account, movements);
    }
    Ok(issued.card)
}

/// How a member card is shown to its holder and to staff.
pub fn card_view(card: &MemberCard, member: &MemberId, now: DateTime<Utc>) -> Value {
    let t = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
    json!({
        "card_no": card.card_no,
        "card_id": card.card_id,
        "member_id": member.as_str(),
        "valid_from": t(card.term.valid_from),
        "valid_until": card.term.valid_until.map(t),
        "status": card.status_at(now),
        "gift_pack_issued": card.gift_pack_issued,
    })
}
