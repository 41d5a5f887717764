use std::time::Duration;

use lambda_http::lambda_runtime::{run, service_fn, LambdaEvent};
use serde_json::Value;

/// How long one invocation sweeps (the schedule starts one a minute; template.yaml gives it
/// 90 s, enough for the last sends' 15 s).
fn budget() -> Duration {
    std::env::var("LOYALTY_SWEEP_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_secs(55), Duration::from_secs)
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    api::logging::init();
    let ctx: &'static api::Ctx = Box::leak(Box::new(api::Ctx::from_env()?));
    let http: &'static webhook_sender::Sender =
        Box::leak(Box::new(webhook_sender::Sender::new(api::local_stack())?));
    run(service_fn(move |_: LambdaEvent<Value>| async move {
        let tally = webhook_sender::run_for(ctx, http, budget()).await?;
        tracing::info!(operation = webhook_sender::OPERATION, tally = %tally.json(), "swept");
        Ok::<Value, lambda_http::Error>(tally.json())
    }))
    .await
}
