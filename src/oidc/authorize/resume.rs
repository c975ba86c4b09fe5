//! Carrying a saved authorization request forward: sign-in when needed
//! (`prompt`, `max_age`; OIDC Core §3.1.2.3), consent when needed (§3.1.2.4),
//! then the code (§3.1.2.5), or for a device request the approval of its
//! device code (RFC 8628 §3.3).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::request::Prompt;
use super::{AuthorizeError, AuthorizeResult};
use crate::browser::session;
use crate::crypto::{random_token, token_hash};
use crate::domain::{Acr, Amr, RequestedClaims, ReturnTo, ScopeSet};
use crate::login::mfa;
use crate::login::request::{RequestRef, load_request};
use crate::oidc::device::approval::{self, Denial};
use crate::oidc::error::ErrorCode;
use crate::pages::{PageError, see_other};
use crate::routes;
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::codes::{self, AuthCode, AuthRequest};
use crate::store::device_codes::DeviceCode;
use crate::store::sessions::Session;
use crate::store::users::User;
use crate::store::{self, StoreError, now};
use crate::tokens::TenantContext;

/// GET /authorize/continue?req=…: where sign-in and consent pages return.
pub async fn get_continue(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<RequestRef>,
) -> AuthorizeResult<HttpResponse> {
    let ctx = state
        .tenants
        .get(&path)
        .await?
        .ok_or_else(PageError::not_found)?;
    let (auth_request, client) = load_request(&state, &ctx, &query.req).await?;
    resume(&state, &ctx, &req, &auth_request, &client).await
}

/// A saved request on its way to a code, with what every step needs.
struct Pending<'a> {
    state: &'a AppState,
    ctx: &'a TenantContext,
    ar: &'a AuthRequest,
    ending: Ending,
    prompt: Prompt,
}

/// Where a request ends: a code at the client's redirect URI, or the
/// person's decision on a device code (RFC 8628 §3.3).
enum Ending {
    Redirect(ReturnTo),
    Device(Box<DeviceCode>),
}

/// What a step decided: carry on with `T`, or answer with this response.
enum Step<T> {
    Next(T),
    Respond(HttpResponse),
}

pub async fn resume(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    ar: &AuthRequest,
    client: &Client,
) -> AuthorizeResult<HttpResponse> {
    let ending = match approval::for_request(state, ctx, ar).await? {
        Some(device) => Ending::Device(Box::new(device)),
        None => Ending::Redirect(return_to(ctx, ar)?),
    };
    let pending = Pending {
        state,
        ctx,
        ar,
        ending,
        prompt: Prompt::parse(ar.prompt.as_deref().unwrap_or_default()).unwrap_or_default(),
    };
    let (session, user) = match pending.sign_in(req).await? {
        Step::Next(signed_in) => signed_in,
        Step::Respond(response) => return Ok(response),
    };
    if let Step::Respond(response) = pending.second_factor(req, client, &session, &user).await? {
        return Ok(response);
    }
    if let Step::Respond(response) = pending.consent(client, &user).await? {
        return Ok(response);
    }
    if let Step::Respond(response) = pending.check_assignment(client, &user).await? {
        return Ok(response);
    }
    match &pending.ending {
        Ending::Redirect(back) => pending.issue_code(back, client, &session, &user).await,
        Ending::Device(device) => {
            Ok(approval::approve(state, ctx, (ar, device), client, (&session, &user)).await?)
        }
    }
}

/// Where and how the answer to a saved request goes back to its client.
pub(super) fn return_to(ctx: &TenantContext, ar: &AuthRequest) -> Result<ReturnTo, PageError> {
    ar.return_to(&ctx.issuer)
        .map_err(|e| PageError::server(&ctx.tenant.display_name, e))
}

/// What consent to `ar` covers: its scope and the scopes of the claims it
/// asked for by name.
pub(super) fn consented_scope(ar: &AuthRequest) -> Result<ScopeSet, String> {
    let claims = RequestedClaims::from_stored(ar.claims.as_deref());
    Ok(ScopeSet::parse(&ar.scope)?.with(claims.scopes()))
}

