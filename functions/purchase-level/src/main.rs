#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(purchase_level::OPERATION, purchase_level::handler).await
}
