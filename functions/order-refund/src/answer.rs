//! The refund as answered (API "POST /orders/{order_id}/refunds"): what it took back and
//! gave back on each balance, and the balances after.

use api::render::Money;
use domain::{OrderId, RefundId};
use serde::Serialize;

#[derive(Serialize)]
pub(crate) struct Refunded<'a> {
    pub(crate) order_id: &'a OrderId,
    pub(crate) refund_id: &'a RefundId,
    pub(crate) coupon_returned: Option<String>,
    pub(crate) points_clawed_back: i64,
    pub(crate) credit_clawed_back: Money,
    pub(crate) points_restored: i64,
    pub(crate) points_pending_cancelled: i64,
    pub(crate) points_balance: i64,
    pub(crate) credit_balance: Money,
    pub(crate) refunded_total: Money,
    pub(crate) value_restored: Money,
    pub(crate) value_balance: Money,
}
