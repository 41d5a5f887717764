//! Coupons (API 1.3) between the domain and the functions: how a definition and a member's
//! coupon are shown, and issuing: which stock counters give the units, a fresh number for
//! each coupon, and the writes that make it so, for every path that issues (staff, claims,
//! and the grants that hand coupons out).

use domain::chrono::{DateTime, Utc};
use domain::coupon::{Benefit, CouponNo, Definition, MemberCoupon, Source, Terms, Wallet};
use domain::{Currency, MemberId, Money, Refusal, ShopId, ShopTz};
use serde::Serialize;
use serde_json::{json, Value};
use store::coupons::{self, Counts};
use store::{Snapshot, Write};

use crate::{render, ApiError};

fn money(m: Money, currency: Option<&Currency>) -> render::Money {
    render::Money::new(m.amount(), currency)
}

/// A coupon's terms as the API shows them (definition and member coupon alike).
#[derive(Debug, Clone, Serialize)]
pub struct TermsShown<'a> {
    kind: &'static str,
    min_spend: render::Money,
    categories: &'a Option<Vec<String>>,
    exclude_categories: &'a [String],
    member_price_lines: bool,
    with_benefit: bool,
    #[serde(flatten)]
    benefit: BenefitShown<'a>,
}

/// What the benefit itself adds: the amount off, the percent and its cap, or the gift.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum BenefitShown<'a> {
    AmountOff {
        amount: render::Money,
    },
    PercentOff {
        percent: u32,
        max_discount: Option<render::Money>,
    },
    Gift {
        gift: &'a str,
    },
    FreeShipping {},
}

fn terms<'a>(t: &'a Terms, currency: Option<&Currency>) -> TermsShown<'a> {
    TermsShown {
        kind: t.benefit.kind(),
        min_spend: money(t.min_spend, currency),
        categories: &t.categories,
        exclude_categories: &t.exclude_categories,
        member_price_lines: t.member_price_lines,
        with_benefit: t.with_benefit,
        benefit: match &t.benefit {
            Benefit::AmountOff(a) => BenefitShown::AmountOff {
                amount: money(*a, currency),
            },
            Benefit::PercentOff {
                percent,
                max_discount,
            } => BenefitShown::PercentOff {
                percent: *percent,
                max_discount: max_discount.map(|m| money(m, currency)),
            },
            Benefit::FreeShipping => BenefitShown::FreeShipping {},
            Benefit::Gift(g) => BenefitShown::Gift { gift: g },
        },
    }
}

/// What every view of a definition shows: its terms, name, text, validity and limit.
#[derive(Debug, Clone, Serialize)]
pub struct Offered<'a> {
    #[serde(flatten)]
    terms: TermsShown<'a>,
    coupon_id: &'a str,
    name: &'a str,
    text: &'a str,
    validity: Value,
    per_member: Option<u32>,
}

fn offered<'a>(def: &'a Definition, currency: Option<&Currency>) -> Offered<'a> {
    Offered {
        terms: terms(&def.terms, currency),
        coupon_id: &def.coupon_id,
        name: &def.name,
        text: &def.text,
        validity: def.validity.view(),
        per_member: def.per_member,
    }
}

/// `GET /admin/coupons/{id}`: the definition with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct DefinitionShown<'a> {
    #[serde(flatten)]
    offered: Offered<'a>,
    stock: Option<u64>,
    claimable: bool,
    status: &'static str,
    stock_shards: u16,
    issued: u64,
    used: u64,
    stock_left: Option<u64>,
    created_at: String,
}

pub fn definition_view<'a>(
    def: &'a Definition,
    counts: Counts,
    currency: Option<&Currency>,
) -> DefinitionShown<'a> {
    DefinitionShown {
        offered: offered(def, currency),
        stock: def.stock,
        claimable: def.claimable,
        status: if def.enabled { "enabled" } else { "disabled" },
        stock_shards: def.stock_shards,
        issued: counts.issued,
        used: counts.used,
        stock_left: counts.left,
        created_at: render::instant(def.created_at),
    }
}

/// `GET /coupons`: what a member may take, never how many there are.
#[derive(Debug, Clone, Serialize)]
pub struct PublicShown<'a> {
    #[serde(flatten)]
    offered: Offered<'a>,
    sold_out: bool,
}

