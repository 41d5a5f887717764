//! The writes of a member's changes: reading the member (`domain::member::Member`) and
//! writing what an operation changed on it, and issuing a card (the decision is
//! `domain::cards::issue` and `Member::receive_card`) as one transaction's writes.

use domain::cards::{issue, CardDef, ClaimRefusal, IssueContext, MemberCard};
use domain::chrono::{DateTime, SecondsFormat, Utc};
use domain::{AccountKind, Decimal, MemberId, Settings, ShopId};
use serde_json::json;
use store::keys::RecordKind;
use store::{accounts, cards, profile, Snapshot, Write};

use crate::postings::Posting;
use crate::ApiError;

pub use store::ids::card_no as new_card_no;

pub struct Issuance<'a> {
    pub shop: &'a ShopId,
    pub member: &'a MemberId,
    pub actor: &'a str,
    pub settings: Option<&'a Settings>,
    pub now: DateTime<Utc>,
    pub paid: Option<domain::Money>,
    pub purchase_id: Option<String>,
    /// The stock shard a paid card's unit came from, kept on the member's card for refunds.
    pub stock_shard: Option<u16>,
    /// Only claims require the card to still be enabled at commit.
    pub require_enabled: bool,
}

/// How a card is issued, beyond who and when (`work::Work::issue_card`): paid (from which
/// purchase and stock shard), and whether the card must still be enabled at commit (only
/// claims require it).
#[derive(Debug, Default)]
pub struct Terms {
    pub paid: Option<domain::Money>,
    pub purchase_id: Option<String>,
    pub stock_shard: Option<u16>,
    pub require_enabled: bool,
}

/// The member an operation changes: its state and decisions are `domain::member::Member`;
/// reading it and writing what changed are here.
pub use domain::member::Member as MemberState;

/// Reading a member, and turning what an operation changed into one transaction's writes.
pub trait MemberWrites: Sized {
    fn read(snapshot: &Snapshot, shop: &ShopId, member: &MemberId) -> Result<Self, ApiError>;
    fn credit_card_no(
        &mut self,
        shop: &ShopId,
        member: &MemberId,
        writes: &mut Vec<Write>,
    ) -> String;
    fn flush(
        self,
        read: &Read<'_>,
        posting: &Posting<'_>,
        middle: Vec<Write>,
        writes: &mut Vec<Write>,
    ) -> Result<crate::coupons::Granted, ApiError>;
}

/// What flushing a member may still need: the snapshot (the coupons its grants name are
/// read from it, or asked for) and the shop's settings (their zone and currency).
pub struct Read<'a> {
    pub snapshot: &'a Snapshot,
    pub settings: Option<&'a Settings>,
}

impl MemberWrites for MemberState {
    fn read(snapshot: &Snapshot, shop: &ShopId, member: &MemberId) -> Result<Self, ApiError> {
        let mut state = MemberState::new(
            profile::read(snapshot, shop, member)?,
            accounts::read::<i64>(snapshot, shop, member, AccountKind::Points)?,
            accounts::read::<Decimal>(snapshot, shop, member, AccountKind::Credit)?,
        );
        state.value_balance =
            accounts::read::<Decimal>(snapshot, shop, member, AccountKind::Value)?.balance();
        Ok(state)
    }

    /// The member's store-credit card number, generated (with its uniqueness write) at
    /// their first credit (001).
    fn credit_card_no(
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

    /// The profile write first, then `middle`, then each changed account with its ledger
    /// entries, then the coupons its grants name (API 1.3).
    fn flush(
        mut self,
        read: &Read<'_>,
        posting: &Posting<'_>,
        mut middle: Vec<Write>,
        writes: &mut Vec<Write>,
    ) -> Result<crate::coupons::Granted, ApiError> {
        let (shop, member, now) = (posting.shop, posting.member, posting.now);
        let due = std::mem::take(&mut self.coupons_due);
        let mut coupons = Vec::new();
        let granted = crate::coupons::grant(
            read.snapshot,
            shop,
            member,
            &due,
            read.settings,
            now,
            &mut coupons,
        )?;
        if self.needs_credit_card_no() {
            self.credit_card_no(posting.shop, posting.member, &mut middle);
        }
        let mut ids = crate::entry_ids(posting.now, self.movement_count() + 1).into_iter();
        let changes = self.into_changes();
        writes.push(profile::put(posting.shop, posting.member, &changes.profile));
        writes.extend(middle);
        if let Some((account, moves)) = changes.points {
            posting.post(AccountKind::Points, &account, moves, &mut ids, writes);
        }
        if let Some((account, moves)) = changes.credit {
            posting.post(AccountKind::Credit, &account, moves, &mut ids, writes);
        }
        writes.extend(coupons);
        Ok(granted)
    }
}

/// Decides the issue on the snapshot and appends every write it needs. Returns the card
/// and what its gift pack's coupons came to.
pub fn issue_card(
    snapshot: &Snapshot,
    def: &CardDef,
    how: &Issuance<'_>,
    writes: &mut Vec<Write>,
) -> Result<(MemberCard, crate::coupons::Granted), ApiError> {
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
    let read = Read {
        snapshot,
        settings: how.settings,
    };
    let granted = state.flush(&read, &posting, middle, writes)?;
    Ok((card, granted))
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
    // 000: a paid card bought again while held is renewed under its own number.
    let renewing = def.renews(state.profile.cards.get(&def.card_id), how.now);
    let ctx = IssueContext {
        now: how.now,
        tz,
        card_no: renewing
            .as_ref()
            .map_or_else(new_card_no, |held| held.card_no.clone()),
        claimed_before: state.profile.claimed.contains(&def.card_id),
        paid: how.paid,
        purchase_id: how.purchase_id.clone(),
        stock_shard: how.stock_shard,
        renewing,
    };
    if def.gift_pack.credit.amount() > Decimal::ZERO && how.settings.is_none() {
        return Err(ApiError::not_configured());
    }
    let issued = issue(def, state.points.clone(), state.credit.clone(), &ctx)
        .map_err(|e| ApiError::from(ClaimRefusal::Validity(e)))?;
    let card = issued.card.clone();
    let gift_pack_issued = card.gift_pack_issued;
    let already_counted = state.receive_card(issued);
    writes.push(cards::holders(
        how.shop,
        &def.card_id,
        i64::from(!already_counted),
        how.require_enabled,
    ));
    if ctx.renewing.is_none() {
        writes.push(cards::card_no(
            how.shop,
            &ctx.card_no,
            how.member.as_str(),
            &def.card_id,
        ));
    }
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
            "gift_pack_issued": gift_pack_issued,
            "renewal": ctx.renewing.is_some(),
            "purchase_id": how.purchase_id,
            "paid": how.paid.map(|p| p.to_string()),
        }),
    ));
    Ok(card)
}
