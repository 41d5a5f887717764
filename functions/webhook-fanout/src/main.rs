use lambda_http::lambda_runtime::{run, service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    api::logging::init();
    let ctx: &'static api::Ctx = Box::leak(Box::new(api::Ctx::from_env()?));
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        webhook_fanout::handle(ctx, &event.payload).await
    }))
    .await
}
