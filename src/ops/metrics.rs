//! Prometheus metrics, plus the middleware that records them and writes one
//! structured log line per request. Routes are logged by pattern
//! (`/t/{tenant}/token`), never by URL, so query strings and path tokens
//! (codes, invitation links) cannot reach the logs. Every label value comes
//! from a fixed set (known methods, route patterns, the status codes the
//! server answers with), so what a client sends cannot add series.

use std::time::Instant;

use crate::state::AppState;
pub use crate::telemetry::metrics::Metrics;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;

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
