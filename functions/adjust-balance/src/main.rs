#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(adjust_balance::OPERATION, adjust_balance::handler).await
}
