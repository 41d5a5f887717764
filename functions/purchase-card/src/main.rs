#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(purchase_card::OPERATION, purchase_card::handler).await
}
