#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run(admin_coupons::OPERATION, admin_coupons::handler).await
}