pub fn public_view<'a>(
    def: &'a Definition,
    sold_out: bool,
    currency: Option<&Currency>,
) -> PublicShown<'a> {
    PublicShown {
        offered: offered(def, currency),
        sold_out,
    }
}

/// A member's coupon (API 1.3 "A member coupon"), its status read at `now`.
#[derive(Debug, Clone, Serialize)]
pub struct MemberCouponShown<'a> {
    #[serde(flatten)]
    terms: TermsShown<'a>,
    coupon_no: &'a str,
    coupon_id: &'a str,
    name: &'a str,
    valid_from: String,
    valid_until: String,
    status: &'static str,
    source: &'static str,
    order_id: Option<&'a str>,
    issued_at: String,
}

pub fn member_coupon<'a>(
    c: &'a MemberCoupon,
    currency: Option<&Currency>,
    tz: ShopTz,
    now: DateTime<Utc>,
) -> MemberCouponShown<'a> {
    MemberCouponShown {
        terms: terms(&c.terms, currency),
        coupon_no: c.coupon_no.as_str(),
        coupon_id: &c.coupon_id,
        name: &c.name,
        valid_from: tz.format(c.valid_from),
        valid_until: tz.format(c.valid_until),
        status: c.status(now),
        source: c.source.as_str(),
        order_id: c.order_id(),
        issued_at: tz.format(c.issued_at),
    }
}

/// A member's coupon as a message tells it (`coupon.issued`, `coupon.used`): the coupon and
/// whose it is.
pub fn told_coupon(c: &MemberCouponShown<'_>, member: &MemberId) -> Result<Value, ApiError> {
    #[derive(Serialize)]
    struct Told<'a> {
        #[serde(flatten)]
        coupon: &'a MemberCouponShown<'a>,
        member_id: &'a MemberId,
    }
    render::body(&Told {
        coupon: c,
        member_id: member,
    })
}

/// The keys issuing from `def` reads besides the wallet: the definition and its counters.
pub fn issue_keys(shop: &ShopId, def_id: &str, shards: u16) -> Vec<store::Key> {
    let mut keys = vec![store::keys::coupon(shop, def_id)];
    keys.extend((0..shards.max(1)).map(|k| store::keys::coupon_stock(shop, def_id, k)));
    keys
}

/// Where `n` coupons come from: shards holding stock, from a random start so concurrent
/// issues spread over the counters; every take is conditioned on what it takes, so a read
/// that is already stale can only lose a race, never over-issue. An unlimited coupon counts
/// on one random shard.
fn takes(
    snapshot: &Snapshot,
    shop: &ShopId,
    def: &Definition,
    n: u64,
    seed: u64,
) -> Result<Vec<(u16, u64)>, Refusal> {
    let shards = def.stock_shards.max(1);
    let start = (seed % u64::from(shards)) as u16;
    if def.stock.is_none() {
        return Ok(vec![(start, n)]);
    }
    let mut left = n;
    let mut out = Vec::new();
    for i in 0..shards {
        let k = (start + i) % shards;
        let here = coupons::shard_left(snapshot, shop, &def.coupon_id, k).min(left);
        if here > 0 {
            out.push((k, here));
            left -= here;
        }
        if left == 0 {
            return Ok(out);
        }
    }
    Err(Refusal::CouponSoldOut)
}

/// Issues `n` coupons of `def` into `wallet` at `now`, from `source`: the counters' takes
/// and each number's unique item go into `writes` (the wallet's own write is the caller's,
/// once, after every change to it). Refused, nothing written: disabled, none left, or a
/// range that has ended.
#[allow(clippy::too_many_arguments)]
pub fn issue(
    snapshot: &Snapshot,
    shop: &ShopId,
    member: &MemberId,
    def: &Definition,
    n: u64,
    source: Source,
    wallet: &mut Wallet,
    writes: &mut Vec<Write>,
    tz: ShopTz,
    now: DateTime<Utc>,
) -> Result<Vec<CouponNo>, Refusal> {
    def.check_issuable()?;
    let plan = takes(snapshot, shop, def, n, store::ids::seed())?;
    let mut issued = Vec::new();
    for (k, count) in plan {
        writes.push(coupons::take(
            shop,
            &def.coupon_id,
            k,
            count,
            def.stock.is_some(),
        ));
        for _ in 0..count {
            let no = store::ids::coupon_no();
            let coupon = def
                .issue(no.clone(), source, k, now, tz)
                .ok_or_else(|| Refusal::CouponExpired("this coupon's validity has ended".into()))?;
            writes.push(coupons::number(shop, &no, member));
            wallet.add(coupon);
            issued.push(no);
        }
    }
    Ok(issued)
}

