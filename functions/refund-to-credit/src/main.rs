#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(refund_to_credit::OPERATION, refund_to_credit::handler).await
}
