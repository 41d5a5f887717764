//! The async job nests deep enough (sweep -> settle -> reread -> load) to pass the
//! compiler's default layout depth of 128.
#![recursion_limit = "256"]

use domain::chrono::Timelike;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    api::run_job("expire-lots", |ctx, _| async move {
        let now = ctx.now();
        let mut swept = expire_lots::sweep(ctx, now)
            .await
            .map_err(lambda_http::Error::from)?;
        // The first run after 01:00 UTC each day closes the report months (issue 34): the
        // hour apart from midnight's notices, so the two never share a run.
        if now.hour() == 1 {
            swept["close"] = expire_lots::close_months(ctx, now)
                .await
                .map_err(lambda_http::Error::from)?;
        }
        Ok(swept)
    })
    .await
}
