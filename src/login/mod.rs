//! Signing in: the email-first and password pages, device cookies, second
//! factors and passkeys (sessions and CSRF are in `browser/`) (the throttles and the hashing pool are in `guard/`).

pub mod device;
pub mod mfa;
pub mod pages;
pub mod passkey;
pub mod password;
pub mod request;
