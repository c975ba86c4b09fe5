//! The one integration-test binary: each module is a feature, each test boots
//! its own server on port 0 with a fresh database.

mod authorize_errors;
mod browser;
mod code_flow;
mod helpers;
mod operations;
mod scale_out;
mod token_security;
