#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(credit_card_reset::OPERATION, credit_card_reset::handler).await
}
