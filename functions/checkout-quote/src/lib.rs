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
use store::{accounts, cards, keys, levels, programs, Snapshot};

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
    let (currency, tz) = (settings.currency, settings.timezone);
    let (lines, shipping) = cart(raw, &currency)?;
    // The member as of now: the level settled to this instant, their live cards.
    let mut profile = store::profile::read(snapshot, shop, member)?;
    let ladder = levels::read(snapshot, shop, &currency)?.0;
    if let Some(l) = &ladder {
        let value = accounts::value_balance(snapshot, shop, member)?;
        profile.standing.settle(l, tz, value, now);
    }
    let summary = cards::read_summary(snapshot, shop)?;
    let held = checkout::benefits(&profile, &summary, ladder.as_ref(), now);
    let (applied, priced) =
        checkout::choose(&held, raw.card_id.as_deref(), &lines, shipping, &currency)?;
    let pays: Vec<Money> = lines
        .iter()
        .zip(&priced.lines)
        .map(|(l, off)| Money::from_stored(l.amount.amount() - off.amount()))
        .collect();
    let total = Money::from_stored(pays.iter().map(Money::amount).sum());
    let render = |m: &Money| m.to_string_in(&currency);
    let factors = summary.member_factors(&profile, ladder.as_ref(), now);
    let points = points_terms(
        snapshot, who, &settings, &lines, &pays, total, &factors, now,
    )?;
    // 001: credit stays spendable while the credit program is off.
    let spendable = |kind| -> Result<Value, ApiError> {
        let account = accounts::read::<Decimal>(snapshot, shop, member, kind)?;
        let balance = Money::from_stored(account.balance_at(now));
        let usable = Money::from_stored(balance.amount().min(total.amount()));
        Ok(json!({"balance": render(&balance), "usable": render(&usable)}))
    };
    let offers = offers(&settings, &summary, &profile, now);
    Ok(json!({
        "member_id": member.as_str(),
        "currency": currency.code(),
        "applied": applied.map(|b| json!({"source": b.source.as_str(), "id": b.id, "name": b.name})),
        "lines": lines.iter().zip(&priced.lines).zip(&pays).map(|((l, off), pays)| json!({
            "sku": l.sku, "amount": render(&l.amount), "discount": render(off), "pays": render(pays),
        })).collect::<Vec<_>>(),
        "discount": render(&priced.discount),
        "free_shipping": applied.is_some_and(|b| b.free_shipping),
        "shipping_discount": render(&priced.shipping_discount),
        "total": render(&total),
        "points": points,
        "credit": spendable(AccountKind::Credit)?,
        "value": spendable(AccountKind::Value)?,
        "offers": offers,
    }))
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
    let money = |t: &str| Money::parse_non_negative(t, currency);
    let lines = raw
        .lines
        .iter()
        .map(|l| {
            Ok(CartLine {
                sku: l.sku.clone(),
                category: l.category.clone(),
                amount: money(&l.amount)?,
                member_discount: l.member_discount,
                promotional: l.promotional,
                member_price: l.member_price,
                campaign: l.campaign,
            })
        })
        .collect::<Result<Vec<_>, domain::MoneyError>>()?;
    let shipping = raw.shipping.as_deref().map(money).transpose()?;
    Ok((lines, shipping.unwrap_or(Money::ZERO)))
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
