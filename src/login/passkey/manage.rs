//! A signed-in user's passkeys: the list page, registration (start and
//! finish) and removal, each audited. Changes need a recent sign-in.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use webauthn_rs::prelude::{
    Credential, CredentialID, RegisterPublicKeyCredential, SecurityKeyRegistration, Uuid,
};

use super::fragments::PasskeyManager;
use super::{Bound, PasskeyError, PasskeyResult, Purpose};
use crate::browser::{csrf, session};
use crate::domain::AuditAction;
use crate::pages::{PageError, PageResult, render, see_other, tenant_page};
use crate::routes;
use crate::state::AppState;
use crate::store::sessions::Session;
use crate::store::{self, passkeys::NewPasskey};
use crate::tokens::TenantContext;

/// How recently a user must have signed in to add or remove a passkey.
pub const RECENT_SIGN_IN: chrono::TimeDelta = chrono::TimeDelta::minutes(15);
/// The longest passkey name kept.
pub const MAX_NAME_CHARS: usize = 60;

#[derive(askama::Template)]
#[template(path = "passkeys.html")]
struct PasskeysPage<'a> {
    tenant_name: &'a str,
    manager: PasskeyManager,
}

/// The user's passkeys on a page of their own (the account security page
/// shows the same fragment).
pub async fn get_passkeys(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let Some(sess) = session::current(&state, &ctx, &req).await? else {
        return Err(not_signed_in(&ctx.tenant.display_name));
    };
    let base = routes::tenant_path(&ctx.tenant.slug);
    let (token, cookie) = csrf::token(&req, &base, state.settings.secure_cookies());
    let manager = PasskeyManager::load(&state, &ctx, &sess.user_id, &token).await?;
    let page = PasskeysPage {
        tenant_name: &ctx.tenant.display_name,
        manager,
    };
    Ok(render(StatusCode::OK, &page, cookie.into_iter().collect()))
}

fn not_signed_in(tenant_name: &str) -> PageError {
    PageError::new(
        StatusCode::UNAUTHORIZED,
        tenant_name,
        "Not signed in",
        "You are not signed in to this organization. Open an application of this organization to sign in.",
    )
}

/// The signed-in session, if it signed in recently enough to change factors.
/// A password sign-in that still owes a second factor (enrolment) may add
/// its first factor, and only that: otherwise a stolen password would add
/// the thief's passkey.
async fn recent_session(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
) -> PasskeyResult<Session> {
    let sess = match session::current(state, ctx, req).await? {
        Some(sess) => sess,
        None => {
            let pending = super::signin::pending_session(state, ctx, req).await?;
            let (tenant_id, user_id) = (ctx.tenant.id.clone(), pending.user_id.clone());
            let reachable = state
                .db
                .read(move |c| crate::login::mfa::reachable(c, &tenant_id, &user_id))
                .await?;
            if reachable != crate::domain::Acr::SingleFactor {
                return Err(PasskeyError::new(
                    StatusCode::UNAUTHORIZED,
                    "Finish signing in before changing your passkeys.",
                ));
            }
            pending
        }
    };
    if store::now() - sess.auth_time > RECENT_SIGN_IN {
        return Err(PasskeyError::new(
            StatusCode::FORBIDDEN,
            "Sign in again before changing your passkeys.",
        ));
    }
    Ok(sess)
}

/// Starts registering a passkey for the signed-in user; answers the options
/// for `navigator.credentials.create`.
pub async fn post_register_start(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> PasskeyResult<HttpResponse> {
    let (webauthn, ctx) = super::checked(&state, &path, &req).await?;
    let sess = recent_session(&state, &ctx, &req).await?;
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), sess.user_id.clone());
    let (user, existing) = state
        .db
        .read(move |c| {
            let user = store::users::find(c, &tenant_id, &user_id)?;
            Ok((
                user,
                store::passkeys::list_for_user(c, &tenant_id, &user_id)?,
            ))
        })
        .await?;
    let user =
        user.ok_or_else(|| PasskeyError::new(StatusCode::UNAUTHORIZED, "You are not signed in."))?;
    // The user handle is the account's id: opaque, and how a passwordless
    // sign-in finds the account again (WebAuthn §14.6.1).
    let handle = Uuid::parse_str(&user.id).map_err(|e| {
        PasskeyError::from(PageError::server(&ctx.tenant.display_name, e.to_string()))
    })?;
    let exclude: Vec<CredentialID> = existing
        .iter()
        .filter_map(|p| super::credential(p).ok())
        .map(|c| c.cred_id)
        .collect();
    // Security-key registration is webauthn-rs's "user verification
    // preferred" ceremony; for_browser also asks for a discoverable key.
    let (options, registration) = webauthn
        .start_securitykey_registration(
            handle,
            &user.email,
            &user.display_name,
            Some(exclude),
            None,
            None,
        )
        .map_err(|e| {
            PasskeyError::from(PageError::server(&ctx.tenant.display_name, e.to_string()))
        })?;
    let bound = Bound {
        user_id: Some(sess.user_id.clone()),
        session_id: Some(sess.id.clone()),
        auth_request_id: None,
    };
    super::started(
        &state,
        &ctx,
        Purpose::Register,
        bound,
        &registration,
        &options,
    )
    .await
}

