//! A redemption of points, credit or stored value as answered: what it took off the order
//! and the balances after.

use api::render::Money;
use domain::{MemberId, OrderId};
use serde::Serialize;

#[derive(Serialize)]
pub(crate) struct Redeemed<'a> {
    pub(crate) order_id: &'a OrderId,
    pub(crate) member_id: &'a MemberId,
    pub(crate) discount: Money,
    pub(crate) points_redeemed: i64,
    pub(crate) points_balance: i64,
    pub(crate) credit_balance: Money,
    pub(crate) value_balance: Money,
}
