#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(claim_card::OPERATION, claim_card::handler).await
}
