//! The reports as answered in JSON: each opens with its period and currency.

use api::render::Amount;
use serde::Serialize;
use std::collections::BTreeMap;

/// A JSON report: its period, currency and figures.
#[derive(Serialize)]
pub(crate) struct Report<'a, T> {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) currency: &'a str,
    #[serde(flatten)]
    pub(crate) body: T,
}

/// The roll-forward of each account, and the points liability in money when the shop
/// values a point.
#[derive(Serialize)]
pub(crate) struct Balances {
    pub(crate) accounts: BTreeMap<&'static str, Rolled>,
    pub(crate) points_value: Option<PointsValue>,
}

#[derive(Serialize)]
pub(crate) struct Rolled {
    pub(crate) opening: Amount,
    pub(crate) closing: Amount,
    pub(crate) movements: BTreeMap<String, Amount>,
}

#[derive(Serialize)]
pub(crate) struct PointsValue {
    pub(crate) per_point: String,
    pub(crate) closing: Amount,
}
