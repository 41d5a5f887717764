//! Every expected failure as one typed error, turned into HTTP in one place.

use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Response};
use serde_json::json;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InsufficientBalance(String),
    #[error("this Idempotency-Key was used for a different request")]
    IdempotencyKeyReused,
    #[error("{0}")]
    ShopNotConfigured(String),
    /// A business rule refused the request; the refusal carries its code and class.
    #[error("{0}")]
    Refused(#[from] domain::Refusal),
    #[error(
        "too many concurrent changes to the same balance; retry with the same Idempotency-Key"
    )]
    Contention,
    /// The database did not answer in time or could not be reached: nothing is known to
    /// have changed, and the same request (same Idempotency-Key) may be sent again.
    #[error("the database is not answering; retry with the same Idempotency-Key")]
    Unavailable(String),
    /// More rows than one call takes (413 `too_many_rows`).
    #[error("{0}")]
    TooManyRows(String),
    /// Anything unexpected: an opaque 500 outside, the cause in the log.
    #[error("internal error: {0}")]
    Internal(String),
    /// Not an answer: a decision found it needs items its read did not ask for (a card's
    /// gift pack names coupons); `execute` reads them too and decides again.
    #[error("read more items")]
    ReadMore(Vec<store::Key>),
}

impl ApiError {
    /// Money cannot be taken before the shop has a currency.
    pub fn not_configured() -> Self {
        ApiError::ShopNotConfigured("set the shop's currency first (PUT /admin/settings)".into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) | ApiError::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::InsufficientBalance(_) | ApiError::ShopNotConfigured(_) => {
                StatusCode::CONFLICT
            }
            ApiError::Refused(r) => match r.class() {
                domain::refusal::Class::Conflict => StatusCode::CONFLICT,
                domain::refusal::Class::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
                domain::refusal::Class::Unauthenticated => StatusCode::UNAUTHORIZED,
                domain::refusal::Class::NotFound => StatusCode::NOT_FOUND,
            },
            ApiError::Contention | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyRows(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(_) | ApiError::ReadMore(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) | ApiError::Invalid(_) => "invalid_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::InsufficientBalance(_) => "insufficient_balance",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::ShopNotConfigured(_) => "shop_not_configured",
            ApiError::Refused(r) => r.code(),
            ApiError::Contention => "contention",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::TooManyRows(_) => "too_many_rows",
            ApiError::Internal(_) | ApiError::ReadMore(_) => "internal_error",
        }
    }

    fn detail(&self) -> String {
        match self {
            // The cause goes to the log, never to the caller.
            ApiError::Internal(_) | ApiError::ReadMore(_) => {
                "an unexpected error occurred".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// `application/problem+json` (RFC 9457) with our stable `code`.
    pub fn to_response(&self) -> Response<Body> {
        let status = self.status();
        let body = json!({
            "type": format!("https://loyalty.example/problems/{}", self.code()),
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": self.detail(),
            "code": self.code(),
        });
        let mut builder = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/problem+json");
        if matches!(self, ApiError::Contention | ApiError::Unavailable(_)) {
            builder = builder.header(header::RETRY_AFTER, "1");
        }
        builder
            .body(Body::from(body.to_string()))
            .unwrap_or_else(|_| Response::new(Body::Empty))
    }
}

impl From<store::StoreError> for ApiError {
    fn from(err: store::StoreError) -> Self {
        match err {
            store::StoreError::Unavailable(cause) => ApiError::Unavailable(cause),
            store::StoreError::MemberErased => ApiError::Refused(domain::Refusal::MemberErased),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<domain::cards::ClaimRefusal> for ApiError {
    fn from(r: domain::cards::ClaimRefusal) -> Self {
        ApiError::Refused(r.into())
    }
}

impl From<domain::points::RedeemRefusal> for ApiError {
    fn from(r: domain::points::RedeemRefusal) -> Self {
        ApiError::Refused(r.into())
    }
}

impl From<domain::document::DocumentError> for ApiError {
    fn from(err: domain::document::DocumentError) -> Self {
        match err {
            domain::document::DocumentError::Invalid(why) => ApiError::Invalid(why),
            domain::document::DocumentError::NotConfigured => ApiError::not_configured(),
        }
    }
}

impl From<domain::InvalidId> for ApiError {
    fn from(err: domain::InvalidId) -> Self {
        ApiError::Invalid(err.to_string())
    }
}

impl From<domain::MoneyError> for ApiError {
    fn from(err: domain::MoneyError) -> Self {
        ApiError::Invalid(err.to_string())
    }
}

impl<Q: domain::Quantity> From<domain::Insufficient<Q>> for ApiError {
    fn from(err: domain::Insufficient<Q>) -> Self {
        ApiError::InsufficientBalance(err.to_string())
    }
}
