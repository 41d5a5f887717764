//! POST /webhooks/payments: the payment provider settles a purchase. Signed with
//! HMAC-SHA256 over "<t>.<raw body>" with the shop's webhook secret; the event id is the
//! idempotency key; amount and currency must match the purchase.

use api::input;
use api::issuing::{self, Issuance};
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::cards::ClaimRefusal;
use domain::chrono::{DateTime, Utc};
use domain::{AccountKind, IdempotencyKey, MemberId, Money, ShopId};
use hmac::{Hmac, Mac};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;
use store::purchases::PurchaseStatus;
use store::{cards, keys, purchases, settings, Snapshot};

pub const OPERATION: &str = "payment-webhook";
/// Signatures older (or newer) than this are refused: a captured delivery cannot be replayed
/// later.
pub const TOLERANCE_SECS: i64 = 300;

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

fn bad_signature(detail: &str) -> ApiError {
    ApiError::Rule {
        status: StatusCode::UNAUTHORIZED,
        code: "bad_signature",
        detail: detail.to_owned(),
    }
}

/// `t=<unix>,v1=<hex>[,v1=<hex>...]`
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

#[derive(Debug, Deserialize)]
struct RawData {
    reference: String,
    amount: String,
    currency: String,
}

#[derive(Debug, Deserialize)]
struct RawEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: RawData,
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let shop = header(&req, "webhook-shop")
        .and_then(|s| ShopId::parse(s).ok())
        .ok_or_else(|| bad_signature("missing or invalid Webhook-Shop"))?;
    api::record_shop_id(&shop);
    let (t, sigs) = header(&req, "webhook-signature")
        .and_then(parse_signature)
        .ok_or_else(|| bad_signature("missing or malformed Webhook-Signature"))?;
    let now = ctx.now();
    if (now.timestamp() - t).abs() > TOLERANCE_SECS {
        return Err(bad_signature("the signature is too old or from the future"));
    }
    let raw: &[u8] = match req.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    // The event is parsed before its signature is checked only to know which keys to read:
    // nothing in it is trusted, or written, until the signature matches.
    let event: Option<RawEvent> = serde_json::from_slice(raw).ok();
    let target = event.as_ref().and_then(|e| {
        let (card, member) = purchase_card::parse_purchase_id(&e.data.reference)?;
        Some((e.data.reference.clone(), card, member))
    });
    let mut read = vec![keys::settings(&shop)];
    if let Some((pid, card, member)) = &target {
        read.extend([
            keys::purchase(&shop, pid),
            keys::card(&shop, card),
            keys::profile(&shop, member),
            keys::account(&shop, member, AccountKind::Points),
            keys::account(&shop, member, AccountKind::Credit),
        ]);
    }
    let once = match &event {
        Some(e) => Some(Once {
            key: IdempotencyKey::parse(&format!("evt.{}", e.id))
                .map_err(|_| ApiError::Invalid("the event id is not a valid id".into()))?,
            fingerprint: input::fingerprint(
                OPERATION,
                "",
                &serde_json::from_slice(raw).unwrap_or_default(),
            ),
        }),
        None => None,
    };
    if let Some(once) = &once {
        read.push(keys::idempotency(&shop, &once.key));
    }
    let mut late_without_stock = false;
    loop {
        let result = api::execute(ctx, &shop, None, read.clone(), |snapshot, now| {
            let secret = settings::read(snapshot, &shop)?
                .and_then(|s| s.webhook_secret)
                .ok_or_else(|| bad_signature("the shop has no webhook secret"))?;
            if !verify(&secret, t, raw, &sigs) {
                return Err(bad_signature("the signature does not match"));
            }
            let event = event.as_ref().ok_or_else(|| {
                ApiError::Malformed("the event is not valid JSON of the documented shape".into())
            })?;
            let (pid, card_id, member) = target
                .as_ref()
                .ok_or_else(|| ApiError::NotFound("no purchase with that reference".into()))?;
            // Replays of this event id answer "duplicate" without deciding again.
            let once = once.as_ref().expect("an event has an id");
            if store::idempotency::read(snapshot, &shop, &once.key, now)?.is_some() {
                return Ok(Decision::ok(Vec::new(), json!({"status": "duplicate"})));
            }
            settle(
                snapshot,
                &shop,
                event,
                pid,
                card_id,
                member,
                now,
                late_without_stock,
            )
            .map(|d| d.with_once(&shop, once, now))
        })
        .await;
        match result {
            Err(ApiError::Rule {
                code: "card_sold_out",
                ..
            }) if !late_without_stock => {
                late_without_stock = true;
            }
            other => return other,
        }
    }
}

