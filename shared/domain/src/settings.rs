//! A shop's basic settings.

use crate::money::Currency;
use crate::time::ShopTz;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub currency: Currency,
    pub timezone: ShopTz,
    /// The HMAC secret the payment provider signs webhooks with. Never echoed.
    pub webhook_secret: Option<String>,
    /// The endpoint secret Stripe signs this shop's events with (`whsec_...`). Never echoed.
    pub stripe_webhook_secret: Option<String>,
    pub version: u64,
}

pub const MIN_WEBHOOK_SECRET_CHARS: usize = 16;
