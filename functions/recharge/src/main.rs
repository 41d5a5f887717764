#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(recharge::OPERATION, recharge::handler).await
}
