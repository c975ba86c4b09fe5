//! Who is using the portal: the tenant's session (OIDC Core §3.1 code flow
//! with the portal client) and, on every form, the CSRF token.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::b2b::invitation::Inviter;
use crate::browser::{csrf, session};
use crate::domain::Role;
use crate::pages::tenant_page;
use crate::pages::{PageError, PageResult, see_other};
use crate::routes;
use crate::routes::ADMIN_SIGNED_IN;
use crate::state::AppState;
use crate::store;
use crate::tokens::TenantContext;

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

pub(super) async fn portal_user(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
) -> PageResult<Access> {
    let Some(sess) = session::current(state, ctx, req).await? else {
        return Ok(Access::SignIn(sign_in_redirect(ctx)));
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
        return Ok(Access::SignIn(sign_in_redirect(ctx)));
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

/// An ordinary code flow for the portal client, back to `/admin`.
fn sign_in_redirect(ctx: &TenantContext) -> HttpResponse {
    match crate::routes::portal_sign_in(ctx, ADMIN_SIGNED_IN, None) {
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
    Ok(match portal_user(state, &ctx, req).await? {
        Access::SignedIn(user) => Ok((ctx, user)),
        Access::SignIn(redirect) => Err(redirect),
    })
}

pub async fn get_signed_in(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    Ok(see_other(
        &format!("{}/admin", routes::tenant_path(&ctx.tenant.slug)),
        Vec::new(),
    ))
}
