//! Reading requests: path and query parameters, JSON bodies, the Idempotency-Key header.
//! Malformed JSON is a 400; well-formed JSON of the wrong shape or type is a 422.

use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};

use domain::{CardId, IdempotencyKey, OrderId};

use crate::error::ApiError;

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// Bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn path_param(req: &Request, name: &str) -> Result<String, ApiError> {
    req.path_parameters_ref()
        .and_then(|p| p.first(name))
        .map(str::to_owned)
        .ok_or_else(|| ApiError::NotFound(format!("missing path parameter {name}")))
}

/// The `order_id` path parameter: the shop's own order id.
pub fn order_id(req: &Request) -> Result<OrderId, ApiError> {
    let id = path_param(req, "order_id")?;
    OrderId::parse(&id).map_err(|_| ApiError::Invalid(format!("{id:?} is not a valid order id")))
}

/// The `card_id` path parameter; an id this API could not have made is no card (404).
pub fn card_id(req: &Request) -> Result<CardId, ApiError> {
    let id = path_param(req, "card_id")?;
    CardId::parse(&id).map_err(|_| ApiError::NotFound(format!("no card {id:?}")))
}

/// A coupon definition's id (path or body); one this API could not have made is no
/// coupon (404).
pub fn coupon_id(id: &str) -> Result<String, ApiError> {
    domain::CouponId::parse(id)
        .map(|c| c.to_string())
        .map_err(|_| ApiError::NotFound(format!("no coupon {id:?}")))
}

/// A page's `limit` query parameter: 1-100, 50 when absent.
pub fn limit(req: &Request) -> Result<i32, ApiError> {
    match query_param(req, "limit") {
        None => Ok(50),
        Some(l) => l
            .parse::<i32>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| ApiError::Invalid("limit must be 1-100".into())),
    }
}

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref()
        .and_then(|q| q.first(name))
        .map(str::to_owned)
}

/// The body's bytes as sent (webhook signatures are over exactly these).
pub fn raw_body(req: &Request) -> &[u8] {
    match req.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    }
}

/// A header's value, if present and visible ASCII.
pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The body as a JSON object; an empty body, bad JSON, or a non-object is refused.
pub fn json_object(req: &Request) -> Result<Value, ApiError> {
    json_object_up_to(req, MAX_BODY_BYTES)
}

/// A bulk body (a member import's 1,000 rows) may be larger, up to `max` bytes.
pub fn json_object_up_to(req: &Request, max: usize) -> Result<Value, ApiError> {
    let bytes = raw_body(req);
    if bytes.len() > max {
        return Err(ApiError::Malformed("request body too large".into()));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::Malformed("a JSON body is required".into()));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::Malformed(format!("body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::Invalid("the body must be a JSON object".into()));
    }
    Ok(value)
}

/// Deserializes a parsed body into a request type; type errors name the field.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, ApiError> {
    T::deserialize(value).map_err(|e| ApiError::Invalid(e.to_string()))
}

pub fn idempotency_key(req: &Request) -> Result<Option<IdempotencyKey>, ApiError> {
    match req.headers().get(IDEMPOTENCY_HEADER) {
        None => Ok(None),
        Some(v) => {
            let text = v
                .to_str()
                .map_err(|_| ApiError::Invalid("Idempotency-Key must be ASCII".into()))?;
            Ok(Some(IdempotencyKey::parse(text)?))
        }
    }
}

pub fn required_idempotency_key(req: &Request) -> Result<IdempotencyKey, ApiError> {
    idempotency_key(req)?
        .ok_or_else(|| ApiError::Invalid("the Idempotency-Key header is required".into()))
}

/// What makes two requests "the same" for idempotency: the operation, its target and the
/// body's JSON value (key order and whitespace do not matter).
pub fn fingerprint(operation: &str, target: &str, body: &Value) -> String {
    let mut hash = Sha256::new();
    hash.update(operation.as_bytes());
    hash.update([0]);
    hash.update(target.as_bytes());
    hash.update([0]);
    hash.update(canonical(body).as_bytes());
    hex::encode(hash.finalize())
}

fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(canonical).collect::<Vec<_>>().join(",")
            )
        }
        other => other.to_string(),
    }
}

/// A purchase's request, a card's or a level's: an optional body naming the member (staff
/// buy for a member, a customer only for itself) and the optional Idempotency-Key, bound to
/// what is bought and for whom.
pub fn purchase_request(
    principal: &crate::Principal,
    req: &Request,
    operation: &str,
    target: &str,
) -> Result<(domain::MemberId, Option<crate::Once>), ApiError> {
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(default)]
        member_id: Option<String>,
    }
    let body = match req.body() {
        Body::Empty => Value::Object(Default::default()),
        _ => json_object(req)?,
    };
    let raw: Raw = from_value(&body)?;
    let member = principal.member_for(raw.member_id.as_deref())?;
    let once = idempotency_key(req)?.map(|key| crate::Once {
        fingerprint: fingerprint(operation, &format!("{target}/{member}"), &body),
        key,
    });
    Ok((member, once))
}

/// API 1.1: a program PUT keeps the fields it does not send. The body's top-level fields
/// are laid over the stored document (in the same shape, so it parses back).
pub fn over(stored: Option<Value>, body: &Value) -> Value {
    match (stored, body) {
        (Some(Value::Object(mut doc)), Value::Object(sent)) => {
            for (k, v) in sent {
                doc.insert(k.clone(), v.clone());
            }
            Value::Object(doc)
        }
        _ => body.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fingerprints_ignore_key_order_but_not_values() {
        let a = fingerprint("op", "m1", &json!({"a": 1, "b": {"x": "1", "y": [1, 2]}}));
        let b = fingerprint("op", "m1", &json!({"b": {"y": [1, 2], "x": "1"}, "a": 1}));
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint("op", "m2", &json!({"a": 1, "b": {"x": "1", "y": [1, 2]}}))
        );
        assert_ne!(
            a,
            fingerprint("op", "m1", &json!({"a": 2, "b": {"x": "1", "y": [1, 2]}}))
        );
    }
}
