//! `/callback/home`: where a guest's home returns the browser (this tenant as
//! a relying party), for redemption or for sign-in to one of this tenant's apps.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::home::{self, HomeError, HomeIdentity};
use super::redemption;
use crate::login::pages::tenant_page;
use crate::login::session;
use crate::oidc::routes;
use crate::pages::{PageError, PageResult, see_other};
use crate::state::AppState;
use crate::store::users::User;
use crate::store::{self, now};
use crate::tokens::TenantContext;

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub fn home_error_page(ctx: &TenantContext, e: &HomeError) -> PageError {
    let name = &ctx.tenant.display_name;
    match e {
        HomeError::Unreachable(_) | HomeError::BadAnswer(_) => PageError::new(
            StatusCode::BAD_GATEWAY,
            name,
            "Your organization is not answering",
            "The sign-in service of your organization could not be reached. Try again in a few minutes.",
        ),
        HomeError::Denied(_) => PageError::new(
            StatusCode::FORBIDDEN,
            name,
            "Sign-in not completed",
            "Your organization's sign-in could not be verified. Nothing was changed. Start again from the link or the application.",
        ),
        HomeError::UnknownFlow(_) => PageError::new(
            StatusCode::BAD_REQUEST,
            name,
            "Sign-in expired",
            "This sign-in was already completed, has expired, or was started in another browser. Start again from the link or the application.",
        ),
        HomeError::Misconfigured(_) => PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            name,
            "Sign-in is not set up correctly",
            "The sign-in service for your organization is not configured correctly here. Ask the person who invited you to contact their administrator.",
        ),
        HomeError::Store(_) => PageError::server(name, ""),
    }
    .detail(e.to_string())
}

pub async fn get_home_callback(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state, &path).await?;
    let query = query.into_inner();
    let (Some(code), Some(flow_state)) = (query.code, query.state) else {
        let detail = query.error.unwrap_or_else(|| "missing code".into());
        return Err(home_error_page(&ctx, &HomeError::Denied(detail)));
    };
    let (flow, identity) = home::finish(&state, &ctx, &req, &flow_state, &code)
        .await
        .map_err(|e| home_error_page(&ctx, &e))?;
    let clear_flow = {
        let mut c = actix_web::cookie::Cookie::build(home::FLOW_COOKIE, "")
            .path(routes::tenant_path(&ctx.tenant.slug))
            .finish();
        c.make_removal();
        c
    };
    let next = match (
        flow.purpose.as_str(),
        flow.invitation_id,
        flow.auth_request_id,
    ) {
        ("federated", _, Some(auth_request_id)) => Next::Member { auth_request_id },
        (_, Some(invitation_id), _) => Next::Redeem { invitation_id },
        (_, None, Some(auth_request_id)) => Next::SignIn { auth_request_id },
        _ => {
            return Err(home_error_page(
                &ctx,
                &HomeError::UnknownFlow("flow without purpose".into()),
            ));
        }
    };
    complete(&state, &ctx, next, &identity, clear_flow).await
}

/// What a proven identity is used for.
pub enum Next {
    Redeem { invitation_id: String },
    SignIn { auth_request_id: String },
    Member { auth_request_id: String },
}

/// Finishes a home sign-in (by OIDC or by passcode): redeems the invitation
/// or signs the guest in, and continues where the browser was going.
pub async fn complete(
    state: &AppState,
    ctx: &TenantContext,
    next: Next,
    identity: &HomeIdentity,
    clear: actix_web::cookie::Cookie<'static>,
) -> PageResult<HttpResponse> {
    match next {
        Next::Redeem { invitation_id } => {
            let (invitation, guest) = redemption::complete(state, ctx, &invitation_id, identity)
                .await?
                .map_err(|r| redemption::refusal_page(ctx, &r))?;
            let (_, cookie) = session::start(state, ctx, &guest.id, &amr(identity)).await?;
            let next = invitation.redirect_url.unwrap_or_else(|| {
                format!(
                    "{}{}",
                    routes::tenant_path(&ctx.tenant.slug),
                    routes::MY_APPS
                )
            });
            Ok(see_other(&next, vec![cookie, clear]))
        }
        Next::SignIn { auth_request_id } => {
            let guest = guest_for(state, ctx, identity).await?;
            let (_, cookie) = session::start(state, ctx, &guest.id, &amr(identity)).await?;
            Ok(see_other(
                &continue_url(ctx, &auth_request_id),
                vec![cookie, clear],
            ))
        }
        Next::Member { auth_request_id } => {
            let member = super::federation::provision(state, ctx, identity).await?;
            let (_, cookie) = session::start(state, ctx, &member.id, &amr(identity)).await?;
            Ok(see_other(
                &continue_url(ctx, &auth_request_id),
                vec![cookie, clear],
            ))
        }
    }
}

fn continue_url(ctx: &TenantContext, auth_request_id: &str) -> String {
    format!(
        "{}{}?req={auth_request_id}",
        routes::tenant_path(&ctx.tenant.slug),
        routes::AUTHORIZE_CONTINUE
    )
}

fn amr(identity: &HomeIdentity) -> String {
    identity.amr.clone().unwrap_or_else(|| "fed".into())
}

/// The accepted, active guest linked to this home identity, or a refusal page
/// (audited).
async fn guest_for(
    state: &AppState,
    ctx: &TenantContext,
    identity: &HomeIdentity,
) -> PageResult<User> {
    let (tenant_id, issuer, subject) = (
        ctx.tenant.id.clone(),
        identity.issuer.clone(),
        identity.subject.clone(),
    );
    let slug = state.tenants.slug_of_issuer(&issuer).map(str::to_owned);
    let (guest, inbound_ok) = state
        .db
        .read(move |c| {
            let guest = store::users::find_by_home(c, &tenant_id, &issuer, &subject)?;
            let inbound_ok = store::cross_tenant::get(c, &tenant_id)?
                .inbound
                .allows(&issuer, slug.as_deref());
            Ok((guest, inbound_ok))
        })
        .await?;
    let refusal = match &guest {
        _ if !inbound_ok => Some((
            "inbound blocked",
            "This organization no longer accepts guests from your organization.",
        )),
        None => Some((
            "no guest",
            "Your account has no access to this organization. Ask the person who invited you to invite you again.",
        )),
        Some(g) if !g.is_active() => Some((
            "blocked",
            "Your access to this organization has been removed. Contact the person who invited you.",
        )),
        Some(g) if g.external_state.as_deref() != Some("accepted") => Some((
            "pending",
            "Your invitation has not been accepted yet. Open the link in your invitation email first.",
        )),
        Some(g) if g.access_expires_at.is_some_and(|t| t <= now()) => Some((
            "expired",
            "Your guest access to this organization has expired. Contact the person who invited you.",
        )),
        Some(_) => None,
    };
    if let Some((reason, message)) = refusal {
        let (tenant_id, who, reason) = (
            ctx.tenant.id.clone(),
            format!("{} {}", identity.issuer, identity.subject),
            reason.to_owned(),
        );
        state
            .db
            .write(move |c| {
                store::audit::record(c, &tenant_id, &who, "signin.refused", None, Some(&reason))
            })
            .await?;
        state
            .metrics
            .sign_in_failures
            .with_label_values(&["guest_refused"])
            .inc();
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            &ctx.tenant.display_name,
            "Access removed",
            message,
        ));
    }
    guest.ok_or_else(|| PageError::server(&ctx.tenant.display_name, "guest vanished"))
}
