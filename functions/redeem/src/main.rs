#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(redeem::OPERATION, redeem::handler).await
}
