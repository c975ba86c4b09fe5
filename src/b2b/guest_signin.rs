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
    let signin = SignIn {
        state,
        ctx,
        req,
        auth_request,
        email,
    };
    let Some((home, passcode_to)) = signin.home().await? else {
        return Ok(None);
    };
    let home_issuer = signin.check_inbound(&home).await?;
    let response = match Upstream::for_home(state, ctx, &home) {
        None => signin.send_passcode(&passcode_to).await?,
        Some(upstream) => {
            let upstream = upstream.map_err(|e| super::callback::home_error_page(ctx, &e))?;
            signin.go_home(&upstream, &home_issuer).await?
        }
    };
    Ok(Some(response))
}

/// One typed address on its way to its home, with what every step needs.
struct SignIn<'a> {
    state: &'a AppState,
    ctx: &'a TenantContext,
    req: &'a HttpRequest,
    auth_request: &'a AuthRequest,
    email: &'a Email,
}

impl SignIn<'_> {
    /// Where the typed address signs in and where a passcode would go, or
    /// `None` for the tenant's own password step.
    async fn home(&self) -> PageResult<Option<(Home, String)>> {
        let (tenant_id, email) = (&self.ctx.tenant.id, self.email.as_str());
        let user = self.state.db.user_by_email(tenant_id, email).await?;
        match user {
            // Members continue to the password step.
            Some(user) if !user.is_guest() => Ok(None),
            Some(guest) => {
                let home = self.home_of_guest(guest.home_issuer.as_deref()).await?;
                Ok(Some((home, guest.email)))
            }
            // No guest: an address whose home is an organization goes there as
            // a guest would, and learns after signing in there that it has no
            // access. Any other address gets the password step, as members do.
            None => match home::resolve(self.state, self.ctx, self.email.domain()).await? {
                Some(home @ (Home::Tenant(_) | Home::External(_))) => {
                    Ok(Some((home, self.email.to_string())))
                }
                _ => Ok(None),
            },
        }
    }

    /// A guest's home in any state: the one it redeemed with, or (not
    /// redeemed yet) the one its invitation would be redeemed with.
    async fn home_of_guest(&self, home_issuer: Option<&str>) -> PageResult<Home> {
        let name = &self.ctx.tenant.display_name;
        match home_issuer {
            Some(issuer) => match home::of_guest(self.state, self.ctx, issuer).await? {
                Some(home) => Ok(home),
                None => Err(self
                    .refused(
                        "home removed",
                        format!("The sign-in {name} set up for your organization is no longer available. Contact the person who invited you."),
                    )
                    .await),
            },
            None => match home::resolve(self.state, self.ctx, self.email.domain()).await? {
                Some(home) => Ok(home),
                None => Err(self.refused("passcodes off", self.passcodes_off()).await),
            },
        }
    }

    /// Whether the tenant's cross-tenant settings still admit guests from
    /// this home; the home's issuer when they do.
    async fn check_inbound(&self, home: &Home) -> PageResult<String> {
        let issuer = match home {
            Home::Tenant(t) => self.state.tenants.issuer_for(&t.slug),
            Home::External(idp) => idp.issuer.clone(),
            Home::Passcode => MAIL_IDP.to_owned(),
        };
        let (tenant_id, home_issuer) = (self.ctx.tenant.id.clone(), issuer.clone());
        let slug = self
            .state
            .tenants
            .slug_of_issuer(&issuer)
            .map(str::to_owned);
        let inbound_ok = self
            .state
            .db
            .read(move |c| {
                Ok(store::cross_tenant::get(c, &tenant_id)?
                    .inbound
                    .allows(&issuer, slug.as_deref()))
            })
            .await?;
        if inbound_ok {
            return Ok(home_issuer);
        }
        let name = &self.ctx.tenant.display_name;
        let message = format!("{name} no longer accepts guests from your organization.");
        Err(self.refused("inbound blocked", message).await)
    }

    /// A passcode at the address the guest was invited with, while the
    /// policy still allows passcodes.
    async fn send_passcode(&self, to: &str) -> PageResult<HttpResponse> {
        let tenant_id = self.ctx.tenant.id.clone();
        let allowed = self
            .state
            .db
            .read(move |c| Ok(store::policies::get(c, &tenant_id)?.otp_enabled))
            .await?;
        if !allowed {
            return Err(self.refused("passcodes off", self.passcodes_off()).await);
        }
        let purpose = super::passcode::For::SignIn {
            auth_request_id: self.auth_request.id.clone(),
        };
        super::passcode::send(self.state, self.ctx, self.req, to, purpose).await
    }

    /// The browser sent to its home to sign in there.
    async fn go_home(&self, upstream: &Upstream, home_issuer: &str) -> PageResult<HttpResponse> {
        let purpose = Purpose::SignIn {
            auth_request_id: self.auth_request.id.clone(),
        };
        // A guest who must use MFA here is asked for it at a trusted home.
        let acr = super::mfa_trust::acr_for_home(
            self.state,
            self.ctx,
            self.auth_request,
            home_issuer,
            crate::domain::IdpRole::Guests,
        )
        .await?;
        let (url, cookie) = home::start(
            self.state,
            self.ctx,
            upstream,
            purpose,
            Some(self.email.as_str()),
            acr,
        )
        .await
        .map_err(|e| super::callback::home_error_page(self.ctx, &e))?;
        Ok(see_other(&url, vec![cookie]))
    }

    fn passcodes_off(&self) -> String {
        format!(
            "{} no longer signs guests in with passcodes by email. Contact the person who invited you.",
            self.ctx.tenant.display_name
        )
    }

    /// The "No access" page, audited and counted. Nobody has signed in: the
    /// audit says who was typed, not who acted.
    async fn refused(&self, reason: &'static str, message: String) -> PageError {
        let (tenant_id, typed) = (self.ctx.tenant.id.clone(), self.email.to_string());
        let audited = self
            .state
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
            .await;
        if let Err(e) = audited {
            return e.into();
        }
        self.state
            .metrics
            .sign_in_failures
            .with_label_values(&["guest_refused"])
            .inc();
        let name = &self.ctx.tenant.display_name;
        PageError::new(StatusCode::FORBIDDEN, name, "No access", &message)
    }
}
