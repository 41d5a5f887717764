//! Request documents (card definitions, programs, settings) are parsed into domain types
//! here, with every limit checked once; the edge maps these errors to HTTP.

use serde::de::DeserializeOwned;
use serde_json::Value;
use thiserror::Error;

use crate::points::MAX_GRANT_POINTS;
use crate::{Currency, Money, MoneyError};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentError {
    /// Well-formed JSON that is not a valid document (422 `invalid_request`).
    #[error("{0}")]
    Invalid(String),
    /// A money field before the shop has a currency (409 `shop_not_configured`).
    #[error("set the shop's currency first (PUT /admin/settings)")]
    NotConfigured,
}

impl DocumentError {
    /// Deserializes a body; type errors name the field.
    pub fn from_json<T: DeserializeOwned>(body: &Value) -> Result<T, DocumentError> {
        T::deserialize(body).map_err(|e| DocumentError::Invalid(e.to_string()))
    }
}

impl From<MoneyError> for DocumentError {
    fn from(e: MoneyError) -> Self {
        DocumentError::Invalid(e.to_string())
    }
}

/// The points and credit a grant gives (a paid upgrade's reward, a recharge rule's gifts):
/// points 0 to `MAX_GRANT_POINTS`, credit a non-negative amount in the shop's currency.
/// Refusals name the grant's owner (`at`, "level gold") and the grant (`noun`, "reward").
pub(crate) fn grant_amounts(
    (points, credit): (i64, Option<&str>),
    currency: &Currency,
    at: &str,
    noun: &str,
) -> Result<(i64, Money), DocumentError> {
    if !(0..=MAX_GRANT_POINTS).contains(&points) {
        return Err(DocumentError::Invalid(format!(
            "{at}: {noun} points are 0 or more"
        )));
    }
    let credit = match credit {
        Some(c) => Money::parse_non_negative(c, currency)
            .map_err(|e| DocumentError::Invalid(format!("{noun} credit: {e}")))?,
        None => Money::ZERO,
    };
    Ok((points, credit))
}
