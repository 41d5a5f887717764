//! POST /members/{member_id}/credit-card/reset (admin, owner): the member's store-credit
//! card gets a new number and the old one stops resolving, irreversibly (001).

use api::issuing::{MemberState, MemberWrites};
use api::postings::Posting;
use api::{input, ApiError, Ctx, Decision, Reply, MANAGERS};
use domain::MemberId;
use domain::Refusal;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use store::keys;
use store::profile;

pub const OPERATION: &str = "credit-card-reset";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let member = MemberId::parse(&input::path_param(&req, "member_id")?)?;
    let shop = principal.shop.clone();
    let actor = principal.actor();
    let read = vec![
        keys::profile(&shop, &member),
        keys::account(&shop, &member, domain::AccountKind::Points),
        keys::account(&shop, &member, domain::AccountKind::Credit),
    ];
    api::execute(ctx, &shop, None, read, |snapshot, now| {
        let mut state = MemberState::read(snapshot, &shop, &member)?;
        let old = state
            .profile
            .credit_card_no
            .take()
            .ok_or(Refusal::NoCreditCard)?;
        let mut middle = vec![profile::credit_card_no_delete(&shop, &old)];
        let new = state.credit_card_no(&shop, &member, &mut middle);
        let posting = Posting {
            shop: &shop,
            member: &member,
            actor: &actor,
            currency: None,
            now,
        };
        let mut writes = Vec::new();
        let read = api::issuing::Read {
            snapshot,
            settings: None,
        };
        state.flush(&read, &posting, middle, &mut writes)?;
        Ok(Decision::ok(
            writes,
            json!({"member_id": member.as_str(), "card_no": new, "previous_card_no": old}),
        ))
    })
    .await
}
