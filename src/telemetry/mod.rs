//! Structured logs through `tracing`: pretty for people, JSON for collectors;
//! the Prometheus metrics (`metrics.rs`).

pub mod metrics;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// `RUST_LOG` when set, else `default` (e.g. "info").
pub fn init(format: LogFormat, default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
