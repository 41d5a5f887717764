//! What a sweep did, counted per attempt and summed per worker: the invocation's answer and
//! the tests' measure, apart from the flow that fills it.

use domain::webhook::{self};
use serde_json::{json, Value};

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub delivered: u64,
    pub failed: u64,
    pub exhausted: u64,
    /// Left for later: its endpoint is disabled or gone.
    pub parked: u64,
    /// Another sweeper had it.
    pub skipped: u64,
    /// Endpoints this sweep disabled (a 410, or five days of failures).
    pub disabled: u64,
}

impl Tally {
    pub(crate) fn add(&mut self, other: Tally) {
        self.delivered += other.delivered;
        self.failed += other.failed;
        self.exhausted += other.exhausted;
        self.parked += other.parked;
        self.skipped += other.skipped;
        self.disabled += other.disabled;
    }

    /// One attempt that ended its delivery in `status`, disabling `disabled` endpoints.
    pub(crate) fn attempted(status: webhook::DeliveryStatus, disabled: u64) -> Tally {
        let mut t = Tally {
            disabled,
            ..Tally::default()
        };
        match status {
            webhook::DeliveryStatus::Delivered => t.delivered = 1,
            webhook::DeliveryStatus::Exhausted => t.exhausted = 1,
            _ => t.failed = 1,
        }
        t
    }

    pub fn json(&self) -> Value {
        json!({"delivered": self.delivered, "failed": self.failed, "exhausted": self.exhausted,
               "parked": self.parked, "skipped": self.skipped, "disabled": self.disabled})
    }
}