/// Which coupon a checkout asks for (`coupon_no` in the quote and the redemption).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// The member's usable coupon that saves most (ties: the one that ends first).
    Best,
    None,
    /// This one: it must be the member's (else 404, naming nothing) and usable now.
    Number(CouponNo),
}

impl Asked {
    /// `null`, absent or `"best"`, `"none"`, or a number as typed.
    pub fn parse(raw: Option<&str>) -> Result<Self, crate::ApiError> {
        match raw {
            None | Some("best") => Ok(Asked::Best),
            Some("none") => Ok(Asked::None),
            Some(typed) => CouponNo::parse(typed)
                .map(Asked::Number)
                .ok_or_else(|| Refusal::CouponNotFound.into()),
        }
    }
}

/// Every available coupon of a wallet on one cart, best first (`Cart::rank`): worked out
/// once, for the choice and for the quote's list.
pub type Ranking<'w> = Vec<(
    &'w MemberCoupon,
    Result<domain::coupon_checkout::WithCoupon, domain::coupon_checkout::Unusable>,
)>;

/// The coupon `asked` on `cart` from `wallet` at `now`: `None` when none is asked or none
/// of the member's usable coupons saves anything (the best is the first of `ranking` that
/// does); a named coupon that is not the member's is 404 and one that cannot apply is
/// refused with why (409).
pub fn choose<'w>(
    cart: &domain::coupon_checkout::Cart<'_>,
    wallet: &'w Wallet,
    ranking: &Ranking<'w>,
    asked: &Asked,
    now: DateTime<Utc>,
) -> Result<Option<(&'w MemberCoupon, domain::coupon_checkout::WithCoupon)>, crate::ApiError> {
    match asked {
        Asked::None => Ok(None),
        Asked::Number(no) => {
            let coupon = wallet.find(no).ok_or(Refusal::CouponNotFound)?;
            let with = cart
                .with(coupon, now)
                .map_err(|u| u.into_refusal(cart.currency))?;
            Ok(Some((coupon, with)))
        }
        Asked::Best => Ok(ranking.iter().find_map(|(c, r)| {
            r.as_ref()
                .ok()
                .filter(|w| w.price.saving() > domain::Decimal::ZERO)
                .map(|w| (*c, w.clone()))
        })),
    }
}

/// One of the quote's `coupons`: usable with what it saves, or not with why (and, short
/// of the minimum spend, by how much).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ranked {
    pub coupon_no: String,
    pub name: String,
    pub usable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<crate::render::Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_by: Option<crate::render::Money>,
}

/// The quote's `coupons`: every available coupon, best first.
pub fn ranked(ranking: &Ranking<'_>, currency: &Currency) -> Vec<Ranked> {
    let money = |d| crate::render::Money::new(d, Some(currency));
    ranking
        .iter()
        .map(|(c, r)| Ranked {
            coupon_no: c.coupon_no.as_str().to_owned(),
            name: c.name.clone(),
            usable: r.is_ok(),
            discount: r.as_ref().ok().map(|w| money(w.price.saving())),
            reason: r.as_ref().err().map(|u| u.reason()),
            short_by: match r {
                Err(domain::coupon_checkout::Unusable::MinSpend(short)) => Some(money(*short)),
                _ => None,
            },
        })
        .collect()
}

