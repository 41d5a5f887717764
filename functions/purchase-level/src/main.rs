#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(purchase_level::OPERATION, purchase_level::handler).await
}
