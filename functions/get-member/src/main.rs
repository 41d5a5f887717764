#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(get_member::OPERATION, get_member::handler).await
}
