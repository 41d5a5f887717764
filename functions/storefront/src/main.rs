#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(storefront::OPERATION, storefront::handler).await
}
