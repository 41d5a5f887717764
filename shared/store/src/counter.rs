//! Counts the DynamoDB calls a client makes, by operation, so tests can hold every operation
//! to one read and one write round trip (invariant 7), and the capacity DynamoDB says they
//! consumed, for each invocation's log line (issue 25).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::operation::{
    batch_get_item::{BatchGetItemInput, BatchGetItemOutput},
    delete_item::{DeleteItemInput, DeleteItemOutput},
    get_item::{GetItemInput, GetItemOutput},
    put_item::{PutItemInput, PutItemOutput},
    query::{QueryInput, QueryOutput},
    transact_write_items::{TransactWriteItemsInput, TransactWriteItemsOutput},
    update_item::{UpdateItemInput, UpdateItemOutput},
};
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextMut, BeforeSerializationInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    calls: Arc<Mutex<Calls>>,
}

/// Calls made so far, by operation name (`BatchGetItem`, `TransactWriteItems`, ...), and the
/// capacity units DynamoDB reported for them, in thousandths (reads are counted in halves).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calls {
    by_operation: BTreeMap<String, u64>,
    capacity_milli: u64,
}

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
        self.by_operation
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
        self.by_operation.get(op).copied().unwrap_or(0)
    }

    /// The read and write capacity units the calls consumed, as DynamoDB reported them.
    pub fn capacity_units(&self) -> f64 {
        self.capacity_milli as f64 / 1000.0
    }

    /// The calls made between `earlier` and `self`.
    pub fn since(&self, earlier: &Calls) -> Calls {
        Calls {
            by_operation: self
                .by_operation
                .iter()
                .map(|(op, n)| (op.clone(), n - earlier.of(op)))
                .filter(|(_, n)| *n > 0)
                .collect(),
            capacity_milli: self.capacity_milli.saturating_sub(earlier.capacity_milli),
        }
    }
}

impl CallCounter {
    pub fn snapshot(&self) -> Calls {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

/// Asks DynamoDB to report what a call consumes: the calls the store makes, unless the
/// caller asked already.
fn ask_for_capacity(input: &mut aws_smithy_runtime_api::client::interceptors::context::Input) {
    let total = || Some(ReturnConsumedCapacity::Total);
    macro_rules! ask {
        ($($ty:ty),*) => {
            $(if let Some(i) = input.downcast_mut::<$ty>() {
                if i.return_consumed_capacity.is_none() {
                    i.return_consumed_capacity = total();
                }
                return;
            })*
        };
    }
    ask!(
        GetItemInput,
        BatchGetItemInput,
        QueryInput,
        PutItemInput,
        UpdateItemInput,
        DeleteItemInput,
        TransactWriteItemsInput
    );
}

/// The capacity units an answer reports, in thousandths.
fn consumed_milli(output: &aws_smithy_runtime_api::client::interceptors::context::Output) -> u64 {
    let sum = |c: &[ConsumedCapacity]| {
        c.iter()
            .filter_map(ConsumedCapacity::capacity_units)
            .map(|u| (u * 1000.0).round() as u64)
            .sum::<u64>()
    };
    macro_rules! one {
        ($($ty:ty),*) => {
            $(if let Some(o) = output.downcast_ref::<$ty>() {
                return sum(o.consumed_capacity.as_slice());
            })*
        };
    }
    macro_rules! many {
        ($($ty:ty),*) => {
            $(if let Some(o) = output.downcast_ref::<$ty>() {
                return sum(o.consumed_capacity.as_deref().unwrap_or_default());
            })*
        };
    }
    one!(
        GetItemOutput,
        QueryOutput,
        PutItemOutput,
        UpdateItemOutput,
        DeleteItemOutput
    );
    many!(BatchGetItemOutput, TransactWriteItemsOutput);
    0
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
            *calls.by_operation.entry(op).or_default() += 1;
        }
        Ok(())
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        ask_for_capacity(context.input_mut());
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(Ok(output)) = context.output_or_error() {
            let milli = consumed_milli(output);
            if let Ok(mut calls) = self.calls.lock() {
                calls.capacity_milli += milli;
            }
        }
        Ok(())
    }
}
