//! A member's coupons (API 1.3): what the shop offers to take (`GET /coupons`), a member
//! taking one (`POST /coupons/{coupon_id}/claim`), staff issuing some
//! (`POST /members/{member_id}/coupons`), the wallet (`GET /members/{member_id}/coupons`)
//! and a gift coupon handed over at the till (`POST .../coupons/{coupon_no}/use`).
//! Stock, per-member claims and "used once" hold under any concurrency because the
//! transaction's conditions say so: the counters' takes and the wallet's version.

use api::input;
use api::{ApiError, Ctx, Reply};
use domain::coupon::CouponNo;
use domain::Refusal;
use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};

mod issue;
mod wallet;

pub const OPERATION: &str = "member-coupons";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let member = input::path_param(&req, "member_id").ok();
    let coupon_id = input::path_param(&req, "coupon_id").ok();
    let coupon_no = input::path_param(&req, "coupon_no").ok();
    match (req.method().clone(), member, coupon_id, coupon_no) {
        (Method::GET, None, None, None) => wallet::offered(ctx, &req).await,
        (Method::POST, None, Some(id), None) if path.ends_with("/claim") => {
            issue::claim(ctx, &req, &input::coupon_id(&id)?).await
        }
        (Method::POST, Some(m), None, None) => issue::staff(ctx, &req, &m).await,
        (Method::GET, Some(m), None, None) => wallet::list(ctx, &req, &m).await,
        (Method::POST, Some(m), None, Some(no)) if path.ends_with("/use") => {
            wallet::use_gift(ctx, &req, &m, &parse_no(&no)?).await
        }
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}

/// A number as typed at a till; one that cannot be a number is no coupon of the member's,
/// answered as any other coupon that is not theirs (404, naming nothing).
fn parse_no(typed: &str) -> Result<CouponNo, ApiError> {
    CouponNo::parse(typed).ok_or_else(|| Refusal::CouponNotFound.into())
}
