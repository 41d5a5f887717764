use std::time::Duration;

/// How long one invocation sweeps (the schedule starts one a minute; template.yaml gives it
/// 90 s, enough for the last sends' 15 s).
fn budget() -> Duration {
    std::env::var("LOYALTY_SWEEP_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_secs(55), Duration::from_secs)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    let http: &'static webhook_sender::Sender =
        Box::leak(Box::new(webhook_sender::Sender::new(api::local_stack())?));
    api::run_job(webhook_sender::OPERATION, move |ctx, _| async move {
        let tally = webhook_sender::run_for(ctx, http, budget()).await?;
        tracing::info!(tally = %tally.json(), "swept");
        Ok(tally.json())
    })
    .await
}
