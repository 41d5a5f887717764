#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(member_coupons::OPERATION, member_coupons::handler).await
}
