//! Who is using the portal: the tenant's session (OIDC Core §3.1 code flow
//! with the portal client) and, on every form, the CSRF token.

use actix_web::{HttpRequest, HttpResponse, web};

use super::frame::Section;
use crate::b2b::invitation::Inviter;
use crate::browser::{csrf, session};
use crate::domain::Role;
use crate::pages::tenant_page;
use crate::pages::{PageError, PageResult, see_other};
use crate::routes::ADMIN_SIGNED_IN;
use crate::state::AppState;
use crate::store;
use crate::tokens::TenantContext;
use serde::Deserialize;

/// The signed-in person, with what the portal lets them do.
pub(super) struct PortalUser {
    pub(super) inviter: Inviter,
    pub(super) email: String,
    pub(super) is_admin: bool,
}

pub(super) enum Access {
    SignedIn(PortalUser),
    SignIn(HttpResponse),
}

/// The person signed in to the console, or the sign-in that returns to
/// `section`.
pub(super) async fn portal_user(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    section: Section,
) -> PageResult<Access> {
    let Some(sess) = session::current(state, ctx, req).await? else {
        return Ok(Access::SignIn(sign_in_redirect(ctx, section)));
    };
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), sess.user_id.clone());
    let (user, roles) = state
        .db
        .read(move |c| {
            let user = store::users::find(c, &tenant_id, &user_id)?;
            // A session weaker than today's policy signs in again (and
            // steps up): requiring MFA of administrators takes effect at once.
            let user = match user {
                Some(u) if crate::login::mfa::meets_policy(c, &tenant_id, &u, &sess)? => Some(u),
                _ => None,
            };
            Ok((user, store::users::roles(c, &tenant_id, &user_id)?))
        })
        .await?;
    let Some(user) = user.filter(|u| u.is_usable()) else {
        return Ok(Access::SignIn(sign_in_redirect(ctx, section)));
    };
    let is_admin = roles.contains(&Role::Admin);
    Ok(Access::SignedIn(PortalUser {
        email: user.email.clone(),
        is_admin,
        inviter: Inviter::User {
            id: user.id.clone(),
            name: user.display_name.clone(),
            roles,
            is_guest: user.is_guest(),
        },
    }))
}

/// An ordinary code flow for the portal client, back to `section`.
fn sign_in_redirect(ctx: &TenantContext, section: Section) -> HttpResponse {
    match crate::routes::portal_sign_in(ctx, ADMIN_SIGNED_IN, None, Some(section.name())) {
        Ok(url) => see_other(url.as_str(), Vec::new()),
        Err(_) => {
            let error = PageError::server(&ctx.tenant.display_name, "issuer URL");
            actix_web::ResponseError::error_response(&error)
        }
    }
}

/// The common start of every portal form: the tenant, a valid CSRF token, and
/// a signed-in person (or the redirect that signs them in).
pub(super) async fn form_caller(
    state: &AppState,
    slug: &str,
    req: &HttpRequest,
    csrf_token: &str,
) -> PageResult<Result<(std::sync::Arc<TenantContext>, PortalUser), HttpResponse>> {
    let ctx = tenant_page(&state.tenants, slug).await?;
    if !csrf::verify(req, csrf_token) {
        return Err(PageError::csrf(&ctx.tenant.display_name));
    }
    Ok(
        match portal_user(state, &ctx, req, Section::Overview).await? {
            Access::SignedIn(user) => Ok((ctx, user)),
            Access::SignIn(redirect) => Err(redirect),
        },
    )
}

#[derive(Deserialize)]
pub struct SignedInQuery {
    state: Option<String>,
}

/// Back from signing in: to the section named after the dot in `state`
/// (only a section's name is read there), else the overview.
pub async fn get_signed_in(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<SignedInQuery>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let section = query
        .state
        .as_deref()
        .and_then(|s| s.rsplit_once('.'))
        .and_then(|(_, name)| Section::named(name))
        .unwrap_or(Section::Overview);
    Ok(see_other(&section.url(&ctx), Vec::new()))
}
