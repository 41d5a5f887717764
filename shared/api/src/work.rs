//! The unit of work an operation's decision goes through (issue 32): what was read (one
//! BatchGetItem, the snapshot), handed out typed and checked, and every write the decision
//! makes, collected here and committed once by `execute` (one TransactWriteItems with the
//! idempotency record; a lost race re-reads and decides again with a fresh `Work`).
//!
//! The seams each handler used to build by hand live here once: the shop's settings
//! required, the order read with its owner checked, an account posted with the version it
//! was read at and entry ids drawn in order, money rendered in the shop's currency.

use std::collections::BTreeMap;

use domain::cards::{CardDef, MemberCard};
use domain::chrono::{DateTime, Utc};
use domain::order::Order;
use domain::{Account, AccountKind, Currency, Decimal, EntryId, Movement, OrderId, Settings};
use serde_json::Value;
use store::accounts::StoredQuantity;
use store::{accounts, orders, Key, Snapshot, Write};

use crate::exec::Decision;
use crate::issuing::{MemberState, MemberWrites};
use crate::{Acting, ApiError};

pub struct Work<'a> {
    pub snapshot: &'a Snapshot,
    pub who: &'a Acting,
    pub now: DateTime<Utc>,
    /// The shop's settings; `None` only in a work begun with `open` (a shop not set up yet).
    settings: Option<Settings>,
    writes: Vec<Write>,
    /// Conditions whose failure is the answer (`Decision::guard`).
    guards: Vec<(Key, ApiError)>,
    /// Entry ids drawn so far: the next one's place in this operation's sequence.
    entries: usize,
    /// Each account posted and its balance after (what the answer shows).
    posted: Vec<(AccountKind, Decimal)>,
    /// Messages the work's own writes tell (the coupons a grant issued).
    told: Vec<(&'static str, Value)>,
    /// Coupons a grant named that were not issued (`{"coupon_id", "code"}`).
    pub coupons_not_issued: Vec<Value>,
}

impl<'a> Work<'a> {
    /// A unit of work for `who` over `snapshot`; the shop must be set up (409
    /// `shop_not_configured` otherwise), as every write to a member needs its currency.
    pub fn new(
        who: &'a Acting,
        snapshot: &'a Snapshot,
        now: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        let settings = crate::require_settings(snapshot, &who.shop)?;
        Ok(Self::with(who, snapshot, now, Some(settings)))
    }

    /// A unit of work that may run before the shop is set up: what needs no currency
    /// (points, a free card, a card number) is allowed then; `settings()` and `currency()`
    /// refuse with 409 `shop_not_configured` where an operation needs them.
    pub fn open(
        who: &'a Acting,
        snapshot: &'a Snapshot,
        now: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        let settings = store::settings::read(snapshot, &who.shop)?;
        Ok(Self::with(who, snapshot, now, settings))
    }

    /// A unit of work over settings read apart from `snapshot` (an import reads them once
    /// for all its rows).
    pub fn with(
        who: &'a Acting,
        snapshot: &'a Snapshot,
        now: DateTime<Utc>,
        settings: Option<Settings>,
    ) -> Self {
        Work {
            snapshot,
            who,
            now,
            settings,
            writes: Vec::new(),
            guards: Vec::new(),
            entries: 0,
            posted: Vec::new(),
            told: Vec::new(),
            coupons_not_issued: Vec::new(),
        }
    }

    /// The shop's settings (409 `shop_not_configured` before it is set up).
    pub fn settings(&self) -> Result<&Settings, ApiError> {
        self.settings.as_ref().ok_or_else(ApiError::not_configured)
    }

    /// The shop's settings when it is set up.
    pub fn configured(&self) -> Option<&Settings> {
        self.settings.as_ref()
    }

    /// The shop's time zone: its days, months and local midnights (UTC before it is set up,
    /// as every read of a shop without settings takes it).
    pub fn tz(&self) -> domain::ShopTz {
        self.settings
            .as_ref()
            .map(|s| s.timezone)
            .unwrap_or_default()
    }

