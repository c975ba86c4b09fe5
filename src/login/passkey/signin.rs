//! Signing in with a passkey: (a) as the second factor of a password
//! sign-in (the session's `amr` becomes `pwd hwk|swk [user] mfa`), and
//! (b) passwordless with a discoverable passkey and user verification
//! (`hwk|swk user mfa`). webauthn-rs checks the signature, challenge,
//! origin, RP id and signature counter; a counter that did not move forward
//! (a possible clone) is refused and audited, and every accepted use stores
//! the credential's new counter.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, DiscoverableKey, Passkey,
    PublicKeyCredential, SecurityKey, SecurityKeyAuthentication, WebauthnError,
};

use super::{Bound, PasskeyError, PasskeyResult, Purpose};
use crate::browser::session;
use crate::domain::{Amr, AuditAction, AuthMethod};
use crate::login::request::load_request;
use crate::routes;
use crate::state::AppState;
use crate::store::passkeys::PasskeyRow;
use crate::store::sessions::Session;
use crate::store::{self, users::User};
use crate::tokens::TenantContext;

#[derive(Deserialize)]
pub struct StartBody {
    /// The pending authorization request.
    req: String,
}

#[derive(Deserialize)]
pub struct FinishBody {
    credential: PublicKeyCredential,
}

fn no_passkey() -> PasskeyError {
    PasskeyError::new(
        StatusCode::UNAUTHORIZED,
        "This passkey is not registered for an account of this organization.",
    )
}

/// The session of a sign-in that may still owe its second factor (or a
/// complete one stepping up).
pub(super) async fn pending_session(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
) -> PasskeyResult<Session> {
    crate::browser::session::signing_in(state, ctx, req)
        .await?
        .ok_or_else(|| PasskeyError::new(StatusCode::UNAUTHORIZED, "You are not signed in."))
}

/// Starts proving a passkey as the second factor of the current sign-in.
pub async fn post_mfa_start(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Json<StartBody>,
) -> PasskeyResult<HttpResponse> {
    let (webauthn, ctx) = super::checked(&state, &path, &req).await?;
    let sess = pending_session(&state, &ctx, &req).await?;
    let (auth_request, _) = load_request(&state, &ctx, &body.req).await?;
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), sess.user_id.clone());
    let rows = state
        .db
        .read(move |c| store::passkeys::list_for_user(c, &tenant_id, &user_id))
        .await?;
    let keys: Vec<SecurityKey> = rows
        .iter()
        .map(super::credential)
        .collect::<PasskeyResult<Vec<_>>>()?
        .into_iter()
        .map(SecurityKey::from)
        .collect();
    if keys.is_empty() {
        return Err(PasskeyError::new(
            StatusCode::BAD_REQUEST,
            "You have no passkey for this organization yet.",
        ));
    }
    let (options, authentication) = webauthn
        .start_securitykey_authentication(&keys)
        .map_err(|e| PasskeyError::refused(&e))?;
    let bound = Bound {
        user_id: Some(sess.user_id.clone()),
        session_id: Some(sess.id.clone()),
        auth_request_id: Some(auth_request.id.clone()),
    };
    super::started(
        &state,
        &ctx,
        Purpose::SecondFactor,
        bound,
        &authentication,
        &options,
    )
    .await
}

