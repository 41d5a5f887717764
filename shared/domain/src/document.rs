//! Request documents (card definitions, programs, settings) are parsed into domain types
//! here, with every limit checked once; the edge maps these errors to HTTP.

use serde::de::DeserializeOwned;
use serde_json::Value;
use thiserror::Error;

use crate::MoneyError;

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
