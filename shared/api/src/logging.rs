//! The log subscriber of every function: what `lambda_http`'s default subscriber does
//! (Lambda's advanced logging controls: `AWS_LAMBDA_LOG_FORMAT=JSON` for JSON lines, the
//! level from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else INFO), without its `EnvFilter`:
//! per-target directives pulled a regex engine into every bootstrap (~0.3 MB) for filters
//! no function here uses. A level is all `RUST_LOG` sets now.

use std::str::FromStr;

use tracing_subscriber::filter::LevelFilter;

pub fn init() {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let level = var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|| var("RUST_LOG"))
        .and_then(|l| LevelFilter::from_str(&l).ok())
        .unwrap_or(LevelFilter::INFO);
    let fmt = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_max_level(level)
        .with_writer(std::io::stdout);
    // A second init (tests build many contexts in one process) keeps the first.
    let _ = match var("AWS_LAMBDA_LOG_FORMAT") {
        Some(f) if f.eq_ignore_ascii_case("json") => fmt.json().try_init(),
        _ => fmt.try_init(),
    };
}
