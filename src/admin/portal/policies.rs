//! The console's Policies page for administrators: collaboration,
//! authentication and cross-tenant access (the forms of `settings.rs` and
//! `mfa.rs`), and the redemption order that decides where each guest signs
//! in.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::frame::{Console, Frame, Section};
use super::overview::NoticeQuery;
use super::settings::SettingsView;
use crate::b2b::policy::{DomainMode, Policy};
use crate::pages::PageResult;
use crate::state::AppState;
use crate::store;
use crate::store::idps::IdentityProvider;

#[derive(Template)]
#[template(path = "console/policies.html")]
struct PoliciesPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    policy_summary: String,
    settings: SettingsView,
}

pub async fn get_policies(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let notice = query.notice.as_deref();
    match Console::open(&state, &path, &req, Section::Policies, notice).await? {
        Ok(console) => policies_page(&state, &console, StatusCode::OK).await,
        Err(sign_in) => Ok(sign_in),
    }
}

/// The policies page (400 with the console's problem when a form was refused).
pub(super) async fn policies_page(
    state: &AppState,
    console: &Console,
    status: StatusCode,
) -> PageResult<HttpResponse> {
    let (policy, settings, _) = settings_view(state, console).await?;
    let page = PoliciesPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        policy_summary: summarize(&policy),
        settings,
    };
    Ok(console.render(status, &page))
}

/// The stored settings the Policies and Identity providers pages show,
/// with the tenant's identity providers.
pub(super) async fn settings_view(
    state: &AppState,
    console: &Console,
) -> PageResult<(Policy, SettingsView, Vec<IdentityProvider>)> {
    let tenant_id = console.ctx.tenant.id.clone();
    let (policy, access, idps, mfa_required) = state
        .db
        .read(move |c| {
            Ok((
                store::policies::get(c, &tenant_id)?,
                store::cross_tenant::get(c, &tenant_id)?,
                store::idps::list(c, &tenant_id)?,
                store::auth_policy::get(c, &tenant_id)?,
            ))
        })
        .await?;
    let view = SettingsView::new(&console.ctx, &policy, &access, &idps, mfa_required);
    Ok((policy, view, idps))
}

/// One line on the collaboration policy.
pub(super) fn summarize(policy: &Policy) -> String {
    let who = serde_json::to_value(policy.who_can_invite)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default();
    let domains = match policy.domain_mode {
        DomainMode::None => "any domain".to_owned(),
        DomainMode::Allowlist => format!("only {}", policy.domains.join(", ")),
        DomainMode::Denylist => format!("any domain but {}", policy.domains.join(", ")),
    };
    let lifetime = policy
        .guest_lifetime_days
        .map(|d| format!("guest access ends {d} days after acceptance"))
        .unwrap_or_else(|| "guest access does not expire".into());
    format!("Who may invite: {who}; who may be invited: {domains}; {lifetime}.")
}
