//! The quote's request body.

use api::checkout::RawLine;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct RawQuote {
    #[serde(default)]
    pub(crate) member_id: Option<String>,
    pub(crate) currency: String,
    #[serde(default)]
    pub(crate) card_id: Option<String>,
    #[serde(default)]
    pub(crate) shipping: Option<String>,
    /// API 1.3: absent or "best", "none", or a coupon number.
    #[serde(default)]
    pub(crate) coupon_no: Option<String>,
    pub(crate) lines: Vec<RawLine>,
}
