#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(cancel_order::OPERATION, cancel_order::handler).await
}
