//! Email-first home-realm discovery at sign-in (DESIGN.md §5 "Guest sign-in
//! afterwards"): a guest's email sends the browser to their home; an address
//! whose home is another organization here, and who is no guest, is told so.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::home::{self, Purpose, Upstream};
use crate::domain::Email;
use crate::pages::{PageError, PageResult, see_other};
use crate::state::AppState;
use crate::store::codes::AuthRequest;
use crate::store::{self, now};
use crate::tokens::TenantContext;

/// `Some(response)` when the email is handled here (guest or foreign realm);
/// `None` when the tenant's own password step applies.
pub async fn route(
    state: &AppState,
    ctx: &TenantContext,
    auth_request: &AuthRequest,
    email: &Email,
) -> PageResult<Option<HttpResponse>> {
    let (tenant_id, address) = (ctx.tenant.id.clone(), email.as_str().to_owned());
    let user = state
        .db
        .read(move |c| store::users::find_by_email(c, &tenant_id, &address))
        .await?;
    let name = &ctx.tenant.display_name;
    let refuse = |reason: &'static str, message: String| async move {
        let (tenant_id, who) = (ctx.tenant.id.clone(), email.to_string());
        state
            .db
            .write(move |c| {
                store::audit::record(
                    c,
                    &tenant_id,
                    &who,
                    "signin.refused",
                    Some(&who),
                    Some(reason),
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
    match user {
        Some(guest) if guest.user_type == "guest" => {
            if !guest.is_active() {
                return refuse("blocked", format!("Your access to {name} has been removed. Contact the person who invited you.")).await;
            }
            if guest.access_expires_at.is_some_and(|t| t <= now()) {
                return refuse("expired", format!("Your guest access to {name} has expired. Contact the person who invited you.")).await;
            }
            let Some(home_issuer) = guest
                .home_issuer
                .filter(|_| guest.external_state.as_deref() == Some("accepted"))
            else {
                return refuse("pending", "You have been invited but have not accepted yet. Open the link in your invitation email first.".into()).await;
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
            let Some(home) = home::of_guest(state, ctx, &home_issuer).await? else {
                return refuse(
                    "home removed",
                    format!("The sign-in {name} set up for your organization is no longer available. Contact the person who invited you."),
                )
                .await;
            };
            let Some(upstream) = Upstream::for_home(state, ctx, &home) else {
                // Passcode guests get a code at the address they were invited
                // with, while the policy still allows passcodes.
                let tenant_id = ctx.tenant.id.clone();
                let allowed = state
                    .db
                    .read(move |c| Ok(store::policies::get(c, &tenant_id)?.otp_enabled))
                    .await?;
                if !allowed {
                    return refuse(
                        "passcodes off",
                        format!("{name} no longer signs guests in with passcodes by email. Contact the person who invited you."),
                    )
                    .await;
                }
                return super::passcode::send(
                    state,
                    ctx,
                    &guest.email,
                    super::passcode::For::SignIn {
                        auth_request_id: auth_request.id.clone(),
                    },
                )
                .await
                .map(Some);
            };
            let upstream = upstream.map_err(|e| super::callback::home_error_page(ctx, &e))?;
            let (url, cookie) = home::start(
                state,
                ctx,
                &upstream,
                Purpose::SignIn {
                    auth_request_id: auth_request.id.clone(),
                },
                Some(email.as_str()),
            )
            .await
            .map_err(|e| super::callback::home_error_page(ctx, &e))?;
            Ok(Some(see_other(&url, vec![cookie])))
        }
        Some(_) => Ok(None),
        None => {
            let home = home::home_tenant_for(&state.db, email.domain()).await?;
            match home {
                Some(home) if home.id != ctx.tenant.id => {
                    refuse(
                        "not a guest",
                        format!(
                            "{email} is an account of {}, and it has no access to {name}. Ask someone at {name} to invite you.",
                            home.display_name
                        ),
                    )
                    .await
                }
                _ => Ok(None),
            }
        }
    }
}
