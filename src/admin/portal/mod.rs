//! The admin console (askama pages, CSRF on every form), one section a page
//! (`frame.rs`): members invite and see their own invitations; administrators
//! run the tenant. People sign in through the tenant's own code flow with a
//! built-in first-party client.

pub mod apps;
pub mod apps_actions;
pub mod apps_detail;
mod apps_secret;
pub mod audit;

pub mod auth;
pub mod connection;
pub mod federation;
pub mod frame;
pub mod group;
pub mod groups;
pub mod invitations;
pub mod keys;
pub mod mfa;
pub mod overview;
pub mod people;
pub mod policies;
pub mod provider_form;
pub mod providers;
pub mod settings;
pub mod user;
pub mod user_actions;
pub mod users;

use serde::Deserialize;

/// A form that carries nothing but its CSRF token (the buttons on a row),
/// and `confirm=yes` once a destructive action was confirmed.
#[derive(Deserialize)]
pub struct ActionForm {
    csrf_token: String,
    confirm: Option<String>,
}

impl ActionForm {
    /// Whether the person confirmed (the form of [`frame::Console::confirm`]).
    pub fn confirmed(&self) -> bool {
        self.confirm.as_deref() == Some("yes")
    }
}
