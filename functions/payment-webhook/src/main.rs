#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(payment_webhook::OPERATION, payment_webhook::handler).await
}
