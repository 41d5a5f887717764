//! Payment providers settle purchases: the generic signed webhook and Stripe's. Both sign
//! the same way (HMAC-SHA256 over "<t>.<raw body>", header `t=<unix>,v1=<hex>[,v1=...]`);
//! each names the purchase and the amount in its own shape, which its function turns into a
//! `PaymentEvent`. From there one path settles: the event id is the idempotency key, the
//! amount and currency must match the purchase, and a purchase settled by any event is not
//! settled again.

use domain::chrono::{DateTime, Utc};
use domain::purchase::{PurchaseStatus, Transition};
use domain::{AccountKind, Currency, Decimal, MemberId, Money, Refusal, Settings, ShopId};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use store::{cards, keys, purchases, settings, Snapshot};

use crate::error::ApiError;
use crate::exec::{Decision, Once};
use crate::render;
use crate::reply::Reply;
use crate::work::Work;
use crate::Ctx;

/// Signatures older (or newer) than this are refused: a captured delivery cannot be replayed
/// later (Stripe's default tolerance, both ways).
pub const TOLERANCE_SECS: i64 = 300;

pub use store::ids::parse_purchase_id;

pub fn bad_signature(detail: &str) -> ApiError {
    Refusal::BadSignature(detail.to_owned()).into()
}

/// `t=<unix>,v1=<hex>[,v1=<hex>...]`; other schemes (Stripe's `v0`) are skipped. Several
/// `v1` arrive while a secret is being rotated: any may match.
pub fn parse_signature(header: &str) -> Option<(i64, Vec<Vec<u8>>)> {
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "t" => t = v.parse::<i64>().ok(),
            "v1" => sigs.push(hex::decode(v).ok()?),
            _ => {}
        }
    }
    Some((t?, sigs)).filter(|(_, s)| !s.is_empty())
}

/// Constant-time check of any v1 signature against the secret.
pub fn verify(secret: &str, t: i64, body: &[u8], sigs: &[Vec<u8>]) -> bool {
    sigs.iter().any(|sig| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(sig).is_ok()
    })
}

/// The signature header value a provider would send (tests and local tooling).
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// What the payment did (the purchase state machine is domain::purchase).
pub use domain::purchase::PaymentOutcome as Outcome;

/// The amount as the provider states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paid {
    /// A decimal string in the shop's currency ("99.00"): the generic webhook.
    Decimal(String),
    /// An integer in the currency's minor unit (9900 for MYR 99.00, 990 for JPY 990):
    /// Stripe.
    Minor(i64),
}

/// One provider event, in the terms settling needs.
#[derive(Debug, Clone)]
pub struct PaymentEvent {
    pub id: String,
    pub outcome: Outcome,
    pub purchase_id: String,
    pub paid: Paid,
    /// ISO 4217, as sent (Stripe sends it lower-case).
    pub currency: String,
}

impl PaymentEvent {
    /// The amount in major units, if it is one in `currency`'s minor unit.
    fn amount(&self, shop_currency: Option<&Currency>) -> Option<Decimal> {
        match &self.paid {
            Paid::Decimal(text) => Money::parse(text, shop_currency?).ok().map(|m| m.amount()),
            Paid::Minor(minor) => {
                let currency = Currency::parse(&self.currency.to_ascii_uppercase()).ok()?;
                (*minor >= 0).then(|| Decimal::new(*minor, currency.minor_units()))
            }
        }
    }
}

/// One signed delivery from a provider.
pub struct Delivery<'a> {
    pub shop: ShopId,
    pub operation: &'static str,
    /// Namespaces the event id among idempotency keys ("evt", "stripe").
    pub provider: &'static str,
    /// Which of the shop's secrets verifies this provider's signatures.
    pub secret: fn(&Settings) -> Option<&str>,
    pub signature: Option<&'a str>,
    pub raw: &'a [u8],
    /// The event, read before its signature is checked only to know which keys to load:
    /// `Err` when the body is not the provider's shape, `Ok(None)` for an event this API
    /// does not act on. Nothing in it is trusted until the signature matches.
    pub event: Result<Option<PaymentEvent>, String>,
}

/// A payment provider's webhook, as far as its deliveries differ: the rest (the raw body,
/// the signature's check, settling) is the same for every provider (`receive`).
pub struct Provider {
    /// Namespaces the event id among idempotency keys ("evt", "stripe").
    pub name: &'static str,
    /// Which of the shop's secrets verifies this provider's signatures.
    pub secret: fn(&Settings) -> Option<&str>,
    /// The request header that carries the signature.
    pub signature_header: &'static str,
    /// The provider's body read as a payment event (see `Delivery::event`).
    pub event: fn(&[u8]) -> Result<Option<PaymentEvent>, String>,
}

