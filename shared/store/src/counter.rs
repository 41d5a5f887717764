//! Counts the DynamoDB calls a client makes, by operation, so tests can hold every operation
//! to one read and one write round trip (invariant 7).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    calls: Arc<Mutex<BTreeMap<String, u64>>>,
}

/// Calls made so far, by operation name (`BatchGetItem`, `TransactWriteItems`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calls(pub BTreeMap<String, u64>);

const READS: &[&str] = &["GetItem", "BatchGetItem", "Query", "Scan"];
const WRITES: &[&str] = &[
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
];

impl Calls {
    fn sum(&self, names: &[&str]) -> u64 {
        self.0
            .iter()
            .filter(|(op, _)| names.contains(&op.as_str()))
            .map(|(_, n)| n)
            .sum()
    }

    pub fn reads(&self) -> u64 {
        self.sum(READS)
    }

    pub fn writes(&self) -> u64 {
        self.sum(WRITES)
    }

    pub fn of(&self, op: &str) -> u64 {
        self.0.get(op).copied().unwrap_or(0)
    }

    /// The calls made between `earlier` and `self`.
    pub fn since(&self, earlier: &Calls) -> Calls {
        Calls(
            self.0
                .iter()
                .map(|(op, n)| (op.clone(), n - earlier.of(op)))
                .filter(|(_, n)| *n > 0)
                .collect(),
        )
    }
}

impl CallCounter {
    pub fn snapshot(&self) -> Calls {
        Calls(self.calls.lock().map(|c| c.clone()).unwrap_or_default())
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    // Once per call, not per retry attempt: a call is one round trip as the code sees it.
    // Not `read_before_execution`: client interceptors see that before the operation's
    // metadata is in the bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg
            .load::<Metadata>()
            .map(|m| m.name().to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        if let Ok(mut calls) = self.calls.lock() {
            *calls.entry(op).or_default() += 1;
        }
        Ok(())
    }
}
