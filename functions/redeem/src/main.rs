#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(redeem::OPERATION, redeem::handler).await
}
