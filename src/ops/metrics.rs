//! Prometheus metrics, plus the middleware that records them and writes one
//! structured log line per request. Routes are logged by pattern
//! (`/t/{tenant}/token`), never by URL, so query strings and path tokens
//! (codes, invitation links) cannot reach the logs. Every label value comes
//! from a fixed set (known methods, route patterns, the status codes the
//! server answers with), so what a client sends cannot add series.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

use crate::state::AppState;

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

/// The method as a label: the standard ones by name, anything else (made-up
/// methods included) as `other`.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    KNOWN
        .into_iter()
        .find(|known| *known == method.as_str())
        .unwrap_or("other")
}

/// Records metrics and logs method, route pattern, status and latency.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(state) = state {
        state
            .metrics
            .requests
            .with_label_values(&[method, route.as_str(), &status.to_string()])
            .inc();
        state
            .metrics
            .latency
            .with_label_values(&[route.as_str()])
            .observe(elapsed.as_secs_f64());
    }
    tracing::info!(
        method = %method,
        route = %route,
        status,
        micros = elapsed.as_micros() as u64,
        "request"
    );
    Ok(response)
}
