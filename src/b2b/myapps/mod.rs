//! "My apps": the applications the signed-in person may use in this tenant
//! (the default destination after redeeming an invitation), each linked to
//! its home page when it has one; the person's organizations; signing out.

mod organizations;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::browser::{csrf, session};
use crate::domain::{GrantType, HomeUrl, TenantId};
use crate::pages::{PageError, PageResult, render, see_other, tenant_page};
use crate::routes;
use crate::state::AppState;
use crate::store::{self, DbConn, StoreResult};
use crate::tokens::TenantContext;
use organizations::{Organization, Organizations};

/// An app on the page: its name, linked to its home page if it has one.
struct AppLink {
    name: String,
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "myapps.html")]
struct MyAppsPage<'a> {
    tenant_name: &'a str,
    user_email: &'a str,
    is_guest: bool,
    apps: Vec<AppLink>,
    home: Option<Organization>,
    guest_of: Vec<Organization>,
    /// The tenant's base path, for links.
    base: String,
    logout: String,
    csrf_token: &'a str,
}

pub async fn get_myapps(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let Some(sess) = session::current(&state, &ctx, &req).await? else {
        return Err(not_signed_in(&ctx));
    };
    let user_id = sess.user_id.clone();
    let (tenant_id, reader) = (ctx.tenant.id.clone(), ctx.clone());
    let found = state
        .db
        .read(move |c| {
            let Some(user) = store::users::find(c, &tenant_id, &user_id)? else {
                return Ok(None);
            };
            let apps = apps(c, &tenant_id, &user.id)?;
            Ok(Some((user, apps)))
        })
        .await?;
    let (user, apps) = found.ok_or_else(|| not_signed_in(&ctx))?;
    let home_slug = organizations::home_slug(&state, &user);
    let viewer = user.clone();
    let Organizations { home, guest_of } = state
        .db
        .read(move |c| organizations::of(c, &reader, &viewer, home_slug.as_deref()))
        .await?;
    let base = routes::tenant_path(&ctx.tenant.slug);
    let (token, cookie) = csrf::token(&req, &base, state.settings.secure_cookies());
    let page = MyAppsPage {
        tenant_name: &ctx.tenant.display_name,
        user_email: &user.email,
        is_guest: user.is_guest(),
        apps,
        home,
        guest_of,
        logout: format!("{base}{}", routes::LOGOUT),
        base,
        csrf_token: &token,
    };
    Ok(render(StatusCode::OK, &page, cookie.into_iter().collect()))
}

/// The code-flow apps the user may sign in to (assigned, where the app
/// requires it), by name, with their home pages.
fn apps(c: &mut DbConn, tenant_id: &TenantId, user_id: &str) -> StoreResult<Vec<AppLink>> {
    let assigned = store::groups::assigned_apps(c, tenant_id, user_id)?;
    let mut homes: HashMap<String, HomeUrl> = store::apps::home_urls(c, tenant_id)?;
    Ok(store::apps::list(c, tenant_id)?
        .into_iter()
        .filter(|a| !a.assignment_required || assigned.contains(&a.id))
        .filter(|a| a.allows(GrantType::AuthorizationCode))
        .map(|a| AppLink {
            href: homes.remove(&a.client_id).map(|u| u.as_str().to_owned()),
            name: a.name,
        })
        .collect())
}

/// "Not signed in", with the sign-in that comes back here.
fn not_signed_in(ctx: &TenantContext) -> PageError {
    let page = PageError::new(
        StatusCode::UNAUTHORIZED,
        &ctx.tenant.display_name,
        "Not signed in",
        "You are not signed in to this organization. Sign in to see the applications you may use.",
    );
    let page = match sign_in_url(ctx) {
        Some(url) => page.way("Sign in", url),
        None => page,
    };
    page.way(
        "Go to the organization's start page",
        routes::tenant_path(&ctx.tenant.slug),
    )
}

/// A sign-in (the portal client's code flow) that returns to My apps.
pub fn sign_in_url(ctx: &TenantContext) -> Option<String> {
    routes::portal_sign_in(ctx, routes::MY_APPS_SIGNED_IN, None, None)
        .ok()
        .map(String::from)
}

/// Where that sign-in returns: on to My apps (the code is never redeemed;
/// the session the sign-in created is what counts).
pub async fn get_signed_in(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let base = routes::tenant_path(&ctx.tenant.slug);
    Ok(see_other(&format!("{base}{}", routes::MY_APPS), Vec::new()))
}
