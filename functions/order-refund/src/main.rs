#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(order_refund::OPERATION, order_refund::handler).await
}