trait WithOnce {
    fn with_once(self, shop: &ShopId, once: &Once, now: DateTime<Utc>) -> Self;
}

impl WithOnce for Decision {
    /// Records the event id in the same transaction, so a redelivery replays "duplicate".
    fn with_once(mut self, shop: &ShopId, once: &Once, now: DateTime<Utc>) -> Self {
        if self.writes.is_empty() {
            return self;
        }
        self.writes.insert(
            0,
            store::idempotency::put(
                shop,
                &once.key,
                &store::idempotency::Record {
                    request_hash: once.fingerprint.clone(),
                    status: 200,
                    body: json!({"status": "duplicate"}).to_string(),
                    created_at: now,
                },
            ),
        );
        self.guards = self.guards.into_iter().map(|(i, e)| (i + 1, e)).collect();
        self
    }
}

#[allow(clippy::too_many_arguments)]
fn settle(
    snapshot: &Snapshot,
    shop: &ShopId,
    event: &RawEvent,
    pid: &str,
    card_id: &str,
    member: &MemberId,
    now: DateTime<Utc>,
    late_without_stock: bool,
) -> Result<Decision, ApiError> {
    let mut purchase = purchases::read(snapshot, shop, pid)?
        .ok_or_else(|| ApiError::NotFound("no purchase with that reference".into()))?;
    let settings = settings::read(snapshot, shop)?;
    let currency = settings.as_ref().map(|s| s.currency);
    let amount = currency
        .as_ref()
        .and_then(|c| Money::parse(&event.data.amount, c).ok());
    if amount != Some(purchase.amount) || event.data.currency != purchase.currency {
        return Err(ApiError::Rule {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "amount_mismatch",
            detail: format!(
                "the purchase is {} {}, the payment {} {}",
                purchase.amount, purchase.currency, event.data.amount, event.data.currency
            ),
        });
    }
    let processed = json!({"status": "processed"});
    let mut writes = Vec::new();
    match event.kind.as_str() {
        "payment.failed" => {
            if purchase.status == PurchaseStatus::Pending {
                purchase.status = PurchaseStatus::Failed;
                writes.push(purchases::put(shop, &purchase));
                writes.push(cards::return_stock(shop, card_id));
            }
            Ok(Decision::ok(writes, processed))
        }
        "payment.succeeded" => {
            let reserved = purchase.status == PurchaseStatus::Pending;
            match purchase.status {
                PurchaseStatus::Pending | PurchaseStatus::Failed | PurchaseStatus::Expired => {}
                // Already settled by another event: nothing more to do.
                _ => return Ok(Decision::ok(Vec::new(), json!({"status": "duplicate"}))),
            }
            purchase.paid_at = Some(now);
            if late_without_stock {
                // 000: paid after the reservation was released and nothing is left: the
                // payment is recorded and marked for refund, no card is issued.
                purchase.status = PurchaseStatus::RefundDue;
                writes.push(purchases::put(shop, &purchase));
                return Ok(Decision::ok(writes, processed));
            }
            if !reserved {
                writes.push(cards::take_stock(shop, card_id));
            }
            let def = cards::read(snapshot, shop, card_id)?
                .ok_or_else(|| ApiError::NotFound("the card no longer exists".into()))?;
            let actor = format!("payment:{}", event.id);
            let card = issuing::issue_card(
                snapshot,
                &def,
                &Issuance {
                    shop,
                    member,
                    actor: &actor,
                    settings: settings.as_ref(),
                    now,
                    paid: Some(purchase.amount),
                    purchase_id: Some(pid.to_owned()),
                    require_enabled: false,
                },
                &mut writes,
            )?;
            purchase.status = PurchaseStatus::Paid;
            purchase.card_no = Some(card.card_no);
            writes.push(purchases::put(shop, &purchase));
            let decision = Decision::ok(writes, processed);
            Ok(if reserved {
                decision
            } else {
                decision.guard(0, issuing::refusal(ClaimRefusal::SoldOut))
            })
        }
        other => Err(ApiError::Invalid(format!("unknown event type {other:?}"))),
    }
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
}
