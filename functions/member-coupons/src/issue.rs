//! Issuing into a member's wallet: a member taking a coupon themselves (per-member limit,
//! claimable) and staff issuing 1-50 (admin, owner). One transaction each: the counters'
//! conditional takes, each number's unique item, the wallet under its version, the
//! idempotency record and the `coupon.issued` messages.

use std::collections::BTreeMap;
use std::sync::Mutex;

use api::input::{self, fingerprint};
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Reply};
use domain::coupon::{Definition, Source, DEFAULT_SHARDS, MAX_QUANTITY};
use domain::{MemberId, Refusal};
use lambda_http::Request;
use serde::Deserialize;
use serde_json::{json, Value};
use store::{coupons, keys};

use crate::OPERATION;

/// The shard count last seen per coupon in this instance: where the next issue's one read
/// looks. A stale hint costs one more read, never a coupon.
fn hint(coupon: &str, learned: Option<u16>) -> u16 {
    static SEEN: Mutex<BTreeMap<String, u16>> = Mutex::new(BTreeMap::new());
    let Ok(mut seen) = SEEN.lock() else {
        return DEFAULT_SHARDS;
    };
    match learned {
        Some(n) => {
            seen.insert(coupon.to_owned(), n);
            n
        }
        None => seen.get(coupon).copied().unwrap_or(DEFAULT_SHARDS),
    }
}

/// What one issue is: to whom, of what, how many, from where.
struct Asked<'a> {
    who: api::Acting,
    coupon_id: &'a str,
    quantity: u64,
    source: Source,
}

/// Reads the member's wallet, profile, the definition and its counters in one batch and
/// decides; when the definition has more counters than were read, reads again with them.
async fn run(ctx: &Ctx, once: &Once, asked: &Asked<'_>) -> Result<Reply, ApiError> {
    let (shop, member) = (&asked.who.shop, &asked.who.member);
    let hint_key = format!("{shop}/{}", asked.coupon_id);
    loop {
        let shards = hint(&hint_key, None);
        let mut read = vec![keys::wallet(shop, member), keys::profile(shop, member)];
        read.extend(api::coupons::issue_keys(shop, asked.coupon_id, shards));
        let mut seen = None;
        let result = api::execute(ctx, shop, Some(once), read, |snapshot, now| {
            let def = coupons::read(snapshot, shop, asked.coupon_id)?
                .ok_or_else(|| ApiError::NotFound(format!("no coupon {:?}", asked.coupon_id)))?;
            if def.stock_shards != shards {
                seen = Some(def.stock_shards);
                return Err(ApiError::Contention);
            }
            decide(asked, &def, Work::new(&asked.who, snapshot, now)?)
        })
        .await;
        match seen {
            Some(n) if n != shards => {
                hint(&hint_key, Some(n));
            }
            _ => return result,
        }
    }
}

fn decide(asked: &Asked<'_>, def: &Definition, mut work: Work<'_>) -> Result<Decision, ApiError> {
    let (snapshot, now, tz) = (work.snapshot, work.now, work.tz());
    let (shop, member) = (&asked.who.shop, &asked.who.member);
    if store::profile::read_any(snapshot, shop, member)?
        .erased_at
        .is_some()
    {
        return Err(Refusal::MemberErased.into());
    }
    let mut wallet = coupons::wallet(snapshot, shop, member)?;
    if asked.source == Source::Claim {
        def.check_claim(wallet.claimed(&def.coupon_id))?;
    }
    let mut writes = Vec::new();
    let (quantity, source) = (asked.quantity, asked.source);
    let issued = api::coupons::issue(
        snapshot,
        shop,
        member,
        def,
        quantity,
        source,
        &mut wallet,
        &mut writes,
        tz,
        now,
    )?;
    work.extend(writes);
    work.write(coupons::put_wallet(shop, member, &wallet));
    let currency = work.currency().ok();
    let views: Vec<_> = issued
        .iter()
        .filter_map(|no| wallet.find(no))
        .map(|c| api::coupons::member_coupon(c, currency, tz, now))
        .collect();
    // `coupon.issued`, one message a coupon.
    for v in &views {
        work.tell([("coupon.issued", api::coupons::told_coupon(v, member)?)]);
    }
    match asked.source {
        // A claim takes one coupon and is answered with it.
        Source::Claim => match views.first() {
            Some(one) => work.created(one),
            None => work.created(&Value::Null),
        },
        _ => work.created(&api::render::Items { items: views }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimBody {
    #[serde(default)]
    member_id: Option<String>,
}

/// `POST /coupons/{coupon_id}/claim`: a customer for themselves, staff naming the member.
pub(crate) async fn claim(ctx: &Ctx, req: &Request, coupon_id: &str) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, req, api::EVERYONE)?;
    let body = if input::raw_body(req).is_empty() {
        json!({})
    } else {
        input::json_object(req)?
    };
    let raw: ClaimBody = input::from_value(&body)?;
    let member = principal.member_for(raw.member_id.as_deref())?;
    let once = Once {
        key: input::required_idempotency_key(req)?,
        fingerprint: fingerprint(OPERATION, &format!("claim/{coupon_id}/{member}"), &body),
    };
    let asked = Asked {
        who: principal.acting(member),
        coupon_id,
        quantity: 1,
        source: Source::Claim,
    };
    run(ctx, &once, &asked).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffBody {
    coupon_id: String,
    #[serde(default = "one")]
    quantity: u32,
    #[serde(default)]
    reason: String,
}

fn one() -> u32 {
    1
}

/// `POST /members/{member_id}/coupons` (admin, owner): 1-50 coupons, all or none.
pub(crate) async fn staff(ctx: &Ctx, req: &Request, member: &str) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, req, api::MANAGERS)?;
    let member = MemberId::parse(member)?;
    let body = input::json_object(req)?;
    let raw: StaffBody = input::from_value(&body)?;
    if raw.quantity == 0 || raw.quantity > MAX_QUANTITY {
        return Err(ApiError::Invalid(format!("quantity is 1-{MAX_QUANTITY}")));
    }
    if raw.reason.chars().count() > 200 {
        return Err(ApiError::Invalid("reason is at most 200 characters".into()));
    }
    let coupon_id = input::coupon_id(&raw.coupon_id)?;
    let once = Once {
        key: input::required_idempotency_key(req)?,
        fingerprint: fingerprint(OPERATION, &format!("issue/{member}"), &body),
    };
    let asked = Asked {
        who: principal.acting(member),
        coupon_id: &coupon_id,
        quantity: u64::from(raw.quantity),
        source: Source::Staff,
    };
    run(ctx, &once, &asked).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_is_what_was_last_learned_for_that_coupon() {
        assert_eq!(hint("s/c1", None), DEFAULT_SHARDS);
        assert_eq!(hint("s/c1", Some(16)), 16);
        assert_eq!(hint("s/c1", None), 16);
        assert_eq!(hint("s/c2", None), DEFAULT_SHARDS);
    }
}
