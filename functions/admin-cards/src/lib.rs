//! /admin/cards: benefit card definitions (create, list, get, patch, delete) and each
//! card's claim and return records (owner, admin).

use api::input;
use api::{ApiError, Ctx, Decision, Reply, MANAGERS};
use domain::cards::{CardDef, CardKind, CardRule, GiftPack, Validity, MAX_NAME_CHARS};
use domain::chrono::NaiveDate;
use domain::{Currency, Money, Settings, ShopId};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use rand::Rng;
use serde::Deserialize;
use serde_json::{json, Value};
use store::keys::{self, RecordKind};
use store::{cards, settings, Snapshot};

pub const OPERATION: &str = "admin-cards";
const MAX_STOCK: u64 = 10_000_000;

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let shop = principal.shop.clone();
    let card_id = input::path_param(&req, "card_id").ok();
    let path = req.uri().path().trim_end_matches('/').to_owned();
    match (req.method().clone(), card_id) {
        (Method::POST, None) => {
            let body = input::json_object(&req)?;
            // No natural key in a new definition: a client that may retry sends one.
            let once = input::idempotency_key(&req)?.map(|key| api::Once {
                fingerprint: input::fingerprint(OPERATION, "create", &body),
                key,
            });
            create(ctx, &shop, once.as_ref(), &body).await
        }
        (Method::GET, None) => list(ctx, &shop).await,
        (Method::GET, Some(id)) if path.ends_with("/claims") => {
            records(ctx, &req, &shop, &id, RecordKind::Claims).await
        }
        (Method::GET, Some(id)) if path.ends_with("/returns") => {
            records(ctx, &req, &shop, &id, RecordKind::Returns).await
        }
        (Method::GET, Some(id)) => get(ctx, &shop, &id).await,
        (Method::PATCH, Some(id)) => patch(ctx, &shop, &id, &input::json_object(&req)?).await,
        (Method::DELETE, Some(id)) => delete(ctx, &shop, &id).await,
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}

fn check_card_id(id: &str) -> Result<(), ApiError> {
    domain::MemberId::parse(id)
        .map(|_| ())
        .map_err(|_| ApiError::NotFound(format!("no card {id:?}")))
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum RawValidity {
    Permanent,
    Days {
        days: u32,
    },
    Range {
        #[serde(deserialize_with = "domain::time::serde_date::deserialize")]
        from: NaiveDate,
        #[serde(deserialize_with = "domain::time::serde_date::deserialize")]
        until: NaiveDate,
    },
}

#[derive(Debug, Deserialize, Default)]
struct RawGiftPack {
    #[serde(default)]
    points: i64,
    #[serde(default)]
    credit: Option<String>,
    #[serde(default)]
    coupons: Vec<String>,
    #[serde(default)]
    gifts: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawRule {
    #[serde(default)]
    cumulative_spend: Option<String>,
    #[serde(default)]
    orders: Option<u64>,
    #[serde(default)]
    points: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct RawCard {
    kind: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    service_phone: String,
    #[serde(default)]
    validity: Option<RawValidity>,
    #[serde(default)]
    benefits: Option<Value>,
    #[serde(default)]
    gift_pack: Option<RawGiftPack>,
    #[serde(default)]
    require_phone: bool,
    #[serde(default)]
    price: Option<String>,
    #[serde(default)]
    stock: Option<u64>,
    #[serde(default)]
    rule: Option<RawRule>,
}

#[derive(Debug, Deserialize, Default)]
struct RawPatch {
    name: Option<String>,
    description: Option<String>,
    service_phone: Option<String>,
    validity: Option<RawValidity>,
    benefits: Option<Value>,
    gift_pack: Option<RawGiftPack>,
    require_phone: Option<bool>,
    status: Option<String>,
    listed: Option<bool>,
    stock: Option<u64>,
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::Invalid(msg.into())
}

fn validity(raw: Option<RawValidity>) -> Result<Validity, ApiError> {
    let v = match raw {
        None | Some(RawValidity::Permanent) => Validity::Permanent,
        Some(RawValidity::Days { days }) => Validity::Days(days),
        Some(RawValidity::Range { from, until }) => Validity::Range { from, until },
    };
    v.check().map_err(|e| invalid(e.to_string()))?;
    Ok(v)
}

fn name(raw: &str) -> Result<String, ApiError> {
    let n = raw.trim();
    if n.is_empty() || n.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "name must be 1-{MAX_NAME_CHARS} characters"
        )));
    }
    Ok(n.to_owned())
}

