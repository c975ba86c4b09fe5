//! The browser side of sign-in: sessions, CSRF, device cookies, consent, and
//! the askama pages (the throttles and the hashing pool are in `guard/`).

pub mod consent;
pub mod csrf;
pub mod device;
pub mod mfa;
pub mod pages;
pub mod passkey;
pub mod password;
pub mod session;
