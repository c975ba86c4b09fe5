//! Portico: a multi-tenant OpenID Connect provider for B2B guest collaboration.

pub mod admin;
pub mod b2b;
pub mod browser;
pub mod cli;
pub mod compare;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod guard;
pub mod login;
pub mod oidc;
pub mod ops;
pub mod pages;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod tokens;
