#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run_job("expire-lots", |ctx, _| async move {
        expire_lots::sweep(ctx, ctx.now())
            .await
            .map_err(lambda_http::Error::from)
    })
    .await
}
