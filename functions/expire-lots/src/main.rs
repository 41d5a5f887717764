use lambda_http::lambda_runtime::{run, service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    api::logging::init();
    let ctx: &'static api::Ctx = Box::leak(Box::new(api::Ctx::from_env()?));
    run(service_fn(move |_: LambdaEvent<Value>| async move {
        expire_lots::sweep(ctx, ctx.now())
            .await
            .map_err(lambda_http::Error::from)
    }))
    .await
}
