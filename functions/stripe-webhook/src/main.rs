#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(stripe_webhook::OPERATION, stripe_webhook::handler).await
}
