#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(
        admin_points_program::OPERATION,
        admin_points_program::handler,
    )
    .await
}
