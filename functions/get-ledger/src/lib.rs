//! GET /members/{member_id}/ledger: the member's entries, newest first, one Query a page.

use api::input;
use api::{ApiError, Ctx, Reply};
use domain::{AccountKind, EntryId, MemberId};
use lambda_http::{Body, Request, Response};

pub const OPERATION: &str = "get-ledger";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

struct Query {
    account: Option<AccountKind>,
    limit: i32,
    after: Option<EntryId>,
}

fn parse_query(req: &Request) -> Result<Query, ApiError> {
    let account = match input::query_param(req, "account") {
        None => None,
        Some(a) => Some(AccountKind::parse(&a).ok_or_else(|| {
            ApiError::Invalid(format!(
                "unknown account {a:?}: use points, credit or value"
            ))
        })?),
    };
    let limit = input::limit(req)?;
    // A cursor is the last entry id of the previous page; anything else is refused rather
    // than passed to DynamoDB.
    let after = match input::query_param(req, "cursor") {
        None => None,
        Some(c)
            if !c.is_empty() && c.len() <= 40 && c.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            Some(EntryId::from_stored(c))
        }
        Some(_) => return Err(ApiError::Invalid("cursor is not one this API gave".into())),
    };
    Ok(Query {
        account,
        limit,
        after,
    })
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::EVERYONE)?;
    let member = MemberId::parse(&input::path_param(&req, "member_id")?)?;
    principal.may_access(&member)?;
    let query = parse_query(&req)?;
    let page = ctx
        .store
        .ledger_page(
            &principal.shop,
            &member,
            query.account,
            query.limit,
            query.after.as_ref(),
        )
        .await?;
    Reply::ok(&api::render::Page {
        items: page.items.iter().map(api::render::ledger_entry).collect(),
        next: page.next.map(|id| id.to_string()),
    })
}
