//! "Account security" (`/t/{tenant}/account/security`): the signed-in
//! person's factors. Changes need a sign-in within the window (else the
//! page sends them to sign in again), a CSRF token, and are audited.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::check::{self, Checked, Which};
use super::enrol::{CodesPage, EnrolPage};
use crate::browser::{csrf, session};
use crate::domain::Acr;
use crate::login::passkey::fragments::PasskeyManager;
use crate::pages::{PageError, PageResult, render, see_other, tenant_page};
use crate::routes;
use crate::routes::portal_sign_in;
use crate::state::AppState;
use crate::store::users::User;
use crate::store::{self, sessions::Session};
use crate::tokens::TenantContext;

#[derive(Template)]
#[template(path = "account_security.html")]
struct AccountPage<'a> {
    tenant_name: &'a str,
    email: &'a str,
    base: String,
    csrf_token: &'a str,
    recent: bool,
    reauth: String,
    /// A confirmed authenticator app.
    totp: bool,
    /// Any second factor (recovery codes come with one).
    has_factor: bool,
    codes_left: i64,
    /// The user's passkeys, each removable, and "Add a passkey".
    passkeys: PasskeyManager,
}

#[derive(Deserialize)]
pub struct ActionForm {
    csrf_token: String,
    #[serde(default)]
    code: String,
}

/// The sign-in that returns here; `fresh` asks for the password again.
fn sign_in(ctx: &TenantContext, fresh: bool) -> PageResult<String> {
    portal_sign_in(ctx, routes::ACCOUNT_SIGNED_IN, fresh.then_some(0), None)
        .map(String::from)
        .map_err(|e| PageError::server(&ctx.tenant.display_name, e.to_string()))
}

fn page_path(ctx: &TenantContext) -> String {
    format!(
        "{}{}",
        routes::tenant_path(&ctx.tenant.slug),
        routes::ACCOUNT_SECURITY
    )
}

/// The signed-in person (complete session), or where to sign in.
async fn signed_in(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
) -> PageResult<Result<(Session, User), HttpResponse>> {
    let Some(sess) = session::current(state, ctx, req).await? else {
        return Ok(Err(see_other(&sign_in(ctx, false)?, Vec::new())));
    };
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), sess.user_id.clone());
    let user = state
        .db
        .read(move |c| store::users::find(c, &tenant_id, &user_id))
        .await?;
    Ok(match user.filter(User::is_usable) {
        Some(user) => Ok((sess, user)),
        None => Err(see_other(&sign_in(ctx, false)?, Vec::new())),
    })
}

pub async fn get_security(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let (sess, user) = match signed_in(&state, &ctx, &req).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), user.id.clone());
    let (totp, has_factor, codes_left) = state
        .db
        .read(move |c| {
            let totp = store::factors::totp(c, &tenant_id, &user_id)?.is_some_and(|t| t.confirmed);
            let any = super::reachable(c, &tenant_id, &user_id)? != Acr::SingleFactor;
            let left = store::factors::recovery_codes_left(c, &tenant_id, &user_id)?;
            Ok((totp, any, left))
        })
        .await?;
    let (token, cookie) = csrf::token(
        &req,
        &routes::tenant_path(&ctx.tenant.slug),
        state.settings.secure_cookies(),
    );
    let passkeys = PasskeyManager::load(&state, &ctx, &user.id, &token)
        .await?
        .returning_to(&page_path(&ctx));
    let page = AccountPage {
        tenant_name: &ctx.tenant.display_name,
        email: &user.email,
        base: page_path(&ctx),
        csrf_token: &token,
        recent: super::recent(&sess),
        reauth: sign_in(&ctx, true)?,
        totp,
        has_factor,
        codes_left,
        passkeys,
    };
    Ok(render(StatusCode::OK, &page, cookie.into_iter().collect()))
}

/// GET /account/signed-in: where the page's sign-in returns.
pub async fn get_signed_in(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    Ok(see_other(&page_path(&ctx), Vec::new()))
}

