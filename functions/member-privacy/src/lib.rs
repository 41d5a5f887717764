//! GET /admin/members/{member_id}/data and DELETE /admin/members/{member_id} (API 1.2
//! "Erasure and access", admin and owner): everything stored about a member, and the
//! erasure of their personal data that keeps the books. Erasure forfeits the points and
//! credit still open through the ledger (the reports show it), refuses while stored value
//! is open (the member's money), ends the cards held, removes name, phone, e-mail, birthday
//! and member number wherever they were stored (the profile, the unique number and phone
//! items, pending notices), marks the profile and accounts so no operation writes for the
//! member again, and keeps its answer for a second request.

use api::input;
use api::postings::Posting;
use api::{ApiError, Ctx, Decision, Reply, MANAGERS};
use domain::chrono::{DateTime, Utc};
use domain::{AccountKind, Decimal, MemberId, Refusal, ShopId};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use store::{accounts, cards, item, keys, profile, settings, Snapshot};

mod export;
mod forfeit;
use export::data;
use forfeit::{forfeit, void_coupons};

pub const OPERATION: &str = "member-privacy";

/// Pending notices removed in the erasure's own transaction, at most (it holds 100 writes);
/// the rest are deleted right after it commits, and by any repeat of the erasure.
const MAX_NOTICES: usize = 40;
const MAX_REASON_CHARS: usize = 500;

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let member = MemberId::parse(&input::path_param(&req, "member_id")?)?;
    match *req.method() {
        Method::GET => data(ctx, &principal.shop, &member).await,
        Method::DELETE => {
            let body = input::json_object(&req)?;
            let reason = body
                .get("reason")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|r| !r.is_empty() && r.chars().count() <= MAX_REASON_CHARS)
                .ok_or_else(|| {
                    ApiError::Invalid(format!(
                        "reason is required, at most {MAX_REASON_CHARS} characters"
                    ))
                })?
                .to_owned();
            let actor = principal.actor();
            erase(ctx, &principal.shop, &member, &reason, &actor).await
        }
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}

fn not_found(member: &MemberId) -> ApiError {
    ApiError::NotFound(format!("no member {:?}", member.as_str()))
}

async fn erase(
    ctx: &Ctx,
    shop: &ShopId,
    member: &MemberId,
    reason: &str,
    actor: &str,
) -> Result<Reply, ApiError> {
    // Pending notices sit in the member's partition; their keys are found first.
    let notices: Vec<keys::Key> = ctx
        .store
        .member_items(shop, member)
        .await?
        .iter()
        .filter(|it| item::opt_s(it, "entity_type") == Some("outbox"))
        .filter_map(item::key_of)
        .collect();
    let (first, rest) = notices.split_at(notices.len().min(MAX_NOTICES));
    let read = vec![
        keys::settings(shop),
        keys::profile(shop, member),
        keys::account(shop, member, AccountKind::Points),
        keys::account(shop, member, AccountKind::Credit),
        keys::account(shop, member, AccountKind::Value),
        keys::erasure(shop, member),
        keys::wallet(shop, member),
    ];
    let mut repeated = false;
    let answer = api::execute(ctx, shop, None, read, |snapshot, now| {
        repeated = snapshot.get(&keys::erasure(shop, member)).is_some();
        decide(snapshot, shop, member, reason, actor, first, now)
    })
    .await?;
    // Every pending notice goes (security review, issue 31: only 40 did): the rest now. A
    // repeated erasure (its transaction writes nothing) deletes whatever an interrupted one
    // left, which it lists first.
    ctx.store
        .delete_all(if repeated { &notices } else { rest })
        .await?;
    Ok(answer)
}

/// API 1.2 erasure: open points and credit forfeited through the ledger (the books stay),
/// stored value must be zero, the personal data and the cards held end
/// (`Profile::erase`), the unique number and phone freed, the pending notices deleted, and
/// the answer recorded so a repeat answers the same.
fn decide(
    snapshot: &Snapshot,
    shop: &ShopId,
    member: &MemberId,
    reason: &str,
    actor: &str,
    notices: &[keys::Key],
    now: DateTime<Utc>,
) -> Result<Decision, ApiError> {
    if let Some(answer) = store::privacy::erased_answer(snapshot, shop, member)? {
        return Ok(Decision::ok(Vec::new(), answer));
    }
    if !store::profile::known(snapshot, shop, member) {
        return Err(not_found(member));
    }
    let currency = settings::read(snapshot, shop)?.map(|s| s.currency);
    let money = |d: Decimal| {
        currency.map_or_else(
            || d.to_string(),
            |c| domain::Money::from_stored(d).to_string_in(&c),
        )
    };
    let value = accounts::read::<Decimal>(snapshot, shop, member, AccountKind::Value)?;
    let open_value = value.balance_at(now);
    if open_value > Decimal::ZERO {
        return Err(Refusal::ValueBalanceOpen(money(open_value)).into());
    }
    let posting = Posting {
        shop,
        member,
        actor,
        currency: currency.as_ref(),
        now,
    };
    let mut writes = Vec::new();
    let (points, credit) = forfeit(snapshot, &posting, reason, value, &mut writes)?;
    store::privacy::mark_accounts_erased(&mut writes, now);
    let mut profile = profile::read(snapshot, shop, member)?;
    let erased = profile.erase(now);
    for card_id in &erased.cards_ended {
        writes.push(cards::holders(shop, card_id, -1, false));
    }
    if let Some(no) = &erased.member_no {
        writes.push(profile::free_unique(keys::member_no(shop, no), member));
    }
    if let Some(phone) = &erased.phone {
        writes.push(profile::free_unique(keys::phone(shop, phone), member));
    }
    writes.push(profile::put(shop, member, &profile));
    writes.extend(void_coupons(snapshot, shop, member, now)?);
    writes.extend(notices.iter().map(store::privacy::delete));
    let forfeited = json!({"points": points, "credit": money(credit)});
    let answer = json!({"member_id": member.as_str(), "erased_at": api::render::instant(now), "forfeited": forfeited});
    writes.push(store::privacy::erasure_record(
        shop, member, &answer, reason, actor, now,
    ));
    Ok(Decision::new(writes, StatusCode::OK, answer.clone()).tell([("member.erased", answer)]))
}
