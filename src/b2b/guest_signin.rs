//! Email-first home-realm discovery at sign-in (DESIGN.md §5 "Guest sign-in
//! afterwards"): a guest's email sends the browser to their home.
//!
//! Whoever types an address here has proved nothing yet, so the answer says
//! only where the address signs in, never what state a guest is in: pending,
//! blocked, expired and accepted guests, and an address of a known home that
//! is no guest at all (or no longer one), all go to that home (or get a
//! passcode). What the guest may do is shown after the home proved who they
//! are (`callback::guest_for`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use super::home::{self, Home, MAIL_IDP, Purpose, Upstream};
use crate::domain::{AuditAction, Email};
use crate::pages::{PageError, PageResult, see_other};
use crate::state::AppState;
use crate::store;
use crate::store::codes::AuthRequest;
use crate::tokens::TenantContext;

/// `Some(response)` when the email is handled here (guest or foreign realm);
/// `None` when the tenant's own password step applies.
pub async fn route(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    auth_request: &AuthRequest,
    email: &Email,
) -> PageResult<Option<HttpResponse>> {
    let (tenant_id, address) = (ctx.tenant.id.clone(), email.as_str().to_owned());
    let user = state
        .db
        .read(move |c| store::users::find_by_email(c, &tenant_id, &address))
        .await?;
    let name = &ctx.tenant.display_name;
    // Nobody has signed in: the audit says who was typed, not who acted.
    let refuse = |reason: &'static str, message: String| async move {
        let (tenant_id, typed) = (ctx.tenant.id.clone(), email.to_string());
        state
            .db
            .write(move |c| {
                store::audit::record(
                    c,
                    &tenant_id,
                    "anonymous",
                    AuditAction::SignInRefused,
                    Some(&typed),
                    Some(&format!("unauthenticated attempt for {typed}: {reason}")),
                )
            })
            .await?;
        state
            .metrics
            .sign_in_failures
            .with_label_values(&["guest_refused"])
            .inc();
        Err::<Option<HttpResponse>, PageError>(PageError::new(
            StatusCode::FORBIDDEN,
            name,
            "No access",
            &message,
        ))
    };
    let passcodes_off = || {
        format!(
            "{name} no longer signs guests in with passcodes by email. Contact the person who invited you."
        )
    };
    let (home, passcode_to) = match user {
        // Members continue to the password step.
        Some(user) if !user.is_guest() => return Ok(None),
        // A guest in any state: the home it redeemed with, or (not redeemed
        // yet) the one its invitation would be redeemed with.
        Some(guest) => {
            let home = match guest.home_issuer.as_deref() {
                Some(issuer) => match home::of_guest(state, ctx, issuer).await? {
                    Some(home) => home,
                    None => {
                        return refuse(
                            "home removed",
                            format!("The sign-in {name} set up for your organization is no longer available. Contact the person who invited you."),
                        )
                        .await;
                    }
                },
                None => match home::resolve(state, ctx, email.domain()).await? {
                    Some(home) => home,
                    None => return refuse("passcodes off", passcodes_off()).await,
                },
            };
            (home, guest.email)
        }
        // No guest: an address whose home is an organization goes there as a
        // guest would, and learns after signing in there that it has no
        // access. Any other address gets the password step, as members do.
        None => match home::resolve(state, ctx, email.domain()).await? {
            Some(home @ (Home::Tenant(_) | Home::External(_))) => (home, email.to_string()),
            _ => return Ok(None),
        },
    };

    let home_issuer = match &home {
        Home::Tenant(t) => state.tenants.issuer_for(&t.slug),
        Home::External(idp) => idp.issuer.clone(),
        Home::Passcode => MAIL_IDP.to_owned(),
    };
    let (tenant_id, issuer) = (ctx.tenant.id.clone(), home_issuer.clone());
    let slug = state.tenants.slug_of_issuer(&issuer).map(str::to_owned);
    let inbound_ok = state
        .db
        .read(move |c| {
            Ok(store::cross_tenant::get(c, &tenant_id)?
                .inbound
                .allows(&issuer, slug.as_deref()))
        })
        .await?;
    if !inbound_ok {
        return refuse(
            "inbound blocked",
            format!("{name} no longer accepts guests from your organization."),
        )
        .await;
    }
    let Some(upstream) = Upstream::for_home(state, ctx, &home) else {
        // Passcode guests get a code at the address they were invited with,
        // while the policy still allows passcodes.
        let tenant_id = ctx.tenant.id.clone();
        let allowed = state
            .db
            .read(move |c| Ok(store::policies::get(c, &tenant_id)?.otp_enabled))
            .await?;
        if !allowed {
            return refuse("passcodes off", passcodes_off()).await;
        }
        return super::passcode::send(
            state,
            ctx,
            req,
            &passcode_to,
            super::passcode::For::SignIn {
                auth_request_id: auth_request.id.clone(),
            },
        )
        .await
        .map(Some);
    };
    let upstream = upstream.map_err(|e| super::callback::home_error_page(ctx, &e))?;
    let acr = super::mfa_trust::acr_for_home(
        state,
        ctx,
        auth_request,
        &home_issuer,
        crate::domain::IdpRole::Guests,
    )
    .await?;
    let (url, cookie) = home::start(
        state,
        ctx,
        &upstream,
        Purpose::SignIn {
            auth_request_id: auth_request.id.clone(),
        },
        Some(email.as_str()),
        acr,
    )
    .await
    .map_err(|e| super::callback::home_error_page(ctx, &e))?;
    Ok(Some(see_other(&url, vec![cookie])))
}
