#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run_job("webhook-fanout", |ctx, payload| async move {
        webhook_fanout::handle(ctx, &payload).await
    })
    .await
}
