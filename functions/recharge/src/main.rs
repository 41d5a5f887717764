#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(recharge::OPERATION, recharge::handler).await
}