/// 000: free shipping, discount (80 = 20 % off), points multiplier, trial, custom text.
fn benefits(raw: Option<Value>) -> Result<Value, ApiError> {
    let Some(raw) = raw else {
        return Ok(json!([]));
    };
    let list = raw
        .as_array()
        .ok_or_else(|| invalid("benefits must be a list"))?;
    for b in list {
        match b["kind"].as_str() {
            Some("discount") => match b["percent"].as_u64() {
                Some(p) if (1..=99).contains(&p) => {}
                _ => return Err(invalid("a discount's percent is 1-99 (80 = 20% off)")),
            },
            Some("points_multiplier") => match b["factor"]
                .as_str()
                .and_then(|f| f.parse::<domain::Decimal>().ok())
            {
                Some(f) if f > domain::Decimal::ONE && f <= domain::Decimal::from(100) => {}
                _ => {
                    return Err(invalid(
                        "a points multiplier's factor is a decimal string above 1",
                    ))
                }
            },
            Some("custom") if b["text"].as_str().is_some_and(|t| !t.trim().is_empty()) => {}
            Some("free_shipping") | Some("trial") => {}
            _ => return Err(invalid(format!("unknown or incomplete benefit {b}"))),
        }
    }
    Ok(raw)
}

fn gift_pack(raw: Option<RawGiftPack>, currency: Option<&Currency>) -> Result<GiftPack, ApiError> {
    let Some(raw) = raw else {
        return Ok(GiftPack::default());
    };
    if raw.points < 0 || raw.points > 1_000_000_000 {
        return Err(invalid("gift pack points must be 0-1000000000"));
    }
    let credit = match raw.credit {
        None => Money::ZERO,
        Some(text) => {
            let currency = currency.ok_or_else(ApiError::not_configured)?;
            Money::parse_non_negative(&text, currency)?
        }
    };
    let clean = |v: Vec<String>| -> Result<Vec<String>, ApiError> {
        if v.len() > 20 || v.iter().any(|s| s.trim().is_empty() || s.len() > 100) {
            return Err(invalid(
                "coupons and gifts: at most 20 names of 1-100 characters",
            ));
        }
        Ok(v)
    };
    Ok(GiftPack {
        points: raw.points,
        credit,
        coupons: clean(raw.coupons)?,
        gifts: clean(raw.gifts)?,
    })
}

fn new_card_id() -> String {
    let mut rng = rand::thread_rng();
    let tail: String = (0..12)
        .map(|_| char::from(b"abcdefghijkmnpqrstuvwxyz23456789"[rng.gen_range(0..32)]))
        .collect();
    format!("card_{tail}")
}

fn parse_card(
    body: &Value,
    settings: Option<&Settings>,
) -> Result<(CardDef, Option<u64>), ApiError> {
    let raw: RawCard = input::from_value(body)?;
    let kind = CardKind::parse(&raw.kind).ok_or_else(|| invalid("kind is free, paid or rule"))?;
    let currency = settings.map(|s| &s.currency);
    let (price, stock) = match kind {
        CardKind::Paid => {
            let currency = currency.ok_or_else(ApiError::not_configured)?;
            let price = Money::parse_non_negative(
                raw.price
                    .as_deref()
                    .ok_or_else(|| invalid("a paid card needs a price"))?,
                currency,
            )?;
            if price.is_zero() {
                return Err(invalid("a paid card's price must be above zero"));
            }
            let stock = raw
                .stock
                .ok_or_else(|| invalid("a paid card needs a stock"))?;
            if stock > MAX_STOCK {
                return Err(invalid(format!("stock is at most {MAX_STOCK}")));
            }
            (Some(price), Some(stock))
        }
        _ if raw.price.is_some() || raw.stock.is_some() => {
            return Err(invalid("only paid cards have a price and stock"))
        }
        _ => (None, None),
    };
    let rule = match (kind, raw.rule) {
        (CardKind::Rule, Some(r)) => Some(match (r.cumulative_spend, r.orders, r.points) {
            (Some(s), None, None) => {
                let currency = currency.ok_or_else(ApiError::not_configured)?;
                CardRule::CumulativeSpend(Money::parse_non_negative(&s, currency)?.amount())
            }
            (None, Some(o), None) if o > 0 => CardRule::Orders(o),
            (None, None, Some(p)) if p > 0 => CardRule::Points(p),
            _ => {
                return Err(invalid(
                    "a rule is one of cumulative_spend, orders or points",
                ))
            }
        }),
        (CardKind::Rule, None) => return Err(invalid("a rule card needs a rule")),
        (_, Some(_)) => return Err(invalid("only rule cards have a rule")),
        (_, None) => None,
    };
    if raw.require_phone && kind != CardKind::Free {
        return Err(invalid(
            "only free cards are claimed, so only they can require a phone",
        ));
    }
    Ok((
        CardDef {
            card_id: new_card_id(),
            kind,
            name: name(&raw.name)?,
            description: raw.description,
            service_phone: raw.service_phone,
            validity: validity(raw.validity)?,
            benefits: benefits(raw.benefits)?,
            gift_pack: gift_pack(raw.gift_pack, currency)?,
            require_phone: raw.require_phone,
            price,
            rule,
            enabled: true,
            listed: true,
            holders: 0,
            version: 1,
        },
        stock,
    ))
}

