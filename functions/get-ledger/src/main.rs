#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(get_ledger::OPERATION, get_ledger::handler).await
}
