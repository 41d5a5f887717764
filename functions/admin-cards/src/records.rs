//! A card's claim and return records, newest first, a page at a time.

use api::input;
use api::{ApiError, Ctx, Reply};
use domain::ShopId;
use lambda_http::Request;
use store::keys::RecordKind;

pub async fn records(
    ctx: &Ctx,
    req: &Request,
    shop: &ShopId,
    id: &str,
    kind: RecordKind,
) -> Result<Reply, ApiError> {
    let limit = input::limit(req)?;
    let cursor = input::query_param(req, "cursor");
    if let Some(c) = &cursor {
        if c.len() > 64 || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'#') {
            return Err(ApiError::Invalid("cursor is not one this API gave".into()));
        }
    }
    let page = ctx
        .store
        .records_page(shop, id, kind, limit, cursor.as_deref())
        .await?;
    Reply::ok(&api::render::Page {
        items: page.items,
        next: page.next,
    })
}