/// A coupon given back: its number and the `coupon.returned` message.
pub type Returned = (String, (&'static str, Value));

/// What a grant's coupons came to: those not issued (`{"coupon_id", "code"}`: disabled,
/// none left, validity over, or no such coupon) and a `coupon.issued` message for each one
/// issued.
#[derive(Debug, Default)]
pub struct Granted {
    pub not_issued: Vec<Value>,
    pub told: Vec<(&'static str, Value)>,
}

/// Whether `name` is a coupon id this API made: gift packs written before 1.3 named
/// coupons in words, which stay words on the card and issue nothing.
pub fn is_coupon_id(name: &str) -> bool {
    name.starts_with("cpn_") && domain::CouponId::parse(name).is_ok()
}

/// The keys of `wanted` not read yet: `execute` reads them and decides again.
fn missing(snapshot: &Snapshot, wanted: impl IntoIterator<Item = store::Key>) -> Vec<store::Key> {
    let mut need: Vec<store::Key> = wanted
        .into_iter()
        .filter(|k| !snapshot.has_read(k))
        .collect();
    need.sort();
    need.dedup();
    need
}

/// Issues the coupons an operation's grants name (`Member::coupons_due`) into the member's
/// wallet, in the same transaction: each with validity from `now`; one disabled, sold out
/// or no longer valid is not issued and the rest go through. The definitions, then their
/// counters, are read on demand (`ApiError::ReadMore`): an operation that grants no coupon
/// reads nothing more.
pub fn grant(
    snapshot: &Snapshot,
    shop: &ShopId,
    member: &MemberId,
    due: &[(String, Source)],
    settings: Option<&domain::Settings>,
    now: DateTime<Utc>,
    writes: &mut Vec<Write>,
) -> Result<Granted, crate::ApiError> {
    let tz = settings.map(|s| s.timezone).unwrap_or_default();
    let currency = settings.map(|s| &s.currency);
    // One issue per coupon, however many grants name it: two takes of one counter cannot
    // share a transaction.
    let mut wanted: Vec<(&str, Source, u64)> = Vec::new();
    for (id, source) in due.iter().filter(|(id, _)| is_coupon_id(id)) {
        match wanted.iter_mut().find(|(w, _, _)| w == id) {
            Some(w) => w.2 += 1,
            None => wanted.push((id, *source, 1)),
        }
    }
    let mut out = Granted::default();
    if wanted.is_empty() {
        return Ok(out);
    }
    let defs = std::iter::once(store::keys::wallet(shop, member)).chain(
        wanted
            .iter()
            .map(|(id, _, _)| store::keys::coupon(shop, id)),
    );
    let need = missing(snapshot, defs);
    if !need.is_empty() {
        return Err(crate::ApiError::ReadMore(need));
    }
    let mut found = Vec::new();
    for (id, source, n) in &wanted {
        found.push((*id, *source, *n, coupons::read(snapshot, shop, id)?));
    }
    let shards = found
        .iter()
        .filter_map(|(_, _, _, d)| d.as_ref())
        .flat_map(|d| coupons::shard_keys(shop, d));
    let need = missing(snapshot, shards);
    if !need.is_empty() {
        return Err(crate::ApiError::ReadMore(need));
    }
    let mut wallet = coupons::wallet(snapshot, shop, member)?;
    let before = wallet.coupons.len();
    for (id, source, n, def) in found {
        let Some(def) = def else {
            out.not_issued
                .push(json!({"coupon_id": id, "code": "coupon_not_found"}));
            continue;
        };
        // As many as there are: a grant naming a coupon twice with one left issues one.
        let left = coupons::counts(snapshot, shop, &def)?.left.unwrap_or(n);
        let (can, short) = (n.min(left), n.saturating_sub(left));
        let mut taken = Vec::new();
        let refused = match can {
            0 => None,
            _ => issue(
                snapshot,
                shop,
                member,
                &def,
                can,
                source,
                &mut wallet,
                &mut taken,
                tz,
                now,
            )
            .err(),
        };
        match refused {
            None => writes.extend(taken),
            Some(refusal) => {
                let code = refusal.code();
                out.not_issued
                    .extend((0..can).map(|_| json!({"coupon_id": id, "code": code})));
            }
        }
        let sold_out = json!({"coupon_id": id, "code": "coupon_sold_out"});
        out.not_issued.extend((0..short).map(|_| sold_out.clone()));
    }
    let issued = &wallet.coupons[before..];
    for c in issued {
        let data = told_coupon(&member_coupon(c, currency, tz, now), member)?;
        out.told.push(("coupon.issued", data));
    }
    if !issued.is_empty() {
        writes.push(coupons::put_wallet(shop, member, &wallet));
    }
    Ok(out)
}

/// API 1.3: the coupons a gift pack, level reward or recharge gift names must be defined
/// (422 `coupon_not_found`). Ids are checked; words written before 1.3 stay words. Their
/// definitions are read on demand (`ApiError::ReadMore`).
pub fn check_named<'a>(
    snapshot: &Snapshot,
    shop: &ShopId,
    names: impl IntoIterator<Item = &'a String>,
) -> Result<(), crate::ApiError> {
    let ids: Vec<&String> = names.into_iter().filter(|n| is_coupon_id(n)).collect();
    let need = missing(snapshot, ids.iter().map(|id| store::keys::coupon(shop, id)));
    if !need.is_empty() {
        return Err(crate::ApiError::ReadMore(need));
    }
    match ids
        .iter()
        .find(|id| snapshot.get(&store::keys::coupon(shop, id)).is_none())
    {
        Some(id) => Err(Refusal::CouponUnknown(format!("no coupon {id:?} is defined")).into()),
        None => Ok(()),
    }
}

/// The shop's definitions that `keep` keeps, each with its counters, and the shop's
/// currency: one query of the definitions, then one batch of their counters.
pub async fn listed(
    ctx: &crate::Ctx,
    shop: &ShopId,
    keep: impl Fn(&Definition) -> bool,
) -> Result<(Vec<(Definition, Counts)>, Option<domain::Currency>), crate::ApiError> {
    let defs: Vec<Definition> = coupons::list(&ctx.store, shop)
        .await?
        .into_iter()
        .filter(|d| keep(d))
        .collect();
    let mut read = vec![store::keys::settings(shop)];
    read.extend(defs.iter().flat_map(|d| coupons::shard_keys(shop, d)));
    let snapshot = ctx.store.load(&read).await?;
    let currency = store::settings::read(&snapshot, shop)?.map(|s| s.currency);
    let with_counts = defs
        .into_iter()
        .map(|d| Ok((coupons::counts(&snapshot, shop, &d)?, d)))
        .map(|r: Result<_, store::StoreError>| r.map(|(c, d)| (d, c)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((with_counts, currency))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Decimal;

    /// The terms as the API shows them for `benefit` (min spend 50 in MYR).
    fn shown(benefit: Benefit) -> Value {
        let t = Terms {
            benefit,
            min_spend: Money::from_stored(Decimal::from(50)),
            categories: None,
            exclude_categories: vec!["gift-cards".into()],
            member_price_lines: false,
            with_benefit: true,
        };
        let myr = Currency::parse("MYR").unwrap();
        serde_json::to_value(terms(&t, Some(&myr))).unwrap()
    }

    #[test]
    fn each_benefit_adds_only_its_own_fields_to_the_terms() {
        let common = ["kind", "min_spend", "categories", "exclude_categories"];
        let common = common
            .into_iter()
            .chain(["member_price_lines", "with_benefit"]);
        let keys = |v: &Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.retain(|k| !common.clone().any(|c| c == k));
            k.sort();
            k
        };
        let amount = shown(Benefit::AmountOff(Money::from_stored(Decimal::from(5))));
        assert_eq!(
            (keys(&amount), &amount["amount"]),
            (vec!["amount".into()], &json!("5.00"))
        );
        assert_eq!(amount["min_spend"], "50.00");
        assert_eq!(amount["categories"], Value::Null);
        let percent = shown(Benefit::PercentOff {
            percent: 80,
            max_discount: None,
        });
        assert_eq!(keys(&percent), ["max_discount", "percent"]);
        assert_eq!(
            (&percent["percent"], &percent["max_discount"]),
            (&json!(80), &Value::Null)
        );
        assert_eq!(keys(&shown(Benefit::FreeShipping)), Vec::<String>::new());
        let gift = shown(Benefit::Gift("Tote bag".into()));
        assert_eq!(
            (keys(&gift), &gift["kind"]),
            (vec!["gift".into()], &json!("gift"))
        );
    }
}
