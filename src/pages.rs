//! Shared page plumbing: rendering askama templates and the error page,
//! which always offers a way forward.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::Cookie;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::domain::AuthorizationResponse;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    tenant_name: &'a str,
    title: &'a str,
    message: &'a str,
    ways: &'a [Way],
    back: Option<&'a AuthorizationResponse>,
}

/// A link an error page offers: where to go from a dead end.
#[derive(Clone, Debug)]
pub struct Way {
    pub label: String,
    pub href: String,
}

/// Renders a template as an HTML response, setting any cookies given.
pub fn render<T: Template>(
    status: StatusCode,
    page: &T,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    match page.render() {
        Ok(body) => {
            let mut response = HttpResponse::build(status);
            response
                .content_type("text/html; charset=utf-8")
                .insert_header(("Cache-Control", "no-store"))
                .insert_header(("X-Frame-Options", "DENY"))
                .insert_header((
                    "Content-Security-Policy",
                    "default-src 'self'; frame-ancestors 'none'; form-action 'self' http: https:",
                ));
            for cookie in cookies {
                response.cookie(cookie);
            }
            response.body(body)
        }
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("The page could not be shown.")
        }
    }
}

/// An error shown to a person as a page, never as a redirect.
#[derive(Clone, Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub tenant_name: String,
    pub title: &'static str,
    pub message: String,
    /// Private detail for the logs only.
    pub detail: String,
    /// Where the person may go from here (boxed: errors travel in every
    /// page handler's `Result`, so they stay small).
    pub onward: Box<Onward>,
}

/// The ways on from an error page.
#[derive(Clone, Debug, Default)]
pub struct Onward {
    /// The way back to the application (an OAuth error response in the
    /// request's response mode: a link, or a form to post), offered first.
    pub back: Option<AuthorizationResponse>,
    /// Where else the person may go, the main way first: signing in, ... A
    /// page of a tenant's that names none gets the tenant's start page
    /// ([`offer_tenant_home`]), any other the server's start page.
    pub ways: Vec<Way>,
}

impl PageError {
    pub fn new(
        status: StatusCode,
        tenant_name: &str,
        title: &'static str,
        message: &str,
    ) -> PageError {
        PageError {
            status,
            tenant_name: tenant_name.to_owned(),
            title,
            message: message.to_owned(),
            detail: String::new(),
            onward: Box::default(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> PageError {
        self.detail = detail.into();
        self
    }

    /// The way back to the application, offered first: an OAuth error
    /// response in the request's response mode (a link, or a form to post).
    pub fn back(mut self, response: AuthorizationResponse) -> PageError {
        self.onward.back = Some(response);
        self
    }

    /// Offers a link onwards (the first one is shown as the main action).
    pub fn way(mut self, label: impl Into<String>, href: impl Into<String>) -> PageError {
        self.onward.ways.push(Way {
            label: label.into(),
            href: href.into(),
        });
        self
    }

    /// An unknown organization: the way on is the server's start page,
    /// where a person finds theirs.
    pub fn not_found() -> PageError {
        PageError::new(
            StatusCode::NOT_FOUND,
            "Portico",
            "Not found",
            "There is no such organization on this server. Check the address, or find your organization from the start page.",
        )
        .way("Find your organization", "/")
    }

    pub fn server(tenant_name: &str, detail: impl Into<String>) -> PageError {
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            tenant_name,
            "Something went wrong",
            "The server could not complete your request. Please try again.",
        )
        .detail(detail)
    }

    pub fn csrf(tenant_name: &str) -> PageError {
        PageError::new(
            StatusCode::FORBIDDEN,
            tenant_name,
            "Form expired",
            "This form was not sent from this page, or it has expired. Go back, reload the page and try again.",
        )
    }

    pub fn expired_request(tenant_name: &str) -> PageError {
        PageError::new(
            StatusCode::BAD_REQUEST,
            tenant_name,
            "Sign-in expired",
            "This sign-in has expired or was already completed. Go back to the application and start again.",
        )
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.title, self.detail)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if !self.detail.is_empty() {
            tracing::info!(status = self.status.as_u16(), detail = %self.detail, "page error");
        }
        self.page()
    }
}

impl PageError {
    fn page(&self) -> HttpResponse {
        let mut response = render(
            self.status,
            &ErrorPage {
                tenant_name: &self.tenant_name,
                title: self.title,
                message: &self.message,
                ways: &self.onward.ways,
                back: self.onward.back.as_ref(),
            },
            Vec::new(),
        );
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                crate::store::RETRY_AFTER_SECONDS.into(),
            );
        }
        response
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(e: crate::store::StoreError) -> PageError {
        if e.is_unavailable() {
            return PageError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Portico",
                "Temporarily unavailable",
                "The sign-in service cannot reach its database right now. Try again in a few seconds.",
            )
            .detail(e.to_string());
        }
        PageError::server("Portico", e.to_string())
    }
}

pub type PageResult<T> = Result<T, PageError>;

/// A 303 See Other to a same-origin path or a verified URL.
pub fn see_other(location: &str, cookies: Vec<Cookie<'static>>) -> HttpResponse {
    let mut response = HttpResponse::SeeOther();
    response
        .insert_header(("Location", location))
        .insert_header(("Cache-Control", "no-store"));
    for cookie in cookies {
        response.cookie(cookie);
    }
    response.finish()
}

/// The tenant a page is for, or the "no such organization" page.
pub async fn tenant_page(
    tenants: &crate::tokens::TenantDirectory,
    slug: &str,
) -> PageResult<std::sync::Arc<crate::tokens::TenantContext>> {
    tenants.get(slug).await?.ok_or_else(PageError::not_found)
}

/// `/t/{slug}` for a path under a tenant, if its slug is well formed.
fn tenant_home(path: &str) -> Option<String> {
    let slug = path.strip_prefix("/t/")?.split('/').next()?;
    crate::domain::TenantSlug::parse(slug).ok()?;
    Some(crate::routes::tenant_path(slug))
}

/// Middleware: an error page of a tenant's that names no way on within this
/// server (none, or only back to the application) offers the tenant's start
/// page (sign in, My apps, the console), so no page a browser reaches is a
/// dead end.
pub async fn offer_tenant_home(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let home = tenant_home(req.path());
    let response = next.call(req).await?;
    let page = home.and_then(|home| {
        let error = response.response().error()?.as_error::<PageError>()?;
        let label = "Go to the organization's start page";
        let on_site = error.onward.ways.iter().any(|w| w.href.starts_with('/'));
        (!on_site).then(|| error.clone().way(label, home))
    });
    Ok(match page {
        Some(page) => {
            let (req, _) = response.into_parts();
            ServiceResponse::new(req, page.page()).map_into_right_body()
        }
        None => response.map_into_left_body(),
    })
}
