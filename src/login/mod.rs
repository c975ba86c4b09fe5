//! The browser side of sign-in: sessions, CSRF, throttling, and the askama pages.

pub mod consent;
pub mod csrf;
pub mod device;
pub mod hashing;
pub mod mfa;
pub mod pages;
pub mod password;
pub mod session;
pub mod throttle;
