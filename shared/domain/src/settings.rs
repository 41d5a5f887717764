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
    /// 000 引导购买: the paid, listed card the shop guides members to buy, and where it
    /// shows ("product", "checkout").
    pub guide_card_id: Option<String>,
    pub guide_on: Vec<String>,
    pub version: u64,
}

/// Where a guide-to-buy card may show.
pub const GUIDE_PLACES: [&str; 2] = ["product", "checkout"];

pub const MIN_WEBHOOK_SECRET_CHARS: usize = 16;
