//! PUT /admin/programs/value and GET: the stored-value program (003 充值规则): recharge
//! rules with gifts, levels, stores, channels, dates and days, once per member, auto
//! upgrade; any-amount recharges with a minimum. Staff read it (the till shows the rules);
//! admin and owner set it.

use api::input;
use api::{ApiError, Ctx, Decision, Reply};
use domain::stored_value;
use lambda_http::{Body, Request, Response};
use std::collections::BTreeSet;
use store::keys::{self, Program};
use store::{levels, value};

pub const OPERATION: &str = "admin-value-program";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let (principal, reading) = api::authorize_setup(ctx, &req)?;
    let shop = principal.shop.clone();
    let read = vec![
        keys::settings(&shop),
        keys::program(&shop, Program::Value),
        keys::levels(&shop),
    ];
    if reading {
        let snapshot = ctx.store.load(&read).await?;
        let settings = api::require_settings(&snapshot, &shop)?;
        let (program, _) = value::read_program(&snapshot, &shop, &settings.currency)?;
        let program =
            program.ok_or_else(|| ApiError::NotFound("no stored-value program yet".into()))?;
        return Reply::ok(&stored_value::view(&program, &settings.currency));
    }
    let body = input::json_object(&req)?;
    api::execute(ctx, &shop, None, read, |snapshot, _now| {
        let settings = api::require_settings(snapshot, &shop)?;
        // A rule may name only levels of the shop's ladder.
        let level_ids: BTreeSet<String> = levels::read(snapshot, &shop, &settings.currency)?
            .0
            .map(|l| l.levels.into_iter().map(|l| l.level_id).collect())
            .unwrap_or_default();
        let (stored, read_version) = value::read_program(snapshot, &shop, &settings.currency)?;
        let stored = stored.map(|p| stored_value::view(&p, &settings.currency));
        let program =
            stored_value::parse(&input::over(stored, &body), &settings.currency, &level_ids)?;
        api::coupons::check_named(
            snapshot,
            &shop,
            program.rules.iter().flat_map(|r| &r.gifts.coupons),
        )?;
        Decision::ok(
            vec![value::put_program(
                &shop,
                &program,
                &settings.currency,
                read_version,
            )],
            &stored_value::view(&program, &settings.currency),
        )
    })
    .await
}