impl Pending<'_> {
    /// An error for the client, at its redirect URI (RFC 6749 §4.1.2.1);
    /// a device request has none, so the person sees it as a page.
    fn fail(&self, code: ErrorCode, detail: &str) -> AuthorizeError {
        let back = match &self.ending {
            Ending::Redirect(back) => back,
            Ending::Device(_) => {
                let status = match code {
                    ErrorCode::TemporarilyUnavailable => StatusCode::TOO_MANY_REQUESTS,
                    _ => StatusCode::BAD_REQUEST,
                };
                let name = &self.ctx.tenant.display_name;
                let page = PageError::new(status, name, "Device not connected", code.description());
                return page.detail(detail.to_owned()).into();
            }
        };
        AuthorizeError::to_client(back, code, detail, &self.ctx.tenant.display_name)
    }

    /// The signed-in user, if their session is fresh enough for `prompt`
    /// and `max_age` (OIDC Core §3.1.2.3); else off to sign in.
    async fn sign_in(&self, req: &HttpRequest) -> AuthorizeResult<Step<(Session, User)>> {
        let (state, ctx) = (self.state, self.ctx);
        let session = session::current(state, ctx, req).await?;
        let user = match &session {
            Some(s) => {
                let (tenant_id, user_id) = (ctx.tenant.id.clone(), s.user_id.clone());
                state
                    .db
                    .read(move |c| store::users::find(c, &tenant_id, &user_id))
                    .await?
                    .filter(|u| u.is_usable())
            }
            None => None,
        };
        match (session, user) {
            (Some(s), Some(u)) if self.fresh_enough(s.auth_time) => Ok(Step::Next((s, u))),
            _ if self.prompt.none => Err(self.fail(ErrorCode::LoginRequired, "no usable session")),
            _ => self.to_sign_in(req).await.map(Step::Respond),
        }
    }

    fn fresh_enough(&self, auth_time: chrono::NaiveDateTime) -> bool {
        let ar = self.ar;
        let reauth = self.prompt.login && auth_time < ar.created_at;
        // max_age=0 means "sign in again"; a sign-in made for this very
        // request always satisfies it, so the flow cannot loop.
        let too_old = ar.max_age.is_some_and(|max| {
            auth_time < ar.created_at
                && (now() - auth_time).num_milliseconds() >= max.saturating_mul(1000)
        });
        !reauth && !too_old
    }

    /// The sign-in page, or the upstream of a federated tenant.
    async fn to_sign_in(&self, req: &HttpRequest) -> AuthorizeResult<HttpResponse> {
        let (state, ctx) = (self.state, self.ctx);
        // A federated tenant stores an upstream round trip each time.
        if ctx.tenant.auth_mode.signs_in_upstream()
            && !state
                .throttle
                .allow_anonymous(req.peer_addr().map(|a| a.ip()))
        {
            return Err(self.fail(
                ErrorCode::TemporarilyUnavailable,
                "too many sign-ins started from this IP",
            ));
        }
        if let Some(upstream) = crate::b2b::federation::upstream_instead(state, ctx, self.ar).await
        {
            return Ok(upstream?);
        }
        let login = routes::request_step(&ctx.tenant.slug, routes::LOGIN, &self.ar.id);
        Ok(see_other(&login, Vec::new()))
    }

    /// A second factor when the tenant's policy, the app, the user's own
    /// factors or the request's `acr` ask for more than the session did:
    /// the second-factor page, enrolment for a user with no factor (after a
    /// recent sign-in), or `unmet_authentication_requirements` when the user
    /// cannot be asked (`prompt=none`) or their factors cannot reach it.
    async fn second_factor(
        &self,
        req: &HttpRequest,
        client: &Client,
        session: &Session,
        user: &User,
    ) -> AuthorizeResult<Step<()>> {
        let (state, ctx) = (self.state, self.ctx);
        let (tenant_id, user, client_id) = (
            ctx.tenant.id.clone(),
            user.clone(),
            client.client_id.clone(),
        );
        let requested = (self.ar.acr_values.as_deref())
            .and_then(|asked| Acr::requested(asked.split_whitespace()));
        let standing = state
            .db
            .read(move |c| {
                let app = store::apps::requires_mfa(c, &tenant_id, &client_id)?;
                mfa::standing(c, &tenant_id, &user, app, requested)
            })
            .await?;
        let required = standing.required();
        let reached = Amr::parse(&session.amr).map_or(Acr::SingleFactor, |a| a.acr());
        if reached.satisfies(required) {
            return Ok(Step::Next(()));
        }
        let unmet = ErrorCode::UnmetAuthenticationRequirements;
        if self.prompt.none {
            return Err(self.fail(unmet, "a second factor is required"));
        }
        let page = if standing.reachable == Acr::SingleFactor {
            if !mfa::recent(session) {
                // Enrolling a first factor needs a recent password.
                return self.to_sign_in(req).await.map(Step::Respond);
            }
            routes::LOGIN_MFA_ENROL
        } else if standing.reachable.satisfies(required) {
            routes::LOGIN_MFA
        } else {
            return Err(self.fail(unmet, "the user's factors cannot reach the acr"));
        };
        let next = routes::request_step(&ctx.tenant.slug, page, &self.ar.id);
        Ok(Step::Respond(see_other(&next, Vec::new())))
    }

    /// Consent (OIDC Core §3.1.2.4), unless the tenant marked the app
    /// first-party or the user already granted every requested scope and
    /// the scopes of every claim asked for by name (§5.5). A device
    /// request always asks: the person confirms the app and the device's
    /// code (RFC 8628 §5.4).
    async fn consent(&self, client: &Client, user: &User) -> AuthorizeResult<Step<()>> {
        let (ctx, ar) = (self.ctx, self.ar);
        let requested =
            consented_scope(ar).map_err(|e| PageError::server(&ctx.tenant.display_name, e))?;
        if client.first_party && matches!(self.ending, Ending::Redirect(_)) {
            return Ok(Step::Next(()));
        }
        let (tenant_id, user_id, client_id) = (
            ctx.tenant.id.clone(),
            user.id.clone(),
            client.client_id.clone(),
        );
        let consent = self
            .state
            .db
            .read(move |c| codes::consented_scope(c, &tenant_id, &user_id, &client_id))
            .await?;
        let covered = consent.is_some_and(|(scope, granted_at)| {
            let covers = ScopeSet::parse(&scope).is_ok_and(|granted| requested.is_subset(&granted));
            covers && !(self.prompt.consent && granted_at < ar.created_at)
        });
        if covered {
            return Ok(Step::Next(()));
        }
        if self.prompt.none {
            return Err(self.fail(ErrorCode::ConsentRequired, "consent needed"));
        }
        let consent = routes::request_step(&ctx.tenant.slug, routes::CONSENT, &ar.id);
        Ok(Step::Respond(see_other(&consent, Vec::new())))
    }

    /// Apps that require assignment admit only assigned users (directly or
    /// by group); a refusal is audited (and denies a device its code).
    async fn check_assignment(&self, client: &Client, user: &User) -> AuthorizeResult<Step<()>> {
        if !client.assignment_required {
            return Ok(Step::Next(()));
        }
        let (state, ctx) = (self.state, self.ctx);
        let (tenant_id, app_id, user_id) =
            (ctx.tenant.id.clone(), client.id.clone(), user.id.clone());
        let assigned = state
            .db
            .read(move |c| store::groups::is_assigned(c, &tenant_id, &app_id, &user_id))
            .await?;
        if assigned {
            return Ok(Step::Next(()));
        }
        let refused = crate::domain::AuditAction::SignInRefused;
        (state.db)
            .audit(
                &ctx.tenant.id,
                &user.email,
                refused,
                Some(&client.client_id),
                Some("not assigned"),
            )
            .await?;
        let detail = "user not assigned to the application";
        let Ending::Device(device) = &self.ending else {
            return Err(self.fail(ErrorCode::AccessDenied, detail));
        };
        let denial = Denial {
            actor: &user.email,
            why: detail,
            message: "You have not been given access to this application.",
        };
        let denied = approval::deny(state, ctx, (self.ar, device), denial).await?;
        Ok(Step::Respond(denied))
    }

    /// The code (OIDC Core §3.1.2.5): single use, short-lived, stored as a
    /// hash, tied to a grant; the request is used up with it.
    async fn issue_code(
        &self,
        back: &ReturnTo,
        client: &Client,
        session: &Session,
        user: &User,
    ) -> AuthorizeResult<HttpResponse> {
        let (state, ctx, ar) = (self.state, self.ctx, self.ar);
        let code = random_token();
        let now = now();
        let row = AuthCode {
            code_hash: token_hash(&code),
            tenant_id: ctx.tenant.id.to_string(),
            grant_id: String::new(),
            client_id: client.client_id.clone(),
            user_id: user.id.clone(),
            redirect_uri: ar.redirect_uri.clone(),
            scope: ar.scope.clone(),
            nonce: ar.nonce.clone(),
            code_challenge: ar.code_challenge.clone(),
            auth_time: session.auth_time,
            amr: session.amr.clone(),
            created_at: now,
            expires_at: now + state.settings.lifetimes.code,
            used_at: None,
            dpop_jkt: ar.dpop_jkt.clone(),
        };
        let (tenant_id, request_id, session_id, claims) = (
            ctx.tenant.id.clone(),
            ar.id.clone(),
            session.id.clone(),
            ar.claims.clone(),
        );
        let issued = state
            .db
            .write(move |c| {
                if !codes::delete_request(c, &tenant_id, &request_id)? {
                    return Ok(false);
                }
                let grant_id = codes::create_grant(
                    c,
                    &tenant_id,
                    &row.client_id,
                    &row.user_id,
                    Some(&session_id),
                    claims.as_deref(),
                )?;
                codes::save_code(c, &AuthCode { grant_id, ..row })?;
                Ok::<_, StoreError>(true)
            })
            .await?;
        if !issued {
            return Err(PageError::expired_request(&ctx.tenant.display_name).into());
        }
        let answer = back.code(&code);
        Ok(super::response::deliver(&answer, &ctx.tenant.display_name))
    }
}