/// One request to `shop`'s webhook of `provider`, verified and settled (`process`) by
/// `operation`.
pub async fn receive(
    ctx: &Ctx,
    operation: &'static str,
    req: &lambda_http::Request,
    shop: ShopId,
    provider: &Provider,
) -> Result<Reply, ApiError> {
    let raw = crate::input::raw_body(req);
    let delivery = Delivery {
        shop,
        operation,
        provider: provider.name,
        secret: provider.secret,
        signature: crate::input::header(req, provider.signature_header),
        raw,
        event: (provider.event)(raw),
    };
    process(ctx, delivery).await
}

/// Verifies and settles one delivery: 401 before anything else if the signature is bad.
pub async fn process(ctx: &Ctx, d: Delivery<'_>) -> Result<Reply, ApiError> {
    let shop = &d.shop;
    crate::record_shop_id(shop);
    let (t, sigs) = d
        .signature
        .and_then(parse_signature)
        .ok_or_else(|| bad_signature("missing or malformed signature header"))?;
    // abs_diff: a `t` of i64::MIN must be refused, not overflow (security review, issue 31).
    if ctx.now().timestamp().abs_diff(t) > TOLERANCE_SECS.unsigned_abs() {
        return Err(bad_signature("the signature is too old or from the future"));
    }
    let event = d.event.as_ref().ok().and_then(Option::as_ref);
    let target = event.and_then(|e| parse_purchase_id(&e.purchase_id));
    let mut read = vec![keys::settings(shop)];
    if let (Some(e), Some((card, member))) = (event, &target) {
        read.extend([
            keys::purchase(shop, &e.purchase_id),
            keys::profile(shop, member),
            keys::account(shop, member, AccountKind::Points),
            keys::account(shop, member, AccountKind::Credit),
            keys::account(shop, member, AccountKind::Value),
        ]);
        // What the purchase buys: a level (the ladder), a recharge (what a recharge reads;
        // `load` drops the keys read twice), or a card.
        match (
            store::ids::target_level(card),
            store::ids::target_recharge(card),
        ) {
            (Some(_), _) => read.push(keys::levels(shop)),
            (_, Some(rule)) => read.extend(crate::recharge::keys_for(shop, member, rule)),
            _ => read.push(keys::card(shop, card)),
        }
    }
    let once = match event {
        Some(e) => Some(Once {
            key: keys::once::payment_event(d.provider, &e.id)
                .map_err(|_| ApiError::Invalid("the event id is not a valid id".into()))?,
            // What the event settles, not its raw body: a provider's redelivery may differ
            // in fields that settle nothing (Stripe's `pending_webhooks`).
            fingerprint: crate::input::fingerprint(
                d.operation,
                &e.purchase_id,
                &json!({
                    "id": e.id,
                    "outcome": format!("{:?}", e.outcome),
                    "paid": format!("{:?}", e.paid),
                    "currency": e.currency.to_ascii_uppercase(),
                }),
            ),
        }),
        None => None,
    };
    if let Some(once) = &once {
        read.push(keys::idempotency(shop, &once.key));
    }
    let mut late_without_stock = false;
    loop {
        let result = crate::execute(ctx, shop, None, read.clone(), |snapshot, now| {
            let settings = settings::read(snapshot, shop)?;
            let secret = settings
                .as_ref()
                .and_then(d.secret)
                .ok_or_else(|| bad_signature("the shop has no secret for this provider"))?;
            if !verify(secret, t, d.raw, &sigs) {
                return Err(bad_signature("the signature does not match"));
            }
            let event = match &d.event {
                Err(why) => return Err(ApiError::Malformed(why.clone())),
                Ok(None) => return Decision::ok(Vec::new(), &render::IGNORED),
                Ok(Some(e)) => e,
            };
            let (card_id, member) = target
                .as_ref()
                .ok_or_else(|| ApiError::NotFound("no purchase with that reference".into()))?;
            let once = once.as_ref().expect("an event has an id");
            // Replays of this event answer "duplicate" without deciding again; the same id
            // carrying another payment is refused, never taken for the one recorded.
            if let Some(done) = store::idempotency::read(snapshot, shop, &once.key, now)? {
                if done.request_hash != once.fingerprint {
                    return Err(ApiError::IdempotencyKeyReused);
                }
                return Decision::ok(Vec::new(), &render::DUPLICATE);
            }
            let target = Target {
                shop,
                card_id,
                member,
                settings: settings.as_ref(),
            };
            settle(
                snapshot,
                &target,
                d.provider,
                event,
                now,
                late_without_stock,
            )
            .and_then(|dec| with_once(dec, shop, once, now))
        })
        .await;
        match result {
            Err(ApiError::Refused(Refusal::CardSoldOut)) if !late_without_stock => {
                late_without_stock = true;
            }
            other => return other,
        }
    }
}