    /// The shop's currency (409 `shop_not_configured` before it is set up).
    pub fn currency(&self) -> Result<&Currency, ApiError> {
        Ok(&self.settings()?.currency)
    }

    fn known_currency(&self) -> Option<&Currency> {
        self.settings.as_ref().map(|s| &s.currency)
    }

    /// An amount stored in major units, as the API renders money: in the shop's currency's
    /// minor units ("5.00"); as stored before the shop has a currency.
    pub fn money(&self, stored: Decimal) -> crate::render::Money {
        crate::render::Money::new(stored, self.known_currency())
    }

    /// A balance as the API renders it: points whole, money in the shop's currency.
    pub fn amount(&self, kind: AccountKind, stored: Decimal) -> crate::render::Amount {
        crate::render::Amount::new(kind, stored, self.known_currency())
    }

    /// The next `n` entry ids of this operation (a record that goes with its entries).
    fn draw(&mut self, n: usize) -> Vec<EntryId> {
        let ids = store::ids::entry_ids_from(self.now, self.entries, n);
        self.entries += n;
        ids
    }

    /// An id for a record of this operation (a card's return, an exchange), unique among
    /// its entries.
    pub fn record_id(&mut self) -> EntryId {
        self.draw(1).remove(0)
    }

    /// The order as read, refused when another member owns it (409
    /// `order_of_another_member`: an order belongs to the member who first redeemed on it or
    /// had it accrued) or when it was cancelled (409 `order_cancelled`: nothing accrues,
    /// redeems or refunds on it any more).
    pub fn order(&self, order_id: &OrderId) -> Result<Order, ApiError> {
        let order = self.order_as_read(order_id)?;
        order.check_open()?;
        Ok(order)
    }

    /// The order as read, its owner checked, cancelled or not (what a cancellation sees).
    pub fn order_as_read(&self, order_id: &OrderId) -> Result<Order, ApiError> {
        let order = orders::read(self.snapshot, &self.who.shop, order_id)?;
        order.check_owner(&self.who.member)?;
        Ok(order)
    }

    /// The order's write, conditioned on the version it was read at.
    pub fn put_order(&mut self, order_id: &OrderId, order: &Order) {
        let write = orders::put(&self.who.shop, order_id, &self.who.member, order);
        self.writes.push(write);
    }

    /// The member's account of `kind`, as read.
    pub fn account<Q: StoredQuantity>(&self, kind: AccountKind) -> Result<Account<Q>, ApiError> {
        Ok(accounts::read::<Q>(
            self.snapshot,
            &self.who.shop,
            &self.who.member,
            kind,
        )?)
    }

    /// The account's new state and one ledger entry per movement (`Posting::post`), with ids
    /// in this operation's order.
    /// Returns the ids given.
    pub fn post<Q: StoredQuantity>(
        &mut self,
        kind: AccountKind,
        account: &Account<Q>,
        moves: Vec<Movement>,
    ) -> Vec<EntryId> {
        let mut ids = self.draw(moves.len()).into_iter();
        self.posted.retain(|(k, _)| *k != kind);
        self.posted.push((kind, account.balance().to_decimal()));
        let currency = self.settings.as_ref().map(|s| &s.currency);
        let posting = self.who.posting(currency, self.now);
        posting.post(kind, account, moves, &mut ids, &mut self.writes)
    }

    /// What the balance of `kind` still holds of `amount` a grant gave, taken back (a
    /// card's gift pack when the card is refunded). Returns what was taken.
    pub fn take_back<Q: StoredQuantity>(
        &mut self,
        kind: AccountKind,
        amount: Q,
        links: &BTreeMap<String, String>,
    ) -> Result<Q, ApiError> {
        let mut account = self.account::<Q>(kind)?;
        let (taken, moves) = account.reclaim(kind, amount, links, self.now);
        if !moves.is_empty() {
            self.post(kind, &account, moves);
        }
        Ok(taken)
    }

