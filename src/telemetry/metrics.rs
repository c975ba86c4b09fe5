//! The Prometheus registry and the server's counters. The request
//! middleware that fills them and the `/metrics` endpoint are in `ops/`.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub tokens_issued: IntCounterVec,
    pub sign_in_failures: IntCounterVec,
    /// Answers served from a cache past its freshness because the database
    /// could not be reached (by cache: `tenant`, `client`).
    pub stale_served: IntCounterVec,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Metrics> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "portico_http_requests_total",
                "HTTP requests by route and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "portico_http_request_duration_seconds",
                "HTTP request latency",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["route"],
        )?;
        let tokens_issued = IntCounterVec::new(
            Opts::new(
                "portico_tokens_issued_total",
                "Token responses by grant type",
            ),
            &["grant_type"],
        )?;
        let sign_in_failures = IntCounterVec::new(
            Opts::new(
                "portico_sign_in_failures_total",
                "Failed sign-in attempts by reason",
            ),
            &["reason"],
        )?;
        let stale_served = IntCounterVec::new(
            Opts::new(
                "portico_stale_cache_served_total",
                "Tenant keys or clients served from cache while the database was unreachable",
            ),
            &["cache"],
        )?;
        registry.register(Box::new(stale_served.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(tokens_issued.clone()))?;
        registry.register(Box::new(sign_in_failures.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            tokens_issued,
            sign_in_failures,
            stale_served,
        })
    }

    pub fn render(&self) -> anyhow::Result<String> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        Ok(String::from_utf8(buf)?)
    }
}