/// Records the event id in the same transaction, so a redelivery replays "duplicate".
fn with_once(
    mut decision: Decision,
    shop: &ShopId,
    once: &Once,
    now: DateTime<Utc>,
) -> Result<Decision, ApiError> {
    if decision.writes.is_empty() {
        return Ok(decision);
    }
    decision.writes.insert(
        0,
        store::idempotency::put(
            shop,
            &once.key,
            &store::idempotency::Record {
                request_hash: once.fingerprint.clone(),
                status: 200,
                body: render::body(&render::DUPLICATE)?.to_string(),
                created_at: now,
            },
        ),
    );
    Ok(decision)
}

/// The `card.purchased` message: the card issued, its purchase, what was paid (once the
/// shop has a currency) and any gift-pack coupon that could not be issued.
#[derive(serde::Serialize)]
struct Bought<'a> {
    #[serde(flatten)]
    card: render::HeldCard,
    purchase_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    paid: Option<render::Money>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    coupons_not_issued: &'a [serde_json::Value],
}

/// Who settles: the generic provider's events keep their historical actor name.
fn actor_of(provider: &str, event: &PaymentEvent) -> String {
    match provider {
        "evt" => format!("payment:{}", event.id),
        other => format!("{other}:{}", event.id),
    }
}

struct Target<'a> {
    shop: &'a ShopId,
    card_id: &'a str,
    member: &'a MemberId,
    settings: Option<&'a Settings>,
}