    /// The account's balance as this work leaves it: after its posting, else as read.
    pub fn balance<Q: StoredQuantity>(&self, kind: AccountKind) -> Result<Q, ApiError> {
        match self.posted.iter().find(|(k, _)| *k == kind) {
            Some((_, after)) => Ok(Q::from_stored(*after)?),
            None => Ok(self.account::<Q>(kind)?.balance()),
        }
    }

    /// The member this work changes: profile and accounts (`domain::member::Member`).
    pub fn member(&self) -> Result<MemberState, ApiError> {
        MemberState::read(self.snapshot, &self.who.shop, &self.who.member)
    }

    /// What the member's changes write: the profile, then `middle` (writes that go with
    /// it: card numbers, notices), then each changed account with its ledger entries.
    /// The coupons its grants name are issued with them (`ApiError::ReadMore` when their
    /// definitions were not read yet: `execute` reads them and decides again).
    pub fn flush(&mut self, member: MemberState, middle: Vec<Write>) -> Result<(), ApiError> {
        let currency = self.settings.as_ref().map(|s| &s.currency);
        let posting = self.who.posting(currency, self.now);
        let read = crate::issuing::Read {
            snapshot: self.snapshot,
            settings: self.settings.as_ref(),
        };
        let granted = member.flush(&read, &posting, middle, &mut self.writes)?;
        self.told.extend(granted.told);
        self.coupons_not_issued.extend(granted.not_issued);
        Ok(())
    }

    /// A notice to the member (001, 003), written only when the shop sends this kind
    /// (`outbox::notify_if`: the credit program read in this snapshot decides).
    pub fn notice(&self, event: store::outbox::Event, payload: Value) -> Option<Write> {
        let (shop, member) = (&self.who.shop, &self.who.member);
        store::outbox::notify_if(self.snapshot, shop, member, event, payload, self.now)
    }

    /// The coupon order `order_id` spent comes back to the member's wallet (a cancellation,
    /// a refund of the whole order: API 1.3): available while still within its validity,
    /// expired after, and counted as used no more. Returns its number and the
    /// `coupon.returned` message, or `None` when the order spent none.
    pub fn give_back_coupon(
        &mut self,
        order_id: &OrderId,
        why: &str,
    ) -> Result<Option<crate::coupons::Returned>, ApiError> {
        let who = self.who;
        let (shop, member) = (&who.shop, &who.member);
        let mut wallet = store::coupons::wallet(self.snapshot, shop, member)?;
        let Some(returned) = wallet.give_back(order_id.as_str()) else {
            return Ok(None);
        };
        let no = returned.coupon_no.to_string();
        let (coupon_id, shard) = (returned.coupon_id.clone(), returned.shard);
        let status = returned.status(self.now);
        self.writes
            .push(store::coupons::put_wallet(shop, member, &wallet));
        self.writes
            .push(store::coupons::count_use(shop, &coupon_id, shard, -1));
        let told = serde_json::json!({"member_id": member.as_str(), "coupon_no": no,
            "coupon_id": coupon_id, "order_id": order_id.as_str(), "reason": why, "status": status});
        Ok(Some((no, ("coupon.returned", told))))
    }

    /// Issues card `def` to the member (`issuing::issue_card`: the profile, the holder
    /// count, the number, the claim record and the gift pack's grants). Returns the card
    /// and what its coupons came to, for the caller to tell after the card itself.
    pub fn issue_card(
        &mut self,
        def: &CardDef,
        terms: crate::issuing::Terms,
    ) -> Result<(MemberCard, crate::coupons::Granted), ApiError> {
        let how = issuance(self.who, self.settings.as_ref(), self.now, terms);
        crate::issuing::issue_card(self.snapshot, def, &how, &mut self.writes)
    }

