#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(admin_webhooks::OPERATION, admin_webhooks::handler).await
}
