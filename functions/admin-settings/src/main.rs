#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(admin_settings::OPERATION, admin_settings::handler).await
}
