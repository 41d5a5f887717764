//! GET /admin/members/export: the directory as CSV.

use api::{ApiError, Ctx, Reply};
use domain::{AccountKind, Decimal, ShopId};
use store::{keys, Key};

/// Every registered member as CSV (`api::sheet`: formulas neutralised), with balances: the import's columns (so an export
/// imports back as unchanged) and the balances, read a page at a time (100 members, then
/// one batch read of their accounts), so memory holds one page plus the text.
pub async fn export(ctx: &Ctx, shop: &ShopId) -> Result<Reply, ApiError> {
    let settings = api::require_settings(&ctx.store.load(&[keys::settings(shop)]).await?, shop)?;
    let mut out = api::sheet::Sheet::new(&[
        "member_id",
        "member_no",
        "name",
        "phone",
        "email",
        "birthday",
        "level_id",
        "points",
        "credit",
        "value",
        "registered_at",
    ])?;
    let mut cursor: Option<String> = None;
    loop {
        let page = ctx
            .store
            .members_page(shop, None, 100, cursor.as_deref())
            .await?;
        let keys: Vec<Key> = page
            .items
            .iter()
            .flat_map(|(m, _)| {
                [AccountKind::Points, AccountKind::Credit, AccountKind::Value]
                    .map(|k| keys::account(shop, m, k))
            })
            .collect();
        let accounts = ctx.store.load(&keys).await?;
        for (m, p) in &page.items {
            let money = |k| -> Result<String, ApiError> {
                let b = store::accounts::read::<Decimal>(&accounts, shop, m, k)?.balance();
                Ok(api::render::Money::new(b, Some(&settings.currency)).to_string())
            };
            let points = store::accounts::read::<i64>(&accounts, shop, m, AccountKind::Points)?;
            out.row([
                m.as_str().to_owned(),
                p.member_no.clone().unwrap_or_default(),
                p.name.clone().unwrap_or_default(),
                p.phone.clone().unwrap_or_default(),
                p.email.clone().unwrap_or_default(),
                p.birthday.map(|b| b.to_string()).unwrap_or_default(),
                p.standing.level_id().unwrap_or_default().to_owned(),
                points.balance().to_string(),
                money(AccountKind::Credit)?,
                money(AccountKind::Value)?,
                p.registered_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            ])?;
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    out.reply()
}
