//! Program items (points, credit). Only the switch and name are read here so far; the
//! programs' rules are added by the operations that use them.

use domain::ShopId;

use crate::item;
use crate::keys::{self, Program};
use crate::Snapshot;

/// Whether the program exists and is switched on.
pub fn enabled(snapshot: &Snapshot, shop: &ShopId, program: Program) -> bool {
    snapshot
        .get(&keys::program(shop, program))
        .and_then(|it| it.get("enabled"))
        .and_then(|v| v.as_bool().ok().copied())
        .unwrap_or(false)
}

/// The custom name of the program's unit ("Points", "Stars"), if one was set.
pub fn name(snapshot: &Snapshot, shop: &ShopId, program: Program) -> Option<String> {
    snapshot
        .get(&keys::program(shop, program))
        .and_then(|it| item::opt_s(it, "name"))
        .map(str::to_owned)
}
