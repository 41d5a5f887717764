#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run_job("expire-purchases", |ctx, _| async move {
        expire_purchases::sweep(&ctx.store, ctx.now())
            .await
            .map_err(lambda_http::Error::from)
    })
    .await
}