    /// How this work issues a card onto a member it is changing (`issuing::issue_onto`,
    /// the rule cards an accrual qualifies for).
    pub fn issuance(&self, terms: crate::issuing::Terms) -> crate::issuing::Issuance<'_> {
        issuance(self.who, self.settings.as_ref(), self.now, terms)
    }

    /// Marks every account this work writes erased (API 1.2: no operation writes for the
    /// member again), once their last postings are made.
    pub fn erase_accounts(&mut self) {
        store::privacy::mark_accounts_erased(&mut self.writes, self.now);
    }

    /// Any other write of the decision.
    pub fn write(&mut self, write: Write) {
        self.writes.push(write);
    }

    /// Writes a shared helper made for the decision (a coupon issue's counters and numbers).
    pub fn extend(&mut self, writes: impl IntoIterator<Item = Write>) {
        self.writes.extend(writes);
    }

    /// Tells the shop's endpoints that take `kind`, in the order told.
    pub fn tell(&mut self, events: impl IntoIterator<Item = (&'static str, Value)>) {
        self.told.extend(events);
    }

    /// If the write to the item at `key` fails its condition, the answer is `refusal`
    /// (`Decision::guard`: a stock that ran out is sold out, not a lost race).
    pub fn guard(&mut self, key: Key, refusal: ApiError) {
        self.guards.push((key, refusal));
    }

    /// Every write collected, for a batch that commits many members' work in one
    /// transaction (an import's rows); it tells nothing of its own.
    pub fn into_writes(self) -> Vec<Write> {
        self.writes
    }

    /// What a job commits itself (no request, so no idempotency record): every write
    /// collected, with the report counters of its ledger entries and the messages for the
    /// shop's endpoints (its entries and what it told), as `execute` adds them.
    pub fn into_commit(self) -> Vec<Write> {
        let mut writes = self.writes;
        let effects = crate::effects::of(
            self.settings.as_ref(),
            &self.who.shop,
            (&writes, None),
            &self.told,
            self.now,
        );
        writes.extend(effects);
        writes
    }

    /// The decision: every write collected, answered with `reply` (200).
    pub fn done(self, reply: &impl serde::Serialize) -> Result<Decision, ApiError> {
        self.answer(lambda_http::http::StatusCode::OK, reply)
    }

    /// The decision of an operation that creates: 201.
    pub fn created(self, reply: &impl serde::Serialize) -> Result<Decision, ApiError> {
        self.answer(lambda_http::http::StatusCode::CREATED, reply)
    }

    fn answer(
        self,
        status: lambda_http::http::StatusCode,
        reply: &impl serde::Serialize,
    ) -> Result<Decision, ApiError> {
        let mut decision = Decision::new(self.writes, status, reply)?.tell(self.told);
        decision.guards = self.guards;
        Ok(decision)
    }
}

fn issuance<'b>(
    who: &'b Acting,
    settings: Option<&'b Settings>,
    now: DateTime<Utc>,
    terms: crate::issuing::Terms,
) -> crate::issuing::Issuance<'b> {
    crate::issuing::Issuance {
        shop: &who.shop,
        member: &who.member,
        actor: &who.actor,
        settings,
        now,
        paid: terms.paid,
        purchase_id: terms.purchase_id,
        stock_shard: terms.stock_shard,
        require_enabled: terms.require_enabled,
    }
}

/// The shape every order operation (accrue, refund, refund to credit) shares once its
/// request is parsed: `who` reads `keys` (with the settings and accounts
/// `Acting::reads` adds), at most once under `once`, and `decide` works on order `order_id`
/// as `raw` asks, in a fresh `Work` each time `execute` decides (a lost race decides again
/// over a fresh snapshot).
pub async fn on_order<R>(
    ctx: &crate::Ctx,
    who: &Acting,
    once: &crate::Once,
    keys: impl IntoIterator<Item = store::Key>,
    order_id: &OrderId,
    raw: &R,
    decide: fn(Work<'_>, &OrderId, &R) -> Result<Decision, ApiError>,
) -> Result<crate::Reply, ApiError> {
    let read = who.reads(keys);
    crate::execute(ctx, &who.shop, Some(once), read, |snapshot, now| {
        decide(Work::new(who, snapshot, now)?, order_id, raw)
    })
    .await
}
