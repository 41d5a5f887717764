#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(import_members::OPERATION, import_members::handler).await
}
