#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(refund_card::OPERATION, refund_card::handler).await
}
