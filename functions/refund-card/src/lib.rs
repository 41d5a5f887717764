//! POST /admin/member-cards/{card_no}/refund: the shop takes a card back, with money (at
//! most what was paid) or without, optionally reclaiming the unused gift pack (000).

use std::collections::BTreeMap;
use store::Snapshot;

use api::input;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Reply, MANAGERS};
use domain::card_document::CardRefundRequest;
use domain::cards::CardKind;
use domain::chrono::SecondsFormat;
use domain::{AccountKind, Decimal, MemberId, Money};
use lambda_http::{Body, Request, Response};
use store::keys::{self, RecordKind};
use store::{cards, profile, purchases};

mod returned;
use returned::{Item, Reclaimed, Returned};

pub const OPERATION: &str = "refund-card";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let card_no = input::path_param(&req, "card_no")?;
    let not_found = || ApiError::NotFound("no member card with that number".into());
    if card_no.is_empty() || card_no.len() > 32 || !card_no.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_found());
    }
    let body = input::json_object(&req)?;
    let raw = CardRefundRequest::parse(&body)?;
    let shop = principal.shop.clone();
    // The card number is the only thing the caller knows: one small read finds its holder,
    // then everything else is read at once.
    let located = ctx.store.load(&[keys::card_no(&shop, &card_no)]).await?;
    let (member, card_id) = cards::holder_of(&located, &shop, &card_no)?.ok_or_else(not_found)?;
    let member = MemberId::parse(&member)?;
    let once = input::idempotency_key(&req)?.map(|key| Once {
        fingerprint: input::fingerprint(OPERATION, &card_no, &body),
        key,
    });
    let who = principal.acting(member);
    // The definition too: a unit goes back to its stock shard as the card is split now.
    let read = who.reads([
        keys::profile(&who.shop, &who.member),
        keys::card(&who.shop, &card_id),
    ]);
    api::execute(ctx, &who.shop, once.as_ref(), read, |snapshot, now| {
        decide(Work::open(&who, snapshot, now)?, (&card_id, &card_no), &raw)
    })
    .await
}

/// 000: the card is taken back (money at most what was paid), its stock returned, and
/// with reclaim_gifts its unused gift pack taken back as far as it is still there.
fn decide(
    mut work: Work<'_>,
    (card_id, card_no): (&str, &str),
    raw: &CardRefundRequest,
) -> Result<Decision, ApiError> {
    let not_found = || ApiError::NotFound("no member card with that number".into());
    let (who, snapshot, now) = (work.who, work.snapshot, work.now);
    let (shop, member) = (&who.shop, &who.member);
    let currency = work.configured().map(|s| s.currency);
    let mut prof = profile::read(snapshot, shop, member)?;
    let held = prof
        .cards
        .get(card_id)
        .filter(|c| c.card_no == *card_no)
        .cloned()
        .ok_or_else(not_found)?;
    let refund = refund_amount(raw, currency.as_ref())?;
    held.check_refund(refund, currency.as_ref(), now)?;
    let (card, items) = held.returned(raw.reclaim_gifts);
    let reclaimed = match raw.reclaim_gifts && held.gift_pack_issued {
        true => reclaim(&mut work, &held, &items)?,
        false => Reclaimed::default(),
    };
    prof.cards.insert(card_id.to_owned(), card);
    work.write(profile::put(shop, member, &prof));
    for write in give_back(snapshot, shop, &held)? {
        work.write(write);
    }
    let money = |m: Money| work.money(m.amount());
    let record = api::render::body(&Returned {
        card_no,
        card_id,
        member_id: member,
        kind: held.kind.as_str(),
        refund_amount: refund.map(money),
        paid: held.paid.map(money),
        reclaimed,
        reason: &raw.reason,
        actor: &who.actor,
        at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
    })?;
    let record_id = work.record_id();
    let kind = RecordKind::Returns;
    work.write(cards::record(
        shop,
        card_id,
        kind,
        now,
        record_id.as_str(),
        &record,
    ));
    work.tell([("card.refunded", record.clone())]);
    work.done(&record)
}

/// The amount the merchant paid back, in the shop's currency (none for a free card).
fn refund_amount(
    raw: &CardRefundRequest,
    currency: Option<&domain::Currency>,
) -> Result<Option<Money>, ApiError> {
    let Some(text) = &raw.refund_amount else {
        return Ok(None);
    };
    let c = currency.ok_or_else(ApiError::not_configured)?;
    Ok(Some(Money::parse_non_negative(text, c)?))
}

/// 000: the card no longer counts as held; a paid card's unit goes back to its stock shard
/// (as the card is split now) and its purchase is marked refunded.
fn give_back(
    snapshot: &Snapshot,
    shop: &domain::ShopId,
    held: &domain::cards::MemberCard,
) -> Result<Vec<store::Write>, ApiError> {
    let card_id = &held.card_id;
    let mut writes = vec![cards::holders(shop, card_id, -1, false)];
    if held.kind == CardKind::Paid {
        let shards = cards::read(snapshot, shop, card_id)?.map_or(1, |d| d.stock_shards);
        let shard = domain::stock::home(held.stock_shard.unwrap_or(0), shards);
        writes.push(cards::return_stock(shop, card_id, shard));
        if let Some(pid) = &held.purchase_id {
            writes.push(purchases::mark_refunded(shop, pid));
        }
    }
    Ok(writes)
}

/// 000: the card's unused gift pack taken back, as far as the balances still hold it (its
/// items are listed as reclaimed). Returns what was taken, as the answer shows it.
fn reclaim(
    work: &mut Work<'_>,
    held: &domain::cards::MemberCard,
    items: &[(String, String)],
) -> Result<Reclaimed, ApiError> {
    let links = BTreeMap::from([
        ("card_id".to_owned(), held.card_id.clone()),
        ("card_no".to_owned(), held.card_no.clone()),
    ]);
    let mut reclaimed = Reclaimed::default();
    if held.gift_points > 0 {
        let taken = work.take_back(AccountKind::Points, held.gift_points, &links)?;
        reclaimed.points = taken;
    }
    let credit = held.gift_credit.amount();
    if credit > Decimal::ZERO {
        let kind = AccountKind::Credit;
        let taken = work.take_back(kind, credit, &links)?;
        reclaimed.credit = work.amount(kind, taken);
    }
    reclaimed.items = items
        .iter()
        .map(|(kind, name)| Item {
            kind: kind.clone(),
            name: name.clone(),
        })
        .collect();
    Ok(reclaimed)
}
