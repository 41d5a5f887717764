#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(register_member::OPERATION, register_member::handler).await
}
