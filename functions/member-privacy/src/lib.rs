//! GET /admin/members/{member_id}/data and DELETE /admin/members/{member_id} (API 1.2
//! "Erasure and access", admin and owner): everything stored about a member, and the
//! erasure of their personal data that keeps the books. Erasure forfeits the points and
//! credit still open through the ledger (the reports show it), refuses while stored value
//! is open (the member's money), ends the cards held, removes name, phone, e-mail, birthday
//! and member number wherever they were stored (the profile, the unique number and phone
//! items, pending notices), marks the profile and accounts so no operation writes for the
//! member again, and keeps its answer for a second request.

use api::input;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Reply, MANAGERS};
use domain::{AccountKind, Decimal, MemberId, Refusal};
use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::Value;
use store::{cards, keys, profile};

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
            erase(ctx, &principal.acting(member), &reason).await
        }
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}

fn not_found(member: &MemberId) -> ApiError {
    ApiError::NotFound(format!("no member {:?}", member.as_str()))
}

async fn erase(ctx: &Ctx, who: &api::Acting, reason: &str) -> Result<Reply, ApiError> {
    let (shop, member) = (&who.shop, &who.member);
    // Pending notices sit in the member's partition; their keys are found first.
    let notices = ctx.store.pending_notices(shop, member).await?;
    let (first, rest) = notices.split_at(notices.len().min(MAX_NOTICES));
    let read = who.reads([
        keys::profile(shop, member),
        keys::erasure(shop, member),
        keys::wallet(shop, member),
    ]);
    let mut repeated = false;
    let answer = api::execute(ctx, shop, None, read, |snapshot, now| {
        repeated = snapshot.get(&keys::erasure(shop, member)).is_some();
        decide(Work::open(who, snapshot, now)?, reason, first)
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
fn decide(mut work: Work<'_>, reason: &str, notices: &[keys::Key]) -> Result<Decision, ApiError> {
    let (who, snapshot, now) = (work.who, work.snapshot, work.now);
    let (shop, member) = (&who.shop, &who.member);
    if let Some(answer) = store::privacy::erased_answer(snapshot, shop, member)? {
        return work.done(&answer);
    }
    if !store::profile::known(snapshot, shop, member) {
        return Err(not_found(member));
    }
    let value = work.account::<Decimal>(AccountKind::Value)?;
    let open_value = value.balance_at(now);
    if open_value > Decimal::ZERO {
        return Err(Refusal::ValueBalanceOpen(work.money(open_value).to_string()).into());
    }
    let (points, credit) = forfeit(&mut work, reason, value)?;
    work.erase_accounts();
    let mut profile = profile::read(snapshot, shop, member)?;
    let erased = profile.erase(now);
    for card_id in &erased.cards_ended {
        work.write(cards::holders(shop, card_id, -1, false));
    }
    if let Some(no) = &erased.member_no {
        work.write(profile::free_unique(keys::member_no(shop, no), member));
    }
    if let Some(phone) = &erased.phone {
        work.write(profile::free_unique(keys::phone(shop, phone), member));
    }
    work.write(profile::put(shop, member, &profile));
    if let Some(wallet) = void_coupons(snapshot, shop, member, now)? {
        work.write(wallet);
    }
    for notice in notices {
        work.write(store::privacy::delete(notice));
    }
    // Recorded as answered, so a repeat answers the same.
    let answer = api::render::body(&Erased {
        member_id: member,
        erased_at: api::render::instant(now),
        forfeited: Forfeited {
            points,
            credit: work.money(credit),
        },
    })?;
    let actor = &who.actor;
    work.write(store::privacy::erasure_record(
        shop, member, &answer, reason, actor, now,
    ));
    work.tell([("member.erased", answer.clone())]);
    work.done(&answer)
}

/// The erasure as answered and told: when, and what was forfeited.
#[derive(Serialize)]
struct Erased<'a> {
    member_id: &'a domain::MemberId,
    erased_at: String,
    forfeited: Forfeited,
}

#[derive(Serialize)]
struct Forfeited {
    points: i64,
    credit: api::render::Money,
}