fn view(def: &CardDef, stock: Option<i64>, currency: Option<&Currency>) -> Value {
    let money = |m: Money| match currency {
        Some(c) => m.to_string_in(c),
        None => m.to_string(),
    };
    let validity = match def.validity {
        Validity::Permanent => json!({"kind": "permanent"}),
        Validity::Days(d) => json!({"kind": "days", "days": d}),
        Validity::Range { from, until } => {
            json!({"kind": "range", "from": from.to_string(), "until": until.to_string()})
        }
    };
    let mut v = json!({
        "card_id": def.card_id,
        "kind": def.kind.as_str(),
        "name": def.name,
        "description": def.description,
        "service_phone": def.service_phone,
        "validity": validity,
        "benefits": def.benefits,
        "gift_pack": {
            "points": def.gift_pack.points,
            "credit": money(def.gift_pack.credit),
            "coupons": def.gift_pack.coupons,
            "gifts": def.gift_pack.gifts,
        },
        "require_phone": def.require_phone,
        "status": if def.enabled { "enabled" } else { "disabled" },
        "listed": def.listed,
        "holders": def.holders,
    });
    if let Some(price) = def.price {
        v["price"] = json!(money(price));
    }
    if let Some(stock) = stock {
        v["stock"] = json!(stock);
    }
    if let Some(rule) = def.rule {
        v["rule"] = match rule {
            CardRule::CumulativeSpend(s) => {
                json!({"cumulative_spend": money(Money::from_stored(s))})
            }
            CardRule::Orders(o) => json!({"orders": o}),
            CardRule::Points(p) => json!({"points": p}),
        };
    }
    v
}

async fn create(
    ctx: &Ctx,
    shop: &ShopId,
    once: Option<&api::Once>,
    body: &Value,
) -> Result<Reply, ApiError> {
    let mut decided: Option<(CardDef, Option<u64>)> = None;
    api::execute(
        ctx,
        shop,
        once,
        vec![keys::settings(shop)],
        |snapshot, _now| {
            let settings = settings::read(snapshot, shop)?;
            let (def, stock) = match decided.take() {
                // A retry after a lost race keeps the id it drew; a fresh id each time could
                // create two cards for one request.
                Some((def, stock)) => (def, stock),
                None => parse_card(body, settings.as_ref())?,
            };
            let mut writes = vec![
                cards::count_in(shop),
                cards::create(shop, &def),
                cards::summary_write(shop, &def),
            ];
            if let Some(stock) = stock {
                writes.push(cards::set_stock(shop, &def.card_id, stock));
            }
            let body = view(
                &def,
                stock.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
                settings.as_ref().map(|s| &s.currency),
            );
            decided = Some((def, stock));
            Ok(Decision::new(writes, StatusCode::CREATED, body).guard(
                keys::card_counter(shop),
                domain::Refusal::CardLimitReached {
                    max: domain::cards::MAX_CARDS_PER_SHOP,
                }
                .into(),
            ))
        },
    )
    .await
}

async fn list(ctx: &Ctx, shop: &ShopId) -> Result<Reply, ApiError> {
    let snapshot = ctx.store.load(&[keys::settings(shop)]).await?;
    let currency = settings::read(&snapshot, shop)?.map(|s| s.currency);
    let defs = ctx.store.list_cards(shop).await?;
    let items: Vec<Value> = defs
        .iter()
        .map(|d| view(d, None, currency.as_ref()))
        .collect();
    Ok(Reply::ok(&json!({"items": items, "next": null})))
}

fn read_card(snapshot: &Snapshot, shop: &ShopId, id: &str) -> Result<CardDef, ApiError> {
    cards::read(snapshot, shop, id)?.ok_or_else(|| ApiError::NotFound(format!("no card {id:?}")))
}