/// Verifies the assertion and completes the session with its second factor.
pub async fn post_mfa_finish(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Json<FinishBody>,
) -> PasskeyResult<HttpResponse> {
    let (webauthn, ctx) = super::checked(&state, &path, &req).await?;
    let sess = pending_session(&state, &ctx, &req).await?;
    let (ceremony, authentication): (_, SecurityKeyAuthentication) =
        super::take(&state, &ctx, &req, Purpose::SecondFactor).await?;
    if ceremony.session_id.as_deref() != Some(sess.id.as_str()) {
        return Err(PasskeyError::expired());
    }
    let request_id = ceremony.auth_request_id.clone().unwrap_or_default();
    let (auth_request, _) = load_request(&state, &ctx, &request_id).await?;
    let user = account(&state, &ctx, &sess.user_id).await?;
    let row = registered(&state, &ctx, &user.id, body.credential.get_credential_id()).await?;
    let outcome = webauthn.finish_securitykey_authentication(&body.credential, &authentication);
    let result = verified(&state, &ctx, &user, &row, outcome).await?;
    let amr = Amr::parse(&sess.amr)
        .unwrap_or_default()
        .with_second_factor(&super::methods_of(&result));
    let stored = super::after_use(super::credential(&row)?, &result)?;
    // The session gets a new token with its second factor, as after a code.
    let token = crate::crypto::random_token();
    let completes = Completion {
        session_id: sess.id.clone(),
        amr: amr.to_text(),
        token_hash: crate::crypto::token_hash(&token),
    };
    used(
        &state,
        &ctx,
        &user,
        &row,
        stored,
        "second factor",
        Some(completes),
    )
    .await?;
    let cookie = crate::browser::session::cookie(&state, &ctx, token);
    Ok(continue_to(&state, &ctx, &auth_request.id, Some(cookie)))
}

/// Starts a passwordless sign-in: no account is named, the authenticator
/// offers its discoverable passkeys for this server. Anonymous, so bounded
/// per IP like every anonymous write.
pub async fn post_signin_start(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Json<StartBody>,
) -> PasskeyResult<HttpResponse> {
    let (webauthn, ctx) = super::checked(&state, &path, &req).await?;
    if ctx.tenant.auth_mode == crate::domain::AuthMode::Federated {
        return Err(PasskeyError::new(
            StatusCode::BAD_REQUEST,
            "This organization signs in through its own identity provider.",
        ));
    }
    if !state
        .throttle
        .allow_anonymous(req.peer_addr().map(|a| a.ip()))
    {
        return Err(PasskeyError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-ins were started from your network in the last minute. Wait a minute and try again.",
        ));
    }
    let (auth_request, _) = load_request(&state, &ctx, &body.req).await?;
    let (options, authentication) = webauthn
        .start_discoverable_authentication()
        .map_err(|e| PasskeyError::refused(&e))?;
    let bound = Bound {
        auth_request_id: Some(auth_request.id.clone()),
        ..Bound::default()
    };
    super::started(
        &state,
        &ctx,
        Purpose::Passwordless,
        bound,
        &authentication,
        &options,
    )
    .await
}

/// Verifies a discoverable passkey with user verification and signs its
/// account in.
pub async fn post_signin_finish(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Json<FinishBody>,
) -> PasskeyResult<HttpResponse> {
    let (webauthn, ctx) = super::checked(&state, &path, &req).await?;
    let (ceremony, authentication): (_, DiscoverableAuthentication) =
        super::take(&state, &ctx, &req, Purpose::Passwordless).await?;
    let request_id = ceremony.auth_request_id.clone().unwrap_or_default();
    let (auth_request, _) = load_request(&state, &ctx, &request_id).await?;
    let (handle, raw_id) = webauthn
        .identify_discoverable_authentication(&body.credential)
        .map_err(|e| PasskeyError::refused(&e))?;
    let user = account(&state, &ctx, &handle.to_string()).await?;
    // Guests sign in at their home; a passkey they enrolled here is only
    // ever their second factor.
    if user.is_guest() || !user.is_active() {
        return Err(no_passkey().detail("passwordless sign-in by a guest or a blocked account"));
    }
    let row = registered(&state, &ctx, &user.id, raw_id).await?;
    let key = DiscoverableKey::from(Passkey::from(super::credential(&row)?));
    let outcome =
        webauthn.finish_discoverable_authentication(&body.credential, authentication, &[key]);
    let result = verified(&state, &ctx, &user, &row, outcome).await?;
    if !result.user_verified() {
        return Err(no_passkey().detail("passwordless assertion without user verification"));
    }
    let mut amr = Amr::of(&super::methods_of(&result));
    amr.add(AuthMethod::Mfa);
    let stored = super::after_use(super::credential(&row)?, &result)?;
    used(&state, &ctx, &user, &row, stored, "passwordless", None).await?;
    let (_, cookie) = session::start(&state, &ctx, &user.id, &amr.to_text()).await?;
    Ok(continue_to(&state, &ctx, &auth_request.id, Some(cookie)))
}

