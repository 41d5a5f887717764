#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(checkout_quote::OPERATION, checkout_quote::handler).await
}
