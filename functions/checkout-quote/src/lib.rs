//! POST /checkout/quote: what a member gets for a cart (000, 001, 003): the one membership
//! benefit that applies (the level or a card, the best unless chosen), the discount by
//! line, free shipping, the points the order would earn at today's terms, what points,
//! credit and stored value could pay, and the card the shop guides them to buy. Reads in
//! one BatchGetItem and writes nothing.

use api::input;
use api::{ApiError, Ctx, Reply};
use domain::checkout::{self, CartLine, MAX_LINES};
use domain::chrono::{DateTime, Utc};
use domain::points::OrderLine;
use domain::{AccountKind, Decimal, Money};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use store::{accounts, keys, programs, Snapshot};

mod request;
use request::RawQuote;

pub const OPERATION: &str = "checkout-quote";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::EVERYONE)?;
    let raw: RawQuote = input::from_value(&input::json_object(&req)?)?;
    if raw.lines.len() > MAX_LINES {
        return Err(ApiError::Invalid(format!(
            "a cart has at most {MAX_LINES} lines"
        )));
    }
    if let Some(card) = &raw.card_id {
        domain::CardId::parse(card)?;
    }
    let member = principal.member_for(raw.member_id.as_deref())?;
    let who = principal.acting(member);
    let snapshot = ctx
        .store
        .load(&who.reads([
            keys::program(&who.shop, keys::Program::Points),
            keys::profile(&who.shop, &who.member),
            keys::card_summary(&who.shop),
            keys::levels(&who.shop),
            keys::account(&who.shop, &who.member, AccountKind::Value),
            keys::wallet(&who.shop, &who.member),
        ]))
        .await?;
    Ok(Reply::ok(&quote(&who, &raw, &snapshot, ctx.now())?))
}

fn quote(
    who: &api::Acting,
    raw: &RawQuote,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> Result<Value, ApiError> {
    let (shop, member) = (&who.shop, &who.member);
    let settings = api::require_settings(snapshot, shop)?;
    let currency = settings.currency;
    let (lines, shipping) = cart(raw, &currency)?;
    let wallet = store::coupons::wallet(snapshot, shop, member)?;
    let asked = api::coupons::Asked::parse(raw.coupon_no.as_deref())?;
    let card = raw.card_id.as_deref();
    let (p, held) = api::checkout::price(
        snapshot, who, &settings, &lines, shipping, card, &wallet, &asked, now,
    )?;
    let render = |m: &Money| m.to_string_in(&currency);
    let (profile, summary) = (&held.profile, &held.summary);
    let factors = summary.member_factors(profile, held.ladder.as_ref(), now);
    let points = points_terms(
        snapshot, who, &settings, &lines, &p.pays, p.total, &factors, now,
    )?;
    // 001: credit stays spendable while the credit program is off.
    let spendable = |kind| -> Result<Value, ApiError> {
        let account = accounts::read::<Decimal>(snapshot, shop, member, kind)?;
        let balance = Money::from_stored(account.balance_at(now));
        let usable = Money::from_stored(balance.amount().min(p.total.amount()));
        Ok(json!({"balance": render(&balance), "usable": render(&usable)}))
    };
    let applied = p.applied.as_ref();
    Ok(json!({
        "member_id": member.as_str(),
        "currency": currency.code(),
        "applied": applied.map(|b| json!({"source": b.source.as_str(), "id": b.id, "name": b.name})),
        "lines": lines_view(&lines, &p, &currency),
        "discount": render(&p.benefit.discount),
        "free_shipping": applied.is_some_and(|b| b.free_shipping),
        "shipping_discount": render(&p.benefit.shipping_discount),
        "total": render(&p.total),
        "points": points,
        "credit": spendable(AccountKind::Credit)?,
        "value": spendable(AccountKind::Value)?,
        "offers": offers(&settings, summary, profile, now),
        "coupon": p.coupon_view(&currency),
        "coupons": p.ranked,
    }))
}

/// Each line: its amount, the benefit's discount, what it then pays, and when a coupon
/// applies, its share of the coupon (a cart without one keeps the shape it had before 1.3).
fn lines_view(
    lines: &[CartLine],
    p: &api::checkout::PricedCart,
    currency: &domain::Currency,
) -> Vec<Value> {
    let render = |m: Money| m.to_string_in(currency);
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut v = json!({"sku": l.sku, "amount": render(l.amount),
                               "discount": render(p.benefit.lines[i]), "pays": render(p.pays[i])});
            if p.coupon.is_some() {
                v["coupon_discount"] = json!(render(Money::from_stored(p.coupon_lines[i])));
            }
            v
        })
        .collect()
}

/// 000 引导购卡: the guide card offered at checkout, when the shop shows it there and the
/// member does not hold it.
fn offers(
    settings: &domain::Settings,
    summary: &domain::cards::CardSummary,
    profile: &domain::member::Profile,
    now: DateTime<Utc>,
) -> Vec<Value> {
    if !settings.guide_on.iter().any(|p| p == "checkout") {
        return Vec::new();
    }
    let render = |m: &Money| m.to_string_in(&settings.currency);
    checkout::guide_offer(summary, settings.guide_card_id.as_deref(), profile, now)
        .map(
            |d| json!({"card_id": d.card_id, "name": d.name, "price": d.price.map(|p| render(&p))}),
        )
        .into_iter()
        .collect()
}

/// The cart's lines and shipping in the shop's currency (the cart must be in it).
fn cart(raw: &RawQuote, currency: &domain::Currency) -> Result<(Vec<CartLine>, Money), ApiError> {
    if !raw.currency.eq_ignore_ascii_case(currency.code()) {
        return Err(ApiError::Invalid(format!(
            "the shop's currency is {currency}, the cart's {}",
            raw.currency
        )));
    }
    api::checkout::cart(&raw.lines, raw.shipping.as_deref(), currency)
}

/// Points at today's terms for what the lines pay (004, 003: rules, exclusions,
/// multipliers, the level's earns-points flag), the balance, and what of it may be redeemed.
#[allow(clippy::too_many_arguments)]
fn points_terms(
    snapshot: &Snapshot,
    who: &api::Acting,
    settings: &domain::Settings,
    lines: &[CartLine],
    pays: &[Money],
    total: Money,
    factors: &domain::points::MemberFactors,
    now: DateTime<Utc>,
) -> Result<Value, ApiError> {
    let (currency, tz) = (settings.currency, settings.timezone);
    let points = accounts::read::<i64>(snapshot, &who.shop, &who.member, AccountKind::Points)?;
    let (versions, _) = programs::read_points(snapshot, &who.shop)?;
    let program = versions.current().filter(|p| p.enabled);
    let order_lines: Vec<OrderLine> = lines
        .iter()
        .zip(pays)
        .map(|(l, pays)| OrderLine {
            sku: l.sku.clone(),
            category: l.category.clone(),
            amount: *pays,
            promotional: l.promotional,
            member_price: l.member_price,
            campaign: l.campaign,
        })
        .collect();
    let earn = program.map_or(0, |p| p.earn(total, &order_lines, now, tz, factors).points);
    let balance = points.balance_at(now);
    let (redeemable, redeem_value) = program.map_or((0, Money::ZERO), |p| {
        p.redeemable(balance, total, now, tz, &currency)
    });
    Ok(
        json!({"earn": earn, "balance": balance, "redeemable": redeemable,
              "redeem_value": redeem_value.to_string_in(&currency)}),
    )
}
