//! POST /cards/{card_id}/purchase: reserves one unit of a paid card's stock with an atomic
//! conditional decrement and opens a pending purchase that the payment webhook settles.

use api::input;
use api::purchasing::Lookup;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Reply};
use domain::chrono::TimeDelta;
use domain::stock::Search;
use domain::Refusal;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use store::purchases::Purchase;
use store::{cards, keys, purchases};

pub const OPERATION: &str = "purchase-card";

/// How long a reservation holds its unit of stock while the buyer pays.
pub const RESERVATION: TimeDelta = TimeDelta::minutes(15);

/// Purchase ids are parsed where payments are settled; re-exported for this crate's callers.
pub use api::payments::parse_purchase_id;

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

pub use store::ids::purchase_id as new_purchase_id;

mod buying;
use buying::{hint, Buying};

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::EVERYONE)?;
    let card_id = input::card_id(&req)?.to_string();
    let (member, once) = input::purchase_request(&principal, &req, OPERATION, &card_id)?;
    let hint_key = format!("{}/{card_id}", principal.shop);
    let mut b = Buying {
        purchase_id: new_purchase_id(&card_id, &member),
        search: Search::new(hint(&hint_key, None), store::ids::seed()),
        open: Lookup::new(card_id.clone()),
        card_id,
        chosen: None,
        read_more: false,
    };
    let who = principal.acting(member);
    // API 1.1: each round reads a few of the card's stock shards with the rest and takes a
    // unit from one; a shard emptied meanwhile (the guard) sends the buyer to the others.
    loop {
        let shards = b.search.to_read();
        let (shop, member, card_id) = (&who.shop, &who.member, &b.card_id);
        let mut read = vec![
            keys::settings(shop),
            keys::card(shop, card_id),
            keys::profile(shop, member),
        ];
        read.extend(shards.iter().map(|k| keys::stock_shard(shop, card_id, *k)));
        read.extend(b.open.keys(shop, member));
        let result = api::execute(ctx, shop, once.as_ref(), read, |snapshot, now| {
            decide(&mut b, &shards, Work::open(&who, snapshot, now)?)
        })
        .await;
        hint(&hint_key, Some(b.search.shards()));
        if b.open.again() {
            continue;
        }
        match (result, b.chosen) {
            // The shards read were empty: read others.
            (Err(ApiError::Refused(Refusal::CardSoldOut)), None) if b.read_more => {}
            // The shard chosen was emptied by another buyer first: look elsewhere.
            (Err(ApiError::Refused(Refusal::CardSoldOut)), Some(lost)) => b.search.lost(lost),
            (other, _) => return other,
        }
    }
}

/// 000: a unit from a shard that has one, a pending purchase holding it for 15 minutes; a
/// renewal when the member holds the card still valid; the pending purchase again when the
/// member has one.
fn decide(b: &mut Buying, shards: &[u16], mut work: Work<'_>) -> Result<Decision, ApiError> {
    (b.chosen, b.read_more) = (None, false);
    let (who, snapshot, now) = (work.who, work.snapshot, work.now);
    let (shop, member) = (&who.shop, &who.member);
    // Owned: the round's choices below change `b`.
    let card_id = &b.card_id.clone();
    let def = cards::read(snapshot, shop, card_id)?
        .ok_or_else(|| ApiError::NotFound(format!("no card {card_id:?}")))?;
    let price = def.check_purchase().map_err(ApiError::from)?;
    let currency = *work.currency()?;
    let profile = store::profile::read(snapshot, shop, member)?;
    // 000: a paid card held and still valid is renewed by buying it again (its term moves
    // on from its end); one that cannot be renewed is still refused.
    let renewal = def.renews(profile.cards.get(card_id), now).is_some();
    if !renewal {
        profile.check_not_holding(card_id, now)?;
    }
    // One open purchase a member: buying again answers the pending one.
    let open_version = match b.open.find(snapshot, shop, member, now)? {
        Ok(version) => version,
        Err(pending) => {
            return work.done(&view(&pending, card_id, renewal, &currency));
        }
    };
    let shard = b.take_shard(shop, def.stock_shards, shards, snapshot)?;
    let mut purchase = Purchase::pending(
        b.purchase_id.clone(),
        card_id.clone(),
        member.to_string(),
        price,
        &currency,
        now,
        now + RESERVATION,
    );
    purchase.stock_shard = shard;
    work.write(cards::take_stock(shop, card_id, shard));
    work.write(purchases::put(shop, &purchase));
    work.write(purchases::put_open(shop, &purchase, open_version)?);
    let sold_out = Refusal::CardSoldOut.into();
    work.guard(keys::stock_shard(shop, card_id, shard), sold_out);
    work.created(&view(&purchase, card_id, renewal, &currency))
}

/// A purchase as the buyer sees it (new, or the pending one answered again).
#[derive(Serialize)]
struct Pending<'a> {
    #[serde(flatten)]
    purchase: api::render::Pending<'a>,
    card_id: &'a str,
    renewal: bool,
}

fn view<'a>(
    purchase: &'a Purchase,
    card_id: &'a str,
    renewal: bool,
    currency: &'a domain::Currency,
) -> Pending<'a> {
    Pending {
        purchase: api::render::Pending::of(purchase, currency),
        card_id,
        renewal,
    }
}

#[cfg(test)]
mod tests;
