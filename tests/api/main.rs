//! The one integration-test binary: each module is a feature, each test boots
//! its own server on port 0 with a fresh database.

mod admin_api;
mod anonymous;
mod authorize_errors;
mod browser;
mod cli;
mod client_auth;
mod code_flow;
mod compare;
mod cross_tenant;
mod faults;
mod federation;
mod forged_home;
mod guessing;
mod guest_rules;
mod guests;
mod helpers;
mod homes;
mod mfa;
mod mfa_claims;
mod operations;
mod outage;
mod par;
mod passkeys;
mod policies;
mod portal;
mod scale_out;
mod smtp;
mod ssrf;
mod token_exchange;
mod token_security;
mod trust_boundaries;
