//! A coupon spent on an order (API 1.3): `{"member_id", "coupon_no", "lines", "shipping",
//! "card_id"}` priced exactly as the quote prices that cart (`api::checkout::price`), the
//! coupon marked used with the order in the member's wallet. One coupon an order, and a
//! coupon used by one order at most, whatever the races: the wallet's version decides.

use api::checkout::RawLine;
use api::coupons::Asked;
use api::input::fingerprint;
use api::render::Money;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Principal, Reply};
use domain::coupon::{CouponNo, State};
use domain::{OrderId, Refusal};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{coupons, keys};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    member_id: Option<String>,
    coupon_no: String,
    #[serde(default)]
    lines: Vec<RawLine>,
    #[serde(default)]
    shipping: Option<String>,
    #[serde(default)]
    card_id: Option<String>,
}

/// What one coupon redemption is: which coupon, for which cart (the order is `on_order`'s).
struct CouponRedemption {
    no: CouponNo,
    raw: Raw,
}

pub(crate) async fn handle(
    ctx: &Ctx,
    principal: &Principal,
    order_id: &OrderId,
    body: &Value,
) -> Result<Reply, ApiError> {
    let raw: Raw = api::input::from_value(body)?;
    let member = principal.member_for(raw.member_id.as_deref())?;
    if let Some(card) = &raw.card_id {
        domain::CardId::parse(card)?;
    }
    // A number that cannot be one is no coupon of the member's (404, naming nothing).
    let no = CouponNo::parse(&raw.coupon_no).ok_or(Refusal::CouponNotFound)?;
    let once = Once {
        key: keys::once::coupon_redemption(order_id, no.as_str())?,
        fingerprint: fingerprint(crate::OPERATION, &format!("{order_id}/{member}"), body),
    };
    let who = principal.acting(member);
    let read = [
        keys::order(&who.shop, order_id),
        keys::profile(&who.shop, &who.member),
        keys::card_summary(&who.shop),
        keys::levels(&who.shop),
        keys::wallet(&who.shop, &who.member),
    ];
    let asked = CouponRedemption { no, raw };
    api::work::on_order(ctx, &who, &once, read, order_id, &asked, decide).await
}

fn decide(
    mut work: Work<'_>,
    order_id: &OrderId,
    asked: &CouponRedemption,
) -> Result<Decision, ApiError> {
    let (shop, member, now) = (&work.who.shop, &work.who.member, work.now);
    let order = work.order(order_id)?;
    let mut wallet = coupons::wallet(work.snapshot, shop, member)?;
    if let Some(spent) = wallet.spent_on(order_id.as_str()) {
        if spent.coupon_no != asked.no {
            return Err(Refusal::CouponAlreadyApplied.into());
        }
    }
    let currency = *work.currency()?;
    let raw = &asked.raw;
    let (lines, shipping) = api::checkout::cart(&raw.lines, raw.shipping.as_deref(), &currency)?;
    let (priced, _) = api::checkout::price(
        work.snapshot,
        work.who,
        work.settings()?,
        &lines,
        shipping,
        raw.card_id.as_deref(),
        &wallet,
        &Asked::Number(asked.no.clone()),
        now,
    )?;
    let Some((used, with)) = &priced.coupon else {
        return Err(Refusal::CouponNotFound.into());
    };
    let body = Used {
        order_id,
        member_id: member,
        coupon_no: used.coupon_no.as_str().to_owned(),
        discount: Money::new(with.price.discount, Some(&currency)),
        shipping_discount: Money::new(with.price.shipping_discount, Some(&currency)),
        lines: UsedLine::of(&lines, &priced.coupon_lines, &currency),
    };
    let (coupon_id, shard) = (used.coupon_id.clone(), used.shard);
    if let Some(c) = wallet.find_mut(&asked.no) {
        c.state = State::Used {
            order_id: Some(order_id.to_string()),
            at: now,
            discount: with.price.saving(),
        };
    }
    let told = api::render::body(&Told {
        used: &body,
        name: &used.name,
    })?;
    work.write(coupons::put_wallet(shop, member, &wallet));
    work.write(coupons::count_use(shop, &coupon_id, shard, 1));
    // The order now belongs to this member (API 1.3 "Safety").
    work.put_order(order_id, &order);
    Ok(work.done(&body)?.tell([("coupon.used", told)]))
}

/// A coupon used on an order, as answered: what it took off, line by line.
#[derive(Serialize)]
struct Used<'a> {
    order_id: &'a OrderId,
    member_id: &'a domain::MemberId,
    coupon_no: String,
    discount: Money,
    shipping_discount: Money,
    lines: Vec<UsedLine>,
}

/// A line of the cart and its share of the coupon.
#[derive(Serialize)]
struct UsedLine {
    sku: Option<String>,
    coupon_discount: Money,
}

impl UsedLine {
    fn of(
        lines: &[domain::checkout::CartLine],
        shares: &[domain::Decimal],
        currency: &domain::Currency,
    ) -> Vec<Self> {
        lines
            .iter()
            .zip(shares)
            .map(|(l, off)| UsedLine {
                sku: l.sku.clone(),
                coupon_discount: Money::new(*off, Some(currency)),
            })
            .collect()
    }
}

/// The `coupon.used` message: the answer and the coupon's name.
#[derive(Serialize)]
struct Told<'a> {
    #[serde(flatten)]
    used: &'a Used<'a>,
    name: &'a str,
}
