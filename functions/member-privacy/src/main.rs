#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(member_privacy::OPERATION, member_privacy::handler).await
}
