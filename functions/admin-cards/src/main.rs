#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(admin_cards::OPERATION, admin_cards::handler).await
}
