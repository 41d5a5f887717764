//! One CloudWatch Embedded Metric Format line per request (issue 25; AWS Lambda Powertools'
//! convention): CloudWatch turns it into metrics in namespace `Loyalty` without an API call.
//! Dimensions are the operation, and the operation with a refusal's code; never the shop
//! (one series per shop would be unbounded cardinality) and nothing about the member.

use serde_json::{json, Value};

pub const NAMESPACE: &str = "Loyalty";
/// Every metric's first dimension (Powertools' `service`): the whole service's series, which
/// the alarms and the dashboard read across operations.
pub const SERVICE: &str = "loyalty";

/// What one request did, as the metrics count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<'a> {
    pub operation: &'a str,
    pub status: u16,
    /// The problem's `code` of a 4xx or 5xx answer.
    pub code: Option<&'a str>,
    /// The records a stream consumer handed back to be tried again (0 for a request).
    pub item_failures: u64,
    pub latency_ms: u64,
    pub ddb_reads: u64,
    pub ddb_writes: u64,
    /// Unix milliseconds.
    pub timestamp_ms: i64,
}

/// The EMF document: the `_aws` block names every metric the line carries.
pub fn emf(o: &Outcome<'_>) -> Value {
    let refused = (400..500).contains(&o.status);
    let failed = o.status >= 500;
    let code = o.code.unwrap_or(if failed { "internal" } else { "none" });
    let metrics = [
        ("Requests", "Count"),
        ("Latency", "Milliseconds"),
        ("Refusals", "Count"),
        ("ServerErrors", "Count"),
        ("Unavailable", "Count"),
        ("Contention", "Count"),
        ("DynamoDBReads", "Count"),
        ("DynamoDBWrites", "Count"),
        ("ItemFailures", "Count"),
    ];
    json!({
        "_aws": {
            "Timestamp": o.timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["service"], ["service", "operation"], ["service", "operation", "code"]],
                "Metrics": metrics.iter().map(|(n, u)| json!({"Name": n, "Unit": u})).collect::<Vec<_>>(),
            }],
        },
        "service": SERVICE,
        "operation": o.operation,
        "code": code,
        "status": o.status,
        "Requests": 1,
        "Latency": o.latency_ms,
        "Refusals": u8::from(refused),
        "ServerErrors": u8::from(failed),
        "Unavailable": u8::from(o.status == 503 && code == "unavailable"),
        "Contention": u8::from(code == "contention"),
        "DynamoDBReads": o.ddb_reads,
        "DynamoDBWrites": o.ddb_writes,
        "ItemFailures": o.item_failures,
    })
}

/// The `code` of a problem+json answer, if the body is one.
pub fn problem_code(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("code")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line is EMF: every metric the `_aws` block names is a number at the top level,
    /// every dimension it names is a string there, and a refusal's code is a dimension value.
    #[test]
    fn a_refusal_is_an_emf_line_with_its_code() {
        let line = emf(&Outcome {
            operation: "redeem",
            status: 409,
            code: Some("insufficient_balance"),
            item_failures: 0,
            latency_ms: 12,
            ddb_reads: 1,
            ddb_writes: 0,
            timestamp_ms: 1_780_000_000_000,
        });
        let text = line.to_string();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        let directive = &parsed["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        for m in directive["Metrics"].as_array().unwrap() {
            let name = m["Name"].as_str().unwrap();
            assert!(parsed[name].is_number(), "{name} has a value");
        }
        for set in directive["Dimensions"].as_array().unwrap() {
            for d in set.as_array().unwrap() {
                assert!(parsed[d.as_str().unwrap()].is_string(), "{d} has a value");
            }
        }
        assert_eq!(parsed["code"], "insufficient_balance");
        assert_eq!(
            (parsed["Refusals"].as_u64(), parsed["ServerErrors"].as_u64()),
            (Some(1), Some(0))
        );
        assert!(parsed.get("shop").is_none());
        let failed = emf(&Outcome {
            status: 503,
            code: Some("unavailable"),
            ..Outcome {
                operation: "redeem",
                status: 0,
                code: None,
                item_failures: 0,
                latency_ms: 0,
                ddb_reads: 0,
                ddb_writes: 0,
                timestamp_ms: 0,
            }
        });
        assert_eq!(
            (
                failed["ServerErrors"].as_u64(),
                failed["Unavailable"].as_u64()
            ),
            (Some(1), Some(1))
        );
        assert_eq!(
            problem_code(br#"{"code":"card_sold_out","status":409}"#).as_deref(),
            Some("card_sold_out")
        );
        assert_eq!(problem_code(b"not json"), None);
    }

    /// A stream consumer's invocation that handed records back, and a failed job, as their
    /// lines count them (api::run_job).
    #[test]
    fn a_job_line_counts_item_failures_and_a_failed_invocation() {
        let job = |status, code, item_failures| {
            emf(&Outcome {
                operation: "webhook-fanout",
                status,
                code,
                item_failures,
                latency_ms: 40,
                ddb_reads: 2,
                ddb_writes: 3,
                timestamp_ms: 1_780_000_000_000,
            })
        };
        let partial = job(200, None, 2);
        assert_eq!(partial["ItemFailures"], 2);
        assert_eq!(
            (partial["ServerErrors"].as_u64(), partial["code"].as_str()),
            (Some(0), Some("none"))
        );
        let failed = job(500, Some("job_failed"), 0);
        assert_eq!(
            (failed["ServerErrors"].as_u64(), failed["code"].as_str()),
            (Some(1), Some("job_failed"))
        );
        assert_eq!(failed["Unavailable"], 0);
    }
}
