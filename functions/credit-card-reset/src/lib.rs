//! POST /members/{member_id}/credit-card/reset (admin, owner): the member's store-credit
//! card gets a new number and the old one stops resolving, irreversibly (001).

use api::issuing::MemberWrites;
use api::work::Work;
use api::{input, ApiError, Ctx, Decision, Reply, MANAGERS};
use domain::MemberId;
use domain::Refusal;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use store::keys;
use store::profile;

pub const OPERATION: &str = "credit-card-reset";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let member = MemberId::parse(&input::path_param(&req, "member_id")?)?;
    let who = principal.acting(member);
    let read = who.reads([keys::profile(&who.shop, &who.member)]);
    api::execute(ctx, &who.shop, None, read, |snapshot, now| {
        decide(Work::open(&who, snapshot, now)?)
    })
    .await
}

/// 001: a new number for the member's store-credit card; the old one resolves no more.
fn decide(mut work: Work<'_>) -> Result<Decision, ApiError> {
    let (shop, member) = (&work.who.shop, &work.who.member);
    let mut state = work.member()?;
    let old = state
        .profile
        .credit_card_no
        .take()
        .ok_or(Refusal::NoCreditCard)?;
    let mut middle = vec![profile::credit_card_no_delete(shop, &old)];
    let new = state.credit_card_no(shop, member, &mut middle);
    work.flush(state, middle)?;
    work.done(&Reset {
        member_id: member,
        card_no: new,
        previous_card_no: old,
    })
}

/// The new number as answered, and the one it replaced.
#[derive(Serialize)]
struct Reset<'a> {
    member_id: &'a domain::MemberId,
    card_no: String,
    previous_card_no: String,
}
