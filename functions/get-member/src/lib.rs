//! GET /members/{member_id}: balances with what expires when, in one consistent read.
//! An unknown member reads as empty balances.

use api::input;
use api::render::{HeldCard, Money};
use api::{ApiError, Ctx, Principal, Reply};
use domain::chrono::{DateTime, Utc};
use domain::{AccountKind, Decimal, MemberId};
use lambda_http::{Body, Request, Response};
use store::accounts;
use store::keys::{self, Program};
use store::{settings, Snapshot};

mod view;
use view::{credit_view, erased_view, level_view, points_view};
use view::{Coupons, Shown, Totals, ValueShown};

pub const OPERATION: &str = "get-member";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::EVERYONE)?;
    let member = MemberId::parse(&input::path_param(&req, "member_id")?)?;
    principal.may_access(&member)?;
    let shop = &principal.shop;
    let snapshot = ctx
        .store
        .load(&[
            keys::settings(shop),
            keys::program(shop, Program::Points),
            keys::program(shop, Program::Credit),
            keys::profile(shop, &member),
            keys::account(shop, &member, AccountKind::Points),
            keys::account(shop, &member, AccountKind::Credit),
            keys::account(shop, &member, AccountKind::Value),
            keys::levels(shop),
            keys::card_summary(shop),
            keys::wallet(shop, &member),
        ])
        .await?;
    view(&snapshot, &principal, &member, ctx.now())
}

fn view(
    snapshot: &Snapshot,
    principal: &Principal,
    member: &MemberId,
    now: DateTime<Utc>,
) -> Result<Reply, ApiError> {
    let shop = &principal.shop;
    let settings = settings::read(snapshot, shop)?;
    let tz = settings.as_ref().map(|s| s.timezone).unwrap_or_default();
    let currency = settings.as_ref().map(|s| s.currency);
    let money = |d: Decimal| Money::new(d, currency.as_ref());
    // API 1.2 "Erasure": an erased member answers when, with nothing left on any account.
    if let Some(at) = store::profile::read_any(snapshot, shop, member)?.erased_at {
        return Reply::ok(&erased_view(member, at, tz, currency.as_ref(), now));
    }
    let points = points_view(snapshot, shop, member, tz, now)?;
    let mut profile = store::profile::read(snapshot, shop, member)?;
    let credit = credit_view(snapshot, principal, member, &profile, tz, currency, now)?;
    // Stored value never expires: its balance is the same at every instant.
    let value_balance = accounts::value_balance(snapshot, shop, member)?;
    let level = level_view(
        snapshot,
        shop,
        &mut profile,
        currency.as_ref(),
        tz,
        value_balance,
        now,
    )?;
    let wallet = store::coupons::wallet(snapshot, shop, member)?;
    Reply::ok(&Shown {
        member_id: member,
        points,
        credit,
        cards: profile
            .cards
            .values()
            .map(|c| HeldCard::new(c, member, now))
            .collect(),
        totals: Totals {
            spend: money(profile.totals.spend),
            orders: profile.totals.orders,
            recharge: money(profile.totals.recharge),
        },
        level,
        growth: profile.standing.climb.growth,
        value: ValueShown {
            balance: money(value_balance),
        },
        birthday: profile.birthday.map(|b| b.to_string()),
        coupons: coupons_view(&wallet, tz, now),
    })
}

/// API 1.3: how many coupons the member can spend now, and when the first of them ends.
fn coupons_view(
    wallet: &domain::coupon::Wallet,
    tz: domain::ShopTz,
    now: DateTime<Utc>,
) -> Coupons {
    let (available, next) = wallet.summary(now);
    Coupons {
        available,
        next_expiry: next.map(|at| tz.format(at)),
    }
}