/// POST /account/security/{action}: `totp-add`, `totp-confirm`,
/// `totp-remove`, `recovery-codes`.
pub async fn post_action(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<ActionForm>,
) -> PageResult<HttpResponse> {
    let (slug, action) = path.into_inner();
    let ctx = tenant_page(&state.tenants, &slug).await?;
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(PageError::csrf(&ctx.tenant.display_name));
    }
    let (sess, user) = match signed_in(&state, &ctx, &req).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    if !super::recent(&sess) {
        return Ok(see_other(&sign_in(&ctx, true)?, Vec::new()));
    }
    let change = Change {
        state: &state,
        ctx: &ctx,
        user: &user,
        csrf_token: &form.csrf_token,
    };
    match action.as_str() {
        "totp-add" => change.enrol(None).await,
        "totp-confirm" => change.confirm(&form.code).await,
        "totp-remove" => change.remove().await,
        "recovery-codes" => change.recovery_codes().await,
        _ => Err(PageError::not_found()),
    }
}

/// One change to the signed-in person's factors.
struct Change<'a> {
    state: &'a AppState,
    ctx: &'a TenantContext,
    user: &'a User,
    csrf_token: &'a str,
}

impl Change<'_> {
    fn back(&self) -> HttpResponse {
        see_other(&page_path(self.ctx), Vec::new())
    }

    async fn enrol(&self, refused: Option<Checked>) -> PageResult<HttpResponse> {
        let (state, ctx, user) = (self.state, self.ctx, self.user);
        let Some(enrolment) = check::enrolment(state, ctx, &user.id, &user.email).await? else {
            return Ok(self.back());
        };
        let (status, error) = match refused {
            Some(checked) => {
                let (status, message) = super::pages::refusal(checked);
                (status, Some(message))
            }
            None => (StatusCode::OK, None),
        };
        let page = EnrolPage {
            tenant_name: &ctx.tenant.display_name,
            reason: "Add an authenticator app: sign-in will then ask for its code.",
            qr: &enrolment.qr,
            secret: &enrolment.secret,
            action: format!("{}/totp-confirm", page_path(ctx)),
            csrf_token: self.csrf_token,
            req: None,
            back: (page_path(ctx), "Cancel"),
            error,
            passkeys: None,
        };
        Ok(render(status, &page, Vec::new()))
    }

    async fn confirm(&self, code: &str) -> PageResult<HttpResponse> {
        let (state, ctx, user) = (self.state, self.ctx, self.user);
        let checked = check::code(state, ctx, &user.id, code, Which::Enrolling).await?;
        if checked != Checked::Totp {
            return self.enrol(Some(checked)).await;
        }
        check::audit(
            state,
            ctx,
            &user.email,
            crate::domain::AuditAction::TotpAdded,
            &user.id,
        )
        .await?;
        let (tenant_id, user_id) = (ctx.tenant.id.clone(), user.id.clone());
        let left = state
            .db
            .read(move |c| store::factors::recovery_codes_left(c, &tenant_id, &user_id))
            .await?;
        if left > 0 {
            return Ok(self.back());
        }
        self.show_new_codes().await
    }

    async fn remove(&self) -> PageResult<HttpResponse> {
        let (state, ctx, user) = (self.state, self.ctx, self.user);
        let (tenant_id, user_id) = (ctx.tenant.id.clone(), user.id.clone());
        state
            .db
            .write(move |c| {
                store::factors::remove_totp(c, &tenant_id, &user_id)?;
                // Recovery codes stand in for a factor; with none left they go.
                if super::reachable(c, &tenant_id, &user_id)? == Acr::SingleFactor {
                    store::factors::remove_recovery_codes(c, &tenant_id, &user_id)?;
                }
                Ok(())
            })
            .await?;
        check::audit(
            state,
            ctx,
            &user.email,
            crate::domain::AuditAction::TotpRemoved,
            &user.id,
        )
        .await?;
        Ok(self.back())
    }

    async fn recovery_codes(&self) -> PageResult<HttpResponse> {
        let (state, ctx, user) = (self.state, self.ctx, self.user);
        if super::reachable_of(state, ctx, &user.id).await? == Acr::SingleFactor {
            return Err(PageError::new(
                StatusCode::BAD_REQUEST,
                &ctx.tenant.display_name,
                "No second factor",
                "Recovery codes come with a second factor. Add an authenticator app first.",
            ));
        }
        self.show_new_codes().await
    }

    async fn show_new_codes(&self) -> PageResult<HttpResponse> {
        let (state, ctx, user) = (self.state, self.ctx, self.user);
        let codes = check::new_recovery_codes(
            state,
            ctx,
            &user.id,
            &user.email,
            crate::domain::AuditAction::RecoveryCodesCreated,
        )
        .await?;
        let page = CodesPage {
            tenant_name: &ctx.tenant.display_name,
            codes,
            next: page_path(ctx),
        };
        Ok(render(StatusCode::OK, &page, Vec::new()))
    }
}
