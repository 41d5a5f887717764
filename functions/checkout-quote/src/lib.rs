//! POST /checkout/quote: what a member gets for a cart (000, 001, 003): the one membership
//! benefit that applies (the level or a card, the best unless chosen), the discount by
//! line, free shipping, the points the order would earn at today's terms, what points,
//! credit and stored value could pay, and the card the shop guides them to buy. Reads in
//! one BatchGetItem and writes nothing.

use api::{input, render};
use api::{ApiError, Ctx, Reply};
use domain::checkout::{CartLine, MAX_LINES};
use domain::chrono::{DateTime, Utc};
use domain::points::OrderLine;
use domain::{AccountKind, Decimal, Money};
use lambda_http::{Body, Request, Response};
use store::{accounts, keys, programs, Snapshot};

mod request;
mod shown;
use request::RawQuote;
use shown::{lines_view, offers, Applied, PointsTerms, Quote, Spendable};

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
    Reply::ok(&quote(&who, &raw, &snapshot, ctx.now())?)
}

fn quote<'a>(
    who: &'a api::Acting,
    raw: &RawQuote,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> Result<Quote<'a>, ApiError> {
    let shop = &who.shop;
    let member = &who.member;
    let settings = api::require_settings(snapshot, shop)?;
    let currency = settings.currency;
    let (lines, shipping) = cart(raw, &currency)?;
    let wallet = store::coupons::wallet(snapshot, shop, member)?;
    let asked = api::coupons::Asked::parse(raw.coupon_no.as_deref())?;
    let card = raw.card_id.as_deref();
    let (p, held) = api::checkout::price(
        snapshot, who, &settings, &lines, shipping, card, &wallet, &asked, now,
    )?;
    let money = |m: Money| render::Money::of(m, &currency);
    let (profile, summary) = (&held.profile, &held.summary);
    let factors = summary.member_factors(profile, held.ladder.as_ref(), now);
    let points = points_terms(
        snapshot, who, &settings, &lines, &p.pays, p.total, &factors, now,
    )?;
    // 001: credit stays spendable while the credit program is off.
    let spendable = |kind| -> Result<Spendable, ApiError> {
        let account = accounts::read::<Decimal>(snapshot, shop, member, kind)?;
        let balance = Money::from_stored(account.balance_at(now));
        let usable = Money::from_stored(balance.amount().min(p.total.amount()));
        Ok(Spendable {
            balance: money(balance),
            usable: money(usable),
        })
    };
    let applied = p.applied.as_ref();
    Ok(Quote {
        member_id: member,
        currency: currency.code().to_owned(),
        applied: applied.map(|b| Applied {
            source: b.source.as_str(),
            id: b.id.clone(),
            name: b.name.clone(),
        }),
        lines: lines_view(&lines, &p, &currency),
        discount: money(p.benefit.discount),
        free_shipping: applied.is_some_and(|b| b.free_shipping),
        shipping_discount: money(p.benefit.shipping_discount),
        total: money(p.total),
        points,
        credit: spendable(AccountKind::Credit)?,
        value: spendable(AccountKind::Value)?,
        offers: offers(&settings, summary, profile, now),
        coupon: p.coupon_view(&currency),
        coupons: p.ranked,
    })
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
) -> Result<PointsTerms, ApiError> {
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
    Ok(PointsTerms {
        earn,
        balance,
        redeemable,
        redeem_value: render::Money::of(redeem_value, &currency),
    })
}
