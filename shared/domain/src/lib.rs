//! Pure loyalty rules: no I/O, no SDK. Handlers parse input into these types at the edge,
//! the store loads state into them, and the functions here decide.

pub mod account;
pub mod adjust;
pub mod card_document;
pub mod cards;
pub mod checkout;
pub mod coupon;
pub mod coupon_checkout;
pub mod coupon_report;
pub mod directory;
pub mod document;
pub mod exchange;
pub mod ids;
pub mod lanes;
pub mod ledger;
pub mod level;
pub mod level_document;
pub mod member;
pub mod money;
pub mod notice;
pub mod order;
pub mod points;
pub mod points_document;
pub mod purchase;
pub mod refusal;
pub mod report;
pub mod settings;
pub mod stock;
pub mod store_credit;
pub mod stored_value;
pub mod time;
pub mod webhook;

#[cfg(test)]
mod testing;

pub use account::{Account, AccountKind, Hold, Insufficient, Portion, Quantity};
pub use ids::{
    ActorId, CardId, CouponId, IdempotencyKey, InvalidId, LevelId, MemberId, OrderId, RechargeId,
    RefundId, RuleId, ShopId, StoreId,
};
pub use ledger::{EntryId, EntryKind, LedgerEntry, Movement};
pub use money::{Currency, Money, MoneyError};
pub use refusal::Refusal;
pub use settings::Settings;
pub use time::ShopTz;

/// Decimal and date-time types the rest of the workspace shares with the domain, so no
/// crate names a second version.
pub use chrono;
pub use rust_decimal::Decimal;
