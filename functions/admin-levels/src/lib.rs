//! PUT /admin/levels and GET /admin/levels: the shop's level ladder (003). A change applies
//! from now: members keep the level they hold, and their next read or write places them by
//! the new ladder's rules (lapses and upgrades use the ladder in force when they happen).

use api::input;
use api::{ApiError, Ctx, Decision, Reply};
use domain::level_document;
use lambda_http::{Body, Request, Response};
use store::{keys, levels};

pub const OPERATION: &str = "admin-levels";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    // 002: every staff role reads the set-up; only admin and owner change it.
    let (principal, reading) = api::authorize_setup(ctx, &req)?;
    let shop = principal.shop.clone();
    let read = vec![keys::settings(&shop), keys::levels(&shop)];
    if reading {
        let snapshot = ctx.store.load(&read).await?;
        let settings = api::require_settings(&snapshot, &shop)?;
        let (ladder, _) = levels::read(&snapshot, &shop, &settings.currency)?;
        let ladder = ladder.ok_or_else(|| ApiError::NotFound("no level ladder yet".into()))?;
        return Reply::ok(&level_document::view(&ladder, &settings.currency));
    }
    let body = input::json_object(&req)?;
    api::execute(ctx, &shop, None, read, |snapshot, _now| {
        let settings = api::require_settings(snapshot, &shop)?;
        let ladder = level_document::parse(&body, &settings.currency)?;
        let rewards = ladder.levels.iter().filter_map(|l| l.paid_upgrade.as_ref());
        api::coupons::check_named(snapshot, &shop, rewards.flat_map(|p| &p.reward.coupons))?;
        let (_, read_version) = levels::read(snapshot, &shop, &settings.currency)?;
        Decision::ok(
            vec![levels::put(
                &shop,
                &ladder,
                &settings.currency,
                read_version,
            )],
            &level_document::view(&ladder, &settings.currency),
        )
    })
    .await
}
