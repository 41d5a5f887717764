#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(
        admin_credit_program::OPERATION,
        admin_credit_program::handler,
    )
    .await
}