fn settle(
    snapshot: &Snapshot,
    to: &Target<'_>,
    provider: &str,
    event: &PaymentEvent,
    now: DateTime<Utc>,
    late_without_stock: bool,
) -> Result<Decision, ApiError> {
    let (shop, card_id) = (to.shop, to.card_id);
    let pid = event.purchase_id.as_str();
    let mut purchase = purchases::read(snapshot, shop, pid)?
        .ok_or_else(|| ApiError::NotFound("no purchase with that reference".into()))?;
    let stated = match &event.paid {
        Paid::Decimal(t) => t.clone(),
        Paid::Minor(m) => format!("{m} (minor units)"),
    };
    let amount = event.amount(to.settings.map(|s| &s.currency));
    purchase.check_paid(amount, &event.currency, &stated)?;
    let who = crate::Acting {
        shop: shop.clone(),
        member: to.member.clone(),
        actor: actor_of(provider, event),
    };
    // The settings this closure already read, not decoded again.
    let work = Work::with(&who, snapshot, now, to.settings.cloned());
    enum Stockless<'a> {
        Recharge(Option<&'a str>),
        Level(&'a str),
    }
    let bought = match (
        store::ids::target_recharge(card_id),
        store::ids::target_level(card_id),
    ) {
        (Some(rule), _) => Stockless::Recharge(rule),
        (None, Some(level_id)) => Stockless::Level(level_id),
        (None, None) => {
            return settle_card(work, card_id, purchase, event.outcome, late_without_stock)
        }
    };
    // A level or a recharge has no stock: an event that pays nothing settles here
    // (`Purchase::settle_stockless`); a payment lands what was bought.
    if let Some(answer) = crate::purchasing::stockless(shop, &mut purchase, event.outcome) {
        return answer;
    }
    purchase.paid_at = Some(now);
    match bought {
        Stockless::Recharge(rule) => crate::recharge::settle_online(work, rule, purchase),
        Stockless::Level(level_id) => crate::levels::settle_paid_upgrade(work, level_id, purchase),
    }
}

/// 000: a card's payment: paid, the card is issued from the unit reserved (or, paid after
/// its reservation lapsed, from its shard if one is left); failed, the unit goes back.
fn settle_card(
    mut work: Work<'_>,
    card_id: &str,
    mut purchase: domain::purchase::Purchase,
    outcome: domain::purchase::PaymentOutcome,
    late_without_stock: bool,
) -> Result<Decision, ApiError> {
    let (snapshot, now) = (work.snapshot, work.now);
    let (shop, member) = (&work.who.shop, &work.who.member);
    let def = cards::read(snapshot, shop, card_id)?;
    // The unit's shard, as the card is split now (`domain::stock::home`).
    let shards = def.as_ref().map_or(1, |d| d.stock_shards);
    let home = domain::stock::home(purchase.stock_shard, shards);
    let reserved = match purchase.on_payment(outcome, late_without_stock) {
        Transition::Ignore => return work.done(&crate::render::PROCESSED),
        Transition::AlreadySettled => return work.done(&crate::render::DUPLICATE),
        Transition::Release => {
            purchase.status = PurchaseStatus::Failed;
            work.write(purchases::put(shop, &purchase));
            work.write(cards::return_stock(shop, card_id, home));
            return work.done(&crate::render::PROCESSED);
        }
        Transition::RefundDue => {
            purchase.paid_at = Some(now);
            purchase.status = PurchaseStatus::RefundDue;
            work.write(purchases::put(shop, &purchase));
            return work.done(&crate::render::PROCESSED);
        }
        Transition::Pay { reserved } => reserved,
    };
    purchase.paid_at = Some(now);
    if !reserved {
        // Paid after its reservation lapsed: a unit again from its own shard if it has one.
        work.write(cards::take_stock(shop, card_id, home));
        let sold_out = Refusal::CardSoldOut.into();
        work.guard(keys::stock_shard(shop, card_id, home), sold_out);
    }
    let def = def.ok_or_else(|| ApiError::NotFound("the card no longer exists".into()))?;
    let terms = crate::issuing::Terms {
        paid: Some(purchase.amount),
        purchase_id: Some(purchase.purchase_id.clone()),
        stock_shard: Some(home),
        require_enabled: false,
    };
    let (card, granted) = work.issue_card(&def, terms)?;
    purchase.status = PurchaseStatus::Paid;
    let bought = render::body(&Bought {
        card: render::HeldCard::new(&card, member, now),
        purchase_id: &purchase.purchase_id,
        paid: work
            .configured()
            .map(|s| render::Money::of(purchase.amount, &s.currency)),
        coupons_not_issued: &granted.not_issued,
    })?;
    purchase.card_no = Some(card.card_no);
    work.write(purchases::put(shop, &purchase));
    work.tell([("card.purchased", bought)]);
    work.tell(granted.told);
    work.done(&crate::render::PROCESSED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_with_the_secret_the_time_and_the_exact_body() {
        let header = sign("whsec_0123456789abcdef", 1_700_000_000, b"{\"a\":1}");
        let (t, sigs) = parse_signature(&header).unwrap();
        assert_eq!(t, 1_700_000_000);
        assert!(verify("whsec_0123456789abcdef", t, b"{\"a\":1}", &sigs));
        assert!(!verify("whsec_0123456789abcdef", t, b"{\"a\":2}", &sigs));
        assert!(!verify("whsec_other_secret_00", t, b"{\"a\":1}", &sigs));
        assert!(!verify(
            "whsec_0123456789abcdef",
            t + 1,
            b"{\"a\":1}",
            &sigs
        ));
        for bad in ["", "t=1", "v1=00", "t=x,v1=00", "t=1,v1=zz"] {
            assert!(parse_signature(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn during_a_rotation_any_v1_may_match_and_v0_is_ignored() {
        let body = b"{\"id\":\"evt_1\"}";
        let new = sign("whsec_new_secret_0123456789", 1_700_000_000, body);
        let old = sign("whsec_old_secret_0123456789", 1_700_000_000, body);
        let v1_new = new.split_once(",v1=").unwrap().1;
        let v1_old = old.split_once(",v1=").unwrap().1;
        let header = format!("t=1700000000,v1={v1_old},v1={v1_new},v0=deadbeef");
        let (t, sigs) = parse_signature(&header).unwrap();
        assert!(verify("whsec_new_secret_0123456789", t, body, &sigs));
        assert!(verify("whsec_old_secret_0123456789", t, body, &sigs));
        assert!(!verify("whsec_third_secret_01234567", t, body, &sigs));
    }

    #[test]
    fn minor_units_follow_the_currency_zero_decimal_yen_included() {
        let ev = |minor, currency: &str| PaymentEvent {
            id: "evt_1".into(),
            outcome: Outcome::Succeeded,
            purchase_id: "p".into(),
            paid: Paid::Minor(minor),
            currency: currency.into(),
        };
        assert_eq!(ev(9900, "myr").amount(None), Some(Decimal::new(9900, 2)));
        assert_eq!(ev(990, "jpy").amount(None), Some(Decimal::from(990)));
        assert_eq!(ev(1500, "kwd").amount(None), Some(Decimal::new(1500, 3)));
        assert_eq!(ev(-1, "myr").amount(None), None);
        assert_eq!(ev(1, "xx").amount(None), None);
    }
}
