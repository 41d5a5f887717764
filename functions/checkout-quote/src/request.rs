//! The quote's request body.

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
    pub(crate) lines: Vec<RawLine>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawLine {
    #[serde(default)]
    pub(crate) sku: Option<String>,
    #[serde(default)]
    pub(crate) category: Option<String>,
    pub(crate) amount: String,
    #[serde(default = "yes")]
    pub(crate) member_discount: bool,
    #[serde(default)]
    pub(crate) promotional: bool,
    #[serde(default)]
    pub(crate) member_price: bool,
    #[serde(default)]
    pub(crate) campaign: bool,
}
