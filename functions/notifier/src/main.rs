#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    let sender: &'static notifier::Configured =
        Box::leak(Box::new(notifier::Configured::from_env()?));
    api::run_job("notifier", move |ctx, payload| async move {
        notifier::handle(ctx, &payload, sender).await
    })
    .await
}
