//! Successful answers, and the one function that turns any handler result into HTTP.

use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Response};

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: StatusCode,
    pub body: String,
    pub replayed: bool,
    /// `application/json` unless said (an export is `text/csv`).
    pub content_type: &'static str,
}

impl Reply {
    pub fn new(status: StatusCode, body: String) -> Self {
        Self {
            status,
            body,
            replayed: false,
            content_type: "application/json",
        }
    }

    /// A CSV document (an export).
    pub fn csv(body: String) -> Self {
        Self {
            content_type: "text/csv; charset=utf-8",
            ..Self::new(StatusCode::OK, body)
        }
    }

    /// An SVG image (a claim link's QR code).
    pub fn svg(body: String) -> Self {
        Self {
            content_type: "image/svg+xml",
            ..Self::new(StatusCode::OK, body)
        }
    }

    /// 200 with `reply` (a `Serialize` type of `crate::render` or of the operation).
    pub fn ok(reply: &impl serde::Serialize) -> Result<Self, ApiError> {
        Ok(Self::new(
            StatusCode::OK,
            crate::render::body(reply)?.to_string(),
        ))
    }

    pub fn replayed(status: u16, body: String) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            body,
            replayed: true,
            content_type: "application/json",
        }
    }
}

/// Expected failures become problem+json responses, never Lambda errors.
pub fn respond(result: Result<Reply, ApiError>) -> Response<Body> {
    match result {
        Ok(reply) if reply.status == StatusCode::NO_CONTENT => Response::builder()
            .status(reply.status)
            .body(Body::Empty)
            .unwrap_or_else(|_| Response::new(Body::Empty)),
        Ok(reply) => {
            let mut builder = Response::builder()
                .status(reply.status)
                .header(header::CONTENT_TYPE, reply.content_type);
            if reply.replayed {
                builder = builder.header("idempotent-replayed", "true");
            }
            builder
                .body(Body::from(reply.body))
                .unwrap_or_else(|_| Response::new(Body::Empty))
        }
        Err(err) => {
            match &err {
                ApiError::Internal(cause) => tracing::error!(%cause, "unexpected error"),
                ApiError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
                _ => {}
            }
            err.to_response()
        }
    }
}

/// A response handed to the Lambda runtime as it is. lambda_http converts any other
/// response's body by its content type, decoding text through encoding_rs, which puts every
/// legacy charset's tables in each bootstrap; ours are already what API Gateway takes (JSON,
/// CSV and problem+json as UTF-8 `Body::Text`, the console's gzip and images as
/// `Body::Binary`), so nothing is converted (BENCHMARKS.md "Bootstrap size").
pub struct AsIs(pub Response<Body>);

impl lambda_http::IntoResponse for AsIs {
    fn into_response(
        self,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response<Body>> + Send>> {
        Box::pin(std::future::ready(self.0))
    }
}
