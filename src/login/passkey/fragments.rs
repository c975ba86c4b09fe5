//! The passkey parts of other pages, each its own template: the list with
//! "Add a passkey" (account security), "Use a passkey" (the MFA page) and
//! "Sign in with a passkey" (the sign-in page). A page holds one as a field
//! and writes `{{ field|safe }}` where it belongs; static/passkeys.js does
//! the WebAuthn calls.

use askama::Template;

use crate::routes;
use crate::state::AppState;
use crate::store::{self, StoreResult};
use crate::tokens::TenantContext;

pub struct PasskeyItem {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
}

/// The signed-in user's passkeys, each removable, and "Add a passkey".
#[derive(Template)]
#[template(path = "passkey_manage.html")]
pub struct PasskeyManager {
    pub available: bool,
    pub csrf_token: String,
    pub register_start: String,
    pub register_finish: String,
    /// The remove action of each item is `{remove_base}/{id}/remove`.
    pub remove_base: String,
    /// Where a removal returns to (a page of this tenant); the passkeys page
    /// when `None`.
    pub next: Option<String>,
    pub passkeys: Vec<PasskeyItem>,
}

impl PasskeyManager {
    pub async fn load(
        state: &AppState,
        ctx: &TenantContext,
        user_id: &str,
        csrf_token: &str,
    ) -> StoreResult<PasskeyManager> {
        let (tenant_id, user_id) = (ctx.tenant.id.clone(), user_id.to_owned());
        let rows = state
            .db
            .read(move |c| store::passkeys::list_for_user(c, &tenant_id, &user_id))
            .await?;
        let day = |at: chrono::NaiveDateTime| at.format("%Y-%m-%d").to_string();
        let base = routes::tenant_path(&ctx.tenant.slug);
        Ok(PasskeyManager {
            available: state.webauthn.is_some(),
            csrf_token: csrf_token.to_owned(),
            register_start: format!("{base}{}", routes::PASSKEY_REGISTER_START),
            register_finish: format!("{base}{}", routes::PASSKEY_REGISTER_FINISH),
            remove_base: format!("{base}{}", routes::PASSKEYS),
            next: None,
            passkeys: rows
                .into_iter()
                .map(|r| PasskeyItem {
                    id: r.id,
                    name: r.name,
                    created: day(r.created_at),
                    last_used: r.last_used_at.map(day).unwrap_or_else(|| "never".into()),
                })
                .collect(),
        })
    }
}

impl PasskeyManager {
    /// Removals return to `page` (a path of this tenant, e.g. the account
    /// security page) instead of the passkeys page.
    pub fn returning_to(mut self, page: &str) -> PasskeyManager {
        self.next = Some(page.to_owned());
        self
    }
}

/// "Use a passkey" as the second factor of the pending request `req`.
#[derive(Template)]
#[template(path = "passkey_mfa.html")]
pub struct PasskeyMfaPrompt {
    pub csrf_token: String,
    pub req: String,
    pub start: String,
    pub finish: String,
}

impl PasskeyMfaPrompt {
    /// `None` when passkeys are unavailable or the user has none here.
    pub async fn for_user(
        state: &AppState,
        ctx: &TenantContext,
        user_id: &str,
        csrf_token: &str,
        req: &str,
    ) -> StoreResult<Option<PasskeyMfaPrompt>> {
        if state.webauthn.is_none() {
            return Ok(None);
        }
        let (tenant_id, user_id) = (ctx.tenant.id.clone(), user_id.to_owned());
        let count = state
            .db
            .read(move |c| store::passkeys::count_for_user(c, &tenant_id, &user_id))
            .await?;
        let base = routes::tenant_path(&ctx.tenant.slug);
        Ok((count > 0).then(|| PasskeyMfaPrompt {
            csrf_token: csrf_token.to_owned(),
            req: req.to_owned(),
            start: format!("{base}{}", routes::PASSKEY_MFA_START),
            finish: format!("{base}{}", routes::PASSKEY_MFA_FINISH),
        }))
    }
}

/// "Sign in with a passkey" on the sign-in page of the pending request `req`.
#[derive(Template)]
#[template(path = "passkey_signin.html")]
pub struct PasskeySignIn {
    pub csrf_token: String,
    pub req: String,
    pub start: String,
    pub finish: String,
}

impl PasskeySignIn {
    /// `None` when passkeys are unavailable on this server.
    pub fn new(
        state: &AppState,
        ctx: &TenantContext,
        csrf_token: &str,
        req: &str,
    ) -> Option<PasskeySignIn> {
        state.webauthn.as_ref()?;
        let base = routes::tenant_path(&ctx.tenant.slug);
        Some(PasskeySignIn {
            csrf_token: csrf_token.to_owned(),
            req: req.to_owned(),
            start: format!("{base}{}", routes::PASSKEY_SIGNIN_START),
            finish: format!("{base}{}", routes::PASSKEY_SIGNIN_FINISH),
        })
    }
}
