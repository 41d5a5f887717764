#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(accrue_points::OPERATION, accrue_points::handler).await
}
