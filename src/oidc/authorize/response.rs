//! Delivering an authorization response in its mode: a 303 to the redirect
//! URI with the parameters in its query (RFC 6749 §4.1.2), or a page whose
//! form posts them to it (OAuth 2.0 Form Post Response Mode §2, §5).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use askama::Template;

use crate::crypto::random_token;
use crate::domain::{AuthorizationResponse, ResponseMode};
use crate::pages::{render, see_other};

#[derive(Template)]
#[template(path = "form_post.html")]
struct FormPostPage<'a> {
    tenant_name: &'a str,
    action: &'a str,
    fields: &'a [(&'static str, String)],
    nonce: &'a str,
}

/// The response that carries `response` back to the client.
pub fn deliver(response: &AuthorizationResponse, tenant_name: &str) -> HttpResponse {
    match response.mode {
        ResponseMode::Query => see_other(&response.query_url(), Vec::new()),
        ResponseMode::FormPost => form_post(response, tenant_name),
    }
}

/// The self-submitting form: its one script runs by nonce, the form may post
/// only to the redirect URI's origin, and nothing of it is cached (§5).
fn form_post(response: &AuthorizationResponse, tenant_name: &str) -> HttpResponse {
    let nonce = random_token();
    let page = FormPostPage {
        tenant_name,
        action: response.redirect_uri.as_str(),
        fields: &response.params,
        nonce: &nonce,
    };
    let mut answer = render(StatusCode::OK, &page, Vec::new());
    // Checked when the request was: form_post needs an http(s) redirect URI.
    let origin = response.redirect_uri.http_origin().unwrap_or_default();
    let policy = format!(
        "default-src 'none'; style-src 'self'; script-src 'nonce-{nonce}'; \
         form-action {origin}; frame-ancestors 'none'; base-uri 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        answer
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    answer
        .headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    answer
}
