#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(admin_levels::OPERATION, admin_levels::handler).await
}