#[derive(Deserialize)]
pub struct RegisterFinish {
    #[serde(default)]
    name: String,
    credential: RegisterPublicKeyCredential,
}

/// A passkey's name as given: trimmed, "Passkey" when empty, refused when
/// too long or holding control characters.
pub fn passkey_name(given: &str) -> PasskeyResult<String> {
    let name = given.trim();
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(PasskeyError::new(
            StatusCode::BAD_REQUEST,
            "Give the passkey a name of at most 60 characters.",
        ));
    }
    Ok(if name.is_empty() { "Passkey" } else { name }.to_owned())
}

/// Verifies the new credential and keeps it for the user.
pub async fn post_register_finish(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Json<RegisterFinish>,
) -> PasskeyResult<HttpResponse> {
    let (webauthn, ctx) = super::checked(&state, &path, &req).await?;
    let sess = recent_session(&state, &ctx, &req).await?;
    let name = passkey_name(&body.name)?;
    let (ceremony, registration): (_, SecurityKeyRegistration) =
        super::take(&state, &ctx, &req, Purpose::Register).await?;
    if ceremony.session_id.as_deref() != Some(sess.id.as_str()) {
        return Err(PasskeyError::expired());
    }
    let key = webauthn
        .finish_securitykey_registration(&body.credential, &registration)
        .map_err(|e| super::PasskeyError::refused(&e))?;
    let credential = Credential::from(key);
    let text = serde_json::to_string(&credential)
        .map_err(|e| PasskeyError::from(PageError::server("Portico", e.to_string())))?;
    let credential_id = super::credential_id(credential.cred_id.as_ref());
    let (tenant_id, user_id, kept_name) =
        (ctx.tenant.id.clone(), sess.user_id.clone(), name.clone());
    let row = state
        .db
        .write(move |c| {
            let who = store::users::find(c, &tenant_id, &user_id)?
                .map(|u| u.email)
                .unwrap_or_else(|| user_id.clone());
            let row = store::passkeys::insert(
                c,
                &tenant_id,
                NewPasskey {
                    user_id: &user_id,
                    name: &kept_name,
                    credential_id: &credential_id,
                    credential: &text,
                },
            )?;
            store::audit::record(
                c,
                &tenant_id,
                &who,
                AuditAction::PasskeyAdded,
                Some(&user_id),
                Some(&kept_name),
            )?;
            Ok(row)
        })
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => {
                PasskeyError::new(StatusCode::CONFLICT, "This passkey is already registered.")
            }
            other => other.into(),
        })?;
    let body = serde_json::json!({ "id": row.id, "name": name });
    Ok(super::json_with(&body, vec![super::clear(&state, &ctx)]))
}

#[derive(Deserialize)]
pub struct RemoveForm {
    csrf_token: String,
    /// Where to go back to: a page of this tenant (the account security
    /// page); the passkeys page when absent.
    #[serde(default)]
    next: Option<String>,
}

/// Removes one of the signed-in user's passkeys (a form post).
pub async fn post_remove(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<RemoveForm>,
) -> PageResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let ctx = tenant_page(&state.tenants, &slug).await?;
    let name = ctx.tenant.display_name.clone();
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(PageError::csrf(&name));
    }
    let sess = recent_session(&state, &ctx, &req)
        .await
        .map_err(|e| PageError::new(e.status, &name, "Passkey not removed", &e.message))?;
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), sess.user_id.clone());
    let removed = state
        .db
        .write(move |c| {
            let Some(removed) = store::passkeys::remove(c, &tenant_id, &user_id, &id)? else {
                return Ok(false);
            };
            let who = store::users::find(c, &tenant_id, &user_id)?
                .map(|u| u.email)
                .unwrap_or_else(|| user_id.clone());
            store::audit::record(
                c,
                &tenant_id,
                &who,
                AuditAction::PasskeyRemoved,
                Some(&user_id),
                Some(&removed),
            )?;
            Ok(true)
        })
        .await?;
    if !removed {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            &name,
            "Passkey not found",
            "This passkey was already removed.",
        ));
    }
    let base = routes::tenant_path(&ctx.tenant.slug);
    let next = form
        .next
        .as_deref()
        .filter(|n| n.starts_with(&format!("{base}/")) && !n.contains("//") && !n.contains('\\'))
        .map_or_else(|| format!("{base}{}", routes::PASSKEYS), str::to_owned);
    Ok(see_other(&next, Vec::new()))
}
