#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(admin_reports::OPERATION, admin_reports::handler).await
}