/// The answer of a finished sign-in: where the authorization request goes on
/// (`{"redirect": ..}`), the ceremony cookie cleared, a new session's set.
fn continue_to(
    state: &AppState,
    ctx: &TenantContext,
    request_id: &str,
    session_cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> HttpResponse {
    let next = routes::request_step(&ctx.tenant.slug, routes::AUTHORIZE_CONTINUE, request_id);
    let cookies = session_cookie
        .into_iter()
        .chain([super::clear(state, ctx)])
        .collect();
    super::json_with(&serde_json::json!({ "redirect": next }), cookies)
}

/// A session a passkey completes as its second factor.
struct Completion {
    session_id: String,
    amr: String,
    token_hash: String,
}

/// Stores the credential after a use (`stored`: its new counter), completes
/// the session when the use was its second factor, and audits the use, all
/// in one transaction.
async fn used(
    state: &AppState,
    ctx: &TenantContext,
    user: &User,
    row: &PasskeyRow,
    stored: String,
    how: &str,
    completes: Option<Completion>,
) -> PasskeyResult<()> {
    let (tenant_id, who, user_id, row_id) = (
        ctx.tenant.id.clone(),
        user.email.clone(),
        user.id.clone(),
        row.id.clone(),
    );
    let detail = format!("{}; {how}", row.name);
    let lifetime = state.settings.lifetimes.session;
    state
        .db
        .write(move |c| {
            store::passkeys::record_use(c, &tenant_id, &row_id, &stored)?;
            if let Some(done) = &completes {
                store::sessions::complete_second_factor(
                    c,
                    &tenant_id,
                    &done.session_id,
                    &done.amr,
                    lifetime,
                    &done.token_hash,
                )?;
            }
            store::audit::record(
                c,
                &tenant_id,
                &who,
                AuditAction::PasskeyUsed,
                Some(&user_id),
                Some(&detail),
            )
        })
        .await?;
    Ok(())
}

/// The usable account with this id, or the one refusal for unknown passkeys.
async fn account(state: &AppState, ctx: &TenantContext, user_id: &str) -> PasskeyResult<User> {
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), user_id.to_owned());
    state
        .db
        .read(move |c| store::users::find(c, &tenant_id, &user_id))
        .await?
        .filter(User::is_usable)
        .ok_or_else(no_passkey)
}

/// The account's registered passkey with this credential id.
async fn registered(
    state: &AppState,
    ctx: &TenantContext,
    user_id: &str,
    raw_id: &[u8],
) -> PasskeyResult<PasskeyRow> {
    let (tenant_id, user_id, id) = (
        ctx.tenant.id.clone(),
        user_id.to_owned(),
        super::credential_id(raw_id),
    );
    state
        .db
        .read(move |c| store::passkeys::find_for_user(c, &tenant_id, &user_id, &id))
        .await?
        .ok_or_else(no_passkey)
}

/// The verification's outcome; a counter that did not move forward (WebAuthn
/// §7.2 step 21: the authenticator may be cloned) is audited before it is
/// refused like every other failure.
async fn verified(
    state: &AppState,
    ctx: &TenantContext,
    user: &User,
    row: &PasskeyRow,
    outcome: Result<AuthenticationResult, WebauthnError>,
) -> PasskeyResult<AuthenticationResult> {
    match outcome {
        Ok(result) => Ok(result),
        Err(e) => {
            if matches!(e, WebauthnError::CredentialPossibleCompromise) {
                let (tenant_id, who, user_id, name) = (
                    ctx.tenant.id.clone(),
                    user.email.clone(),
                    user.id.clone(),
                    row.name.clone(),
                );
                state
                    .db
                    .write(move |c| {
                        store::audit::record(
                            c,
                            &tenant_id,
                            &who,
                            AuditAction::PasskeyCloneSuspected,
                            Some(&user_id),
                            Some(&name),
                        )
                    })
                    .await?;
            }
            Err(PasskeyError::refused(&e))
        }
    }
}
