//! CSRF protection for every form: a random token in a tenant-scoped,
//! SameSite=Strict cookie that each form must echo (double-submit).

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use subtle::ConstantTimeEq;

pub const COOKIE: &str = "portico_csrf";

/// The request's CSRF token, and a cookie to set when it had none.
pub fn token(req: &HttpRequest, path: &str, secure: bool) -> (String, Option<Cookie<'static>>) {
    match req.cookie(COOKIE) {
        Some(c) if c.value().len() == 43 => (c.value().to_owned(), None),
        _ => {
            let value = crate::crypto::random_token();
            let cookie = Cookie::build(COOKIE, value.clone())
                .path(path.to_owned())
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Strict)
                .finish();
            (value, Some(cookie))
        }
    }
}

/// True when the form's token equals the cookie's.
pub fn verify(req: &HttpRequest, submitted: &str) -> bool {
    req.cookie(COOKIE).is_some_and(|c| {
        !submitted.is_empty() && c.value().as_bytes().ct_eq(submitted.as_bytes()).into()
    })
}
