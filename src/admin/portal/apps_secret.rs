//! The one page that shows an app's client secret: after registering the
//! app or rotating its secret. It is never stored in the clear, so no other
//! page can show it; this one is `no-store` like every console page.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::frame::{Console, Frame};
use crate::admin::client_auth::ClientAuthError;
use crate::admin::provision::Registered;
use crate::domain::ClientType;
use crate::pages::PageError;
use crate::routes;

/// What the page says about the app and its new secret.
pub(super) struct SecretShown {
    pub(super) heading: &'static str,
    pub(super) name: String,
    pub(super) client_id: String,
    /// `None` for a public app: it has no secret.
    pub(super) secret: Option<String>,
}

impl SecretShown {
    pub(super) fn registered(registered: &Registered) -> SecretShown {
        SecretShown {
            heading: "App registered",
            name: registered.client.name.clone(),
            client_id: registered.client.client_id.clone(),
            secret: match registered.client.client_type {
                ClientType::Confidential => registered.secret.clone(),
                ClientType::Public => None,
            },
        }
    }
}

#[derive(Template)]
#[template(path = "console/app_secret.html")]
struct SecretPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    shown: &'a SecretShown,
    app_href: String,
    issuer: &'a str,
    token_url: String,
    discovery_url: String,
}

pub(super) fn secret_page(console: &Console, shown: &SecretShown) -> HttpResponse {
    let issuer = &console.ctx.issuer;
    let page = SecretPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        shown,
        app_href: super::apps_detail::app_href(&console.ctx, &shown.client_id),
        issuer,
        token_url: format!("{issuer}{}", routes::TOKEN),
        discovery_url: format!("{issuer}{}", routes::DISCOVERY),
    };
    console.render(StatusCode::OK, &page)
}

/// A registration or rotation that failed: the database's own page when it
/// is unreachable, else what was wrong, with the way back to the apps.
pub(super) fn failed(console: &Console, e: ClientAuthError) -> PageError {
    let apps = super::frame::Section::Apps.url(&console.ctx);
    match e {
        ClientAuthError::Store(e) => PageError::from(e),
        ClientAuthError::NoApp => super::apps_detail::no_such_app(&console.ctx),
        ClientAuthError::Invalid(why) => PageError::new(
            StatusCode::BAD_REQUEST,
            console.tenant_name(),
            "Not possible",
            &why,
        )
        .way("Back to the apps", apps),
    }
}
