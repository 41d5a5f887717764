#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(admin_value_program::OPERATION, admin_value_program::handler).await
}
