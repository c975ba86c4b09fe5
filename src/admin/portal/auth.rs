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
    let sign_in = || Access::SignIn(sign_in_redirect(ctx, &place(ctx, req, section)));
    let Some(sess) = session::current(state, ctx, req).await? else {
        return Ok(sign_in());
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
        return Ok(sign_in());
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

/// Where in the console to come back to after signing in: the page that
/// was asked for (`users/{id}`) when it was one, else the section of the
/// form that was sent.
fn place(ctx: &TenantContext, req: &HttpRequest, section: Section) -> String {
    let console = format!("{}/admin/", crate::routes::tenant_path(&ctx.tenant.slug));
    req.path()
        .strip_prefix(&console)
        .filter(|_| req.method() == actix_web::http::Method::GET)
        .and_then(console_page)
        .map(|(page_section, rest)| format!("{}{rest}", page_section.name()))
        .unwrap_or_else(|| section.name().to_owned())
}

/// A page under the console's address that `state` may carry back: its
/// section and what follows the section's name (`/{id}`, or nothing). Only
/// letters, digits, `-`, `_` and `/`, at most 200 of them; never a dot (the
/// separator in `state`), so never anything outside the console.
fn console_page(place: &str) -> Option<(Section, &str)> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/');
    if place.is_empty() || place.len() > 200 || !place.chars().all(allowed) {
        return None;
    }
    let (name, rest) = place.find('/').map_or((place, ""), |at| place.split_at(at));
    let section = Section::named(name)?;
    (section != Section::Overview || rest.is_empty()).then_some((section, rest))
}

/// An ordinary code flow for the portal client, back to `place` (see
/// [`console_page`]).
fn sign_in_redirect(ctx: &TenantContext, place: &str) -> HttpResponse {
    match crate::routes::portal_sign_in(ctx, ADMIN_SIGNED_IN, None, Some(place)) {
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

/// Back from signing in: to the console page named after the dot in
/// `state` (a section, or a page below one: see [`console_page`]), else the
/// overview.
pub async fn get_signed_in(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<SignedInQuery>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let page = query
        .state
        .as_deref()
        .and_then(|s| s.rsplit_once('.'))
        .and_then(|(_, place)| console_page(place));
    let to = match page {
        Some((section, rest)) => format!("{}{rest}", section.url(&ctx)),
        None => Section::Overview.url(&ctx),
    };
    Ok(see_other(&to, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::{Section, console_page};

    #[test]
    fn only_pages_under_a_section_of_the_console_come_back() {
        assert_eq!(console_page("users"), Some((Section::Users, "")));
        assert_eq!(
            console_page("users/01a2-b3"),
            Some((Section::Users, "/01a2-b3"))
        );
        assert_eq!(console_page("overview"), Some((Section::Overview, "")));
        for refused in [
            "",
            "overview/x",
            "nowhere",
            "users/../../x",
            "users/a.b",
            "users/%2e%2e",
            "users?x=1",
            "//evil.example",
            "users\\x",
        ] {
            assert_eq!(console_page(refused), None, "{refused}");
        }
        assert_eq!(console_page(&format!("users/{}", "a".repeat(200))), None);
    }
}
