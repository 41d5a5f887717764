use lambda_http::lambda_runtime::{run, service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    api::logging::init();
    let ctx: &'static api::Ctx = Box::leak(Box::new(api::Ctx::from_env()?));
    let sender: &'static notifier::Configured =
        Box::leak(Box::new(notifier::Configured::from_env()?));
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        notifier::handle(ctx, &event.payload, sender).await
    }))
    .await
}