async fn get(ctx: &Ctx, shop: &ShopId, id: &str) -> Result<Reply, ApiError> {
    check_card_id(id)?;
    let snapshot = ctx
        .store
        .load(&[
            keys::settings(shop),
            keys::card(shop, id),
            keys::stock(shop, id),
        ])
        .await?;
    let def = read_card(&snapshot, shop, id)?;
    let currency = settings::read(&snapshot, shop)?.map(|s| s.currency);
    let stock = cards::read_stock(&snapshot, shop, id)?;
    Ok(Reply::ok(&view(&def, stock, currency.as_ref())))
}

async fn patch(ctx: &Ctx, shop: &ShopId, id: &str, body: &Value) -> Result<Reply, ApiError> {
    check_card_id(id)?;
    let raw: RawPatch = input::from_value(body)?;
    let read = vec![
        keys::settings(shop),
        keys::card(shop, id),
        keys::stock(shop, id),
    ];
    api::execute(ctx, shop, None, read, |snapshot, _now| {
        let settings = settings::read(snapshot, shop)?;
        let currency = settings.as_ref().map(|s| &s.currency);
        let current = read_card(snapshot, shop, id)?;
        let mut def = current.clone();
        if let Some(n) = &raw.name {
            def.name = name(n)?;
        }
        if let Some(d) = &raw.description {
            def.description = d.clone();
        }
        if let Some(p) = &raw.service_phone {
            def.service_phone = p.clone();
        }
        if let Some(v) = &raw.validity {
            def.validity = validity(Some(match v {
                RawValidity::Permanent => RawValidity::Permanent,
                RawValidity::Days { days } => RawValidity::Days { days: *days },
                RawValidity::Range { from, until } => RawValidity::Range {
                    from: *from,
                    until: *until,
                },
            }))?;
        }
        if raw.benefits.is_some() {
            def.benefits = benefits(raw.benefits.clone())?;
        }
        if let Some(g) = &raw.gift_pack {
            def.gift_pack = gift_pack(
                Some(RawGiftPack {
                    points: g.points,
                    credit: g.credit.clone(),
                    coupons: g.coupons.clone(),
                    gifts: g.gifts.clone(),
                }),
                currency,
            )?;
        }
        if let Some(r) = raw.require_phone {
            def.require_phone = r;
        }
        if let Some(s) = &raw.status {
            def.enabled = match s.as_str() {
                "enabled" => true,
                "disabled" => false,
                _ => return Err(invalid("status is enabled or disabled")),
            };
        }
        if let Some(l) = raw.listed {
            def.listed = l;
        }
        let mut stock = cards::read_stock(snapshot, shop, id)?;
        let mut writes = Vec::new();
        if let Some(s) = raw.stock {
            if def.kind != CardKind::Paid {
                return Err(invalid("only paid cards have stock"));
            }
            if s > MAX_STOCK {
                return Err(invalid(format!("stock is at most {MAX_STOCK}")));
            }
            writes.push(cards::set_stock(shop, id, s));
            stock = Some(i64::try_from(s).unwrap_or(i64::MAX));
        }
        def.version = current.version + 1;
        writes.push(cards::update(shop, &def, current.version));
        writes.push(cards::summary_write(shop, &def));
        Ok(Decision::ok(writes, view(&def, stock, currency)))
    })
    .await
}

async fn delete(ctx: &Ctx, shop: &ShopId, id: &str) -> Result<Reply, ApiError> {
    check_card_id(id)?;
    api::execute(
        ctx,
        shop,
        None,
        vec![keys::card(shop, id)],
        |snapshot, _now| {
            let def = read_card(snapshot, shop, id)?;
            if def.holders > 0 {
                return Err(domain::Refusal::CardInUse {
                    holders: def.holders,
                }
                .into());
            }
            Ok(Decision::new(
                vec![
                    cards::delete(shop, id, def.version),
                    cards::count_out(shop),
                    cards::summary_remove(shop, id),
                ],
                StatusCode::NO_CONTENT,
                Value::Null,
            ))
        },
    )
    .await
}

async fn records(
    ctx: &Ctx,
    req: &Request,
    shop: &ShopId,
    id: &str,
    kind: RecordKind,
) -> Result<Reply, ApiError> {
    check_card_id(id)?;
    let limit = match input::query_param(req, "limit") {
        None => 50,
        Some(l) => l
            .parse::<i32>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| invalid("limit must be 1-100"))?,
    };
    let cursor = input::query_param(req, "cursor");
    if let Some(c) = &cursor {
        if c.len() > 64 || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'#') {
            return Err(invalid("cursor is not one this API gave"));
        }
    }
    let page = ctx
        .store
        .records_page(shop, id, kind, limit, cursor.as_deref())
        .await?;
    Ok(Reply::ok(&json!({"items": page.items, "next": page.next})))
}
