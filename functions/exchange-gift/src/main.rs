#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(exchange_gift::OPERATION, exchange_gift::handler).await
}
