//! PUT /admin/programs/credit (and GET): the store-credit program, its five rules, validity
//! and notification switches (001). A change applies to grants from now on; credit already
//! issued keeps the validity it was issued with.

use api::input;
use api::{ApiError, Ctx, Decision, Reply, MANAGERS};
use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use store::credit_program;
use store::keys::{self, Program};

pub const OPERATION: &str = "admin-credit-program";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let shop = principal.shop.clone();
    let read = vec![keys::settings(&shop), keys::program(&shop, Program::Credit)];
    if req.method() == Method::GET {
        let snapshot = ctx.store.load(&read).await?;
        let settings = api::require_settings(&snapshot, &shop)?;
        let (program, _) = credit_program::read(&snapshot, &shop, &settings.currency)?;
        let program = program.ok_or_else(|| ApiError::NotFound("no credit program yet".into()))?;
        return Reply::ok(&credit_program::to_json(&program, &settings.currency));
    }
    let body = input::json_object(&req)?;
    api::execute(ctx, &shop, None, read, |snapshot, _now| {
        let settings = api::require_settings(snapshot, &shop)?;
        let (stored, version) = credit_program::read(snapshot, &shop, &settings.currency)?;
        let stored = stored.map(|p| credit_program::to_json(&p, &settings.currency));
        let program = credit_program::from_json(&input::over(stored, &body), &settings.currency)
            .map_err(ApiError::Invalid)?;
        Decision::ok(
            vec![credit_program::put(
                &shop,
                &program,
                &settings.currency,
                version,
            )],
            &credit_program::to_json(&program, &settings.currency),
        )
    })
    .await
}
