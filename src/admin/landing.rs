//! The start pages: the server's (`/`: its organizations, or a form to find
//! one) and each tenant's (`/t/{tenant}`: sign in, My apps, the console,
//! discovery), so nobody arriving at either meets an empty 404.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::b2b::myapps;
use crate::browser::{csrf, session};
use crate::domain::TenantSlug;
use crate::pages::{PageResult, render, see_other, tenant_page};
use crate::routes;
use crate::state::AppState;
use crate::store;

/// The name server-level pages carry where a tenant's pages carry theirs.
const SERVER: &str = "Portico";

/// A tenant's entry on the server's start page.
struct TenantEntry {
    name: String,
    home: String,
    discovery: String,
}

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage<'a> {
    tenant_name: &'a str,
    /// Every tenant, when the operator lets the page list them.
    tenants: Option<Vec<TenantEntry>>,
    /// What was typed into the find form, and why it was refused.
    typed: &'a str,
    error: Option<&'a str>,
}

pub async fn get_start(state: web::Data<AppState>) -> PageResult<HttpResponse> {
    start(&state, "", None, StatusCode::OK).await
}

async fn start(
    state: &AppState,
    typed: &str,
    error: Option<&str>,
    status: StatusCode,
) -> PageResult<HttpResponse> {
    let tenants = match state.settings.list_tenants {
        true => Some(state.db.read(store::tenants::list).await?),
        false => None,
    };
    let tenants = tenants.map(|list| {
        list.into_iter()
            .map(|t| {
                let home = routes::tenant_path(&t.slug);
                TenantEntry {
                    discovery: format!("{home}{}", routes::DISCOVERY),
                    home,
                    name: t.display_name,
                }
            })
            .collect()
    });
    let page = StartPage {
        tenant_name: SERVER,
        tenants,
        typed,
        error,
    };
    Ok(render(status, &page, Vec::new()))
}

#[derive(Deserialize)]
pub struct Find {
    #[serde(default)]
    organization: String,
}

/// The find form: on to `/t/{slug}` (whose page says if there is no such
/// organization), or the start page again saying what a name looks like.
pub async fn get_find(
    state: web::Data<AppState>,
    query: web::Query<Find>,
) -> PageResult<HttpResponse> {
    let typed = query.organization.trim().to_ascii_lowercase();
    match TenantSlug::parse(&typed) {
        Ok(slug) => Ok(see_other(&routes::tenant_path(slug.as_str()), Vec::new())),
        Err(_) => {
            let why = "Type your organization's short name, as in its sign-in address /t/name: lowercase letters, digits and hyphens.";
            start(
                &state,
                &query.organization,
                Some(why),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "tenant_home.html")]
struct TenantHomePage<'a> {
    tenant_name: &'a str,
    issuer: &'a str,
    base: String,
    /// The signed-in person's email, if someone is signed in here.
    signed_in: Option<String>,
    sign_in: Option<String>,
    logout: String,
    csrf_token: &'a str,
}

pub async fn get_tenant_home(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let signed_in = match session::current(&state, &ctx, &req).await? {
        Some(sess) => {
            let (tenant_id, user_id) = (ctx.tenant.id.clone(), sess.user_id);
            let user = state
                .db
                .read(move |c| store::users::find(c, &tenant_id, &user_id))
                .await?;
            user.map(|u| u.email)
        }
        None => None,
    };
    let base = routes::tenant_path(&ctx.tenant.slug);
    let (token, cookie) = csrf::token(&req, &base, state.settings.secure_cookies());
    let page = TenantHomePage {
        tenant_name: &ctx.tenant.display_name,
        issuer: &ctx.issuer,
        sign_in: signed_in
            .is_none()
            .then(|| myapps::sign_in_url(&ctx))
            .flatten(),
        signed_in,
        logout: format!("{base}{}", routes::LOGOUT),
        base,
        csrf_token: &token,
    };
    Ok(render(StatusCode::OK, &page, cookie.into_iter().collect()))
}

/// `/t/{tenant}/` goes to `/t/{tenant}`, so relative links on tenant pages
/// one level down (`./`) reach the start page.
pub async fn get_tenant_home_slash(path: web::Path<String>) -> HttpResponse {
    match TenantSlug::parse(&path) {
        Ok(slug) => see_other(&routes::tenant_path(slug.as_str()), Vec::new()),
        Err(_) => actix_web::ResponseError::error_response(&crate::pages::PageError::not_found()),
    }
}
