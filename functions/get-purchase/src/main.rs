#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(get_purchase::OPERATION, get_purchase::handler).await
}
