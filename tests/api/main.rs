//! The one integration-test binary: each module is a feature, each test boots
//! its own server on port 0 with a fresh database.

mod admin_api;
mod authorize_errors;
mod browser;
mod cli;
mod code_flow;
mod compare;
mod cross_tenant;
mod faults;
mod federation;
mod forged_home;
mod guest_rules;
mod guests;
mod helpers;
mod homes;
mod operations;
mod policies;
mod portal;
mod scale_out;
mod smtp;
mod token_exchange;
mod token_security;
