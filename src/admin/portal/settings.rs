//! The portal's settings for administrators: what the page shows of them and
//! the forms for the collaboration policy and the cross-tenant access
//! settings, saved and audited through the same functions as the API and the
//! CLI (`b2b::policy::save`, `b2b::cross_tenant::save`).

use crate::domain::TenantId;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::frame::{Console, Section, back_to};
use super::policies::policies_page;
use crate::b2b::cross_tenant::{Access, CrossTenantAccess, DirectionSettings};
use crate::b2b::policy::{DomainMode, GuestVisibility, Policy, WhoCanInvite};
use crate::domain::IdpRole;
use crate::domain::inbound_trust::{InboundTrust, TrustSettings};
use crate::pages::{PageError, PageResult};
use crate::state::AppState;
use crate::store::idps::IdentityProvider;
use crate::tokens::TenantContext;

/// What the settings forms and the sign-in section show (administrators).
pub(super) struct SettingsView {
    pub(super) who_can_invite: String,
    pub(super) domain_mode: String,
    pub(super) domains: String,
    pub(super) guest_visibility: String,
    pub(super) guest_lifetime_days: String,
    pub(super) otp_enabled: bool,
    pub(super) inbound_default: String,
    pub(super) outbound_default: String,
    pub(super) inbound_allow: String,
    pub(super) inbound_block: String,
    pub(super) outbound_allow: String,
    pub(super) outbound_block: String,
    /// Inbound trust: MFA from organizations without an entry counts here.
    pub(super) trust_mfa_default: bool,
    pub(super) trust_mfa: String,
    pub(super) distrust_mfa: String,
    /// Members sign in at the upstream (`auth_mode` federated).
    pub(super) federated: bool,
    pub(super) upstream: Option<String>,
    /// (name, issuer, domains, how its emails count as verified) of each
    /// guest identity provider.
    pub(super) providers: Vec<(String, String, String, String)>,
    pub(super) order: [&'static str; 3],
    /// Who must use a second factor (the authentication policy).
    pub(super) mfa_required: &'static str,
}

fn snake<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl SettingsView {
    pub(super) fn new(
        ctx: &TenantContext,
        policy: &Policy,
        access: &CrossTenantAccess,
        idps: &[IdentityProvider],
        mfa_required: crate::domain::MfaRequired,
    ) -> SettingsView {
        let listed = |d: &DirectionSettings, a: Access| {
            d.partners
                .iter()
                .filter(|(_, v)| **v == a)
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        };
        SettingsView {
            who_can_invite: snake(&policy.who_can_invite),
            domain_mode: snake(&policy.domain_mode),
            domains: policy.domains.join(", "),
            guest_visibility: snake(&policy.guest_visibility),
            guest_lifetime_days: policy
                .guest_lifetime_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            otp_enabled: policy.otp_enabled,
            inbound_default: snake(&access.inbound.default),
            outbound_default: snake(&access.outbound.default),
            inbound_allow: listed(&access.inbound, Access::Allow),
            inbound_block: listed(&access.inbound, Access::Block),
            outbound_allow: listed(&access.outbound, Access::Allow),
            outbound_block: listed(&access.outbound, Access::Block),
            trust_mfa_default: access.inbound_trust.default.mfa,
            trust_mfa: trusted(&access.inbound_trust, true),
            distrust_mfa: trusted(&access.inbound_trust, false),
            federated: ctx.tenant.auth_mode.signs_in_upstream(),
            upstream: idps
                .iter()
                .find(|i| i.role == IdpRole::Upstream)
                .map(|i| format!("{} ({}; {})", i.display_name, i.issuer, email_trust(i))),
            providers: idps
                .iter()
                .filter(|i| i.role == IdpRole::Guests)
                .map(|i| {
                    (
                        i.display_name.clone(),
                        i.issuer.clone(),
                        i.domain_list().collect::<Vec<_>>().join(", "),
                        email_trust(i),
                    )
                })
                .collect(),
            order: crate::b2b::home::REDEMPTION_ORDER,
            mfa_required: mfa_required.as_str(),
        }
    }
}

/// The partners whose MFA entry is `mfa`, one per line.
fn trusted(trust: &InboundTrust, mfa: bool) -> String {
    trust
        .partners
        .iter()
        .filter(|(_, t)| t.mfa == mfa)
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// How a provider's emails and MFA count here, as the portal says it.
fn email_trust(idp: &IdentityProvider) -> String {
    let mfa = if idp.trust_mfa {
        "; MFA done there counts here"
    } else {
        "; MFA done there does not count here"
    };
    format!("{}{mfa}", email_claim_trust(idp))
}

fn email_claim_trust(idp: &IdentityProvider) -> String {
    if idp.email_verified_trusted {
        format!(
            "emails from the {} claim are trusted as verified (administrator setting)",
            idp.email_claim
        )
    } else {
        format!(
            "emails from the {} claim only when the provider marks them verified",
            idp.email_claim
        )
    }
}

#[derive(Deserialize)]
pub struct PolicyForm {
    csrf_token: String,
    who_can_invite: String,
    domain_mode: String,
    #[serde(default)]
    domains: String,
    guest_visibility: String,
    #[serde(default)]
    guest_lifetime_days: String,
    otp_enabled: Option<String>,
}

#[derive(Deserialize)]
pub struct CrossTenantForm {
    csrf_token: String,
    inbound_default: String,
    outbound_default: String,
    #[serde(default)]
    inbound_allow: String,
    #[serde(default)]
    inbound_block: String,
    #[serde(default)]
    outbound_allow: String,
    #[serde(default)]
    outbound_block: String,
    trust_mfa_default: Option<String>,
    #[serde(default)]
    trust_mfa: String,
    #[serde(default)]
    distrust_mfa: String,
}

/// A form value through the same serde names the API uses.
fn choice<T: serde::de::DeserializeOwned>(value: &str, what: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| format!("{value:?} is not a valid {what}"))
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

impl PolicyForm {
    fn policy(&self) -> Result<Policy, String> {
        let guest_lifetime_days = match self.guest_lifetime_days.trim() {
            "" | "0" => None,
            days => Some(
                days.parse::<u32>()
                    .ok()
                    .filter(|d| *d <= 3650)
                    .ok_or("guest access lifetime must be a number of days up to 3650")?,
            ),
        };
        Policy {
            who_can_invite: choice::<WhoCanInvite>(&self.who_can_invite, "inviter setting")?,
            domain_mode: choice::<DomainMode>(&self.domain_mode, "domain mode")?,
            domains: words(&self.domains),
            guest_visibility: choice::<GuestVisibility>(&self.guest_visibility, "visibility")?,
            guest_lifetime_days,
            otp_enabled: self.otp_enabled.is_some(),
        }
        .validated()
    }
}

impl CrossTenantForm {
    fn settings(&self) -> Result<CrossTenantAccess, String> {
        let direction = |default: &str, allow: &str, block: &str| -> Result<_, String> {
            let mut settings = DirectionSettings {
                default: choice::<Access>(default, "default")?,
                ..DirectionSettings::default()
            };
            for issuer in words(allow) {
                settings.partners.insert(issuer, Access::Allow);
            }
            for issuer in words(block) {
                if settings
                    .partners
                    .insert(issuer.clone(), Access::Block)
                    .is_some()
                {
                    return Err(format!("{issuer} is both allowed and blocked"));
                }
            }
            Ok(settings)
        };
        CrossTenantAccess {
            inbound: direction(
                &self.inbound_default,
                &self.inbound_allow,
                &self.inbound_block,
            )?,
            outbound: direction(
                &self.outbound_default,
                &self.outbound_allow,
                &self.outbound_block,
            )?,
            inbound_trust: self.inbound_trust()?,
        }
        .validated()
    }

    fn inbound_trust(&self) -> Result<InboundTrust, String> {
        let mut trust = InboundTrust {
            default: TrustSettings {
                mfa: self.trust_mfa_default.is_some(),
            },
            ..InboundTrust::default()
        };
        for issuer in words(&self.trust_mfa) {
            trust.partners.insert(issuer, TrustSettings { mfa: true });
        }
        for issuer in words(&self.distrust_mfa) {
            if trust
                .partners
                .insert(issuer.clone(), TrustSettings { mfa: false })
                .is_some()
            {
                return Err(format!("{issuer} is both trusted and not trusted for MFA"));
            }
        }
        Ok(trust)
    }
}

pub(super) fn not_admin(ctx: &TenantContext) -> PageError {
    PageError::new(
        StatusCode::FORBIDDEN,
        &ctx.tenant.display_name,
        "Not allowed",
        "Only administrators can change these settings.",
    )
}

/// The shared path of the settings forms: CSRF and sign-in, administrators
/// only, then validate (a 400 page with the reason) and save through `save`.
pub(super) async fn save_form<T: Send + 'static>(
    state: &AppState,
    slug: &str,
    req: &HttpRequest,
    csrf_token: &str,
    parsed: Result<T, String>,
    (what, notice): (&str, &str),
    save: fn(&mut crate::store::DbConn, &TenantId, &T, &str) -> crate::store::StoreResult<()>,
) -> PageResult<HttpResponse> {
    let mut console =
        match Console::open_form(state, slug, req, Section::Policies, csrf_token).await? {
            Ok(console) => console,
            Err(sign_in) => return Ok(sign_in),
        };
    let value = match parsed {
        Ok(value) => value,
        Err(problem) => {
            console.refuse(format!("{what} not saved: {problem}."));
            return policies_page(state, &console, StatusCode::BAD_REQUEST).await;
        }
    };
    let ctx = &console.ctx;
    let (tenant_id, actor) = (ctx.tenant.id.clone(), console.user.inviter.actor());
    state
        .db
        .write(move |c| save(c, &tenant_id, &value, &actor))
        .await?;
    Ok(back_to(ctx, Section::Policies, notice))
}

pub async fn post_policy(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<PolicyForm>,
) -> PageResult<HttpResponse> {
    save_form(
        &state,
        &path,
        &req,
        &form.csrf_token,
        form.policy(),
        ("Policy", "policy"),
        crate::b2b::policy::save,
    )
    .await
}

pub async fn post_cross_tenant(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<CrossTenantForm>,
) -> PageResult<HttpResponse> {
    save_form(
        &state,
        &path,
        &req,
        &form.csrf_token,
        form.settings(),
        ("Cross-tenant access", "cross_tenant"),
        crate::b2b::cross_tenant::save,
    )
    .await
}
