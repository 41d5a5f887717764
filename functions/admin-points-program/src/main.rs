#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(
        admin_points_program::OPERATION,
        admin_points_program::handler,
    )
    .await
}
