//! Trusting a partner's MFA (issue 12): what a guest's authentication here is
//! when another provider vouched for them, whether this tenant trusts that
//! provider's MFA, and when the resource tenant asks the home for MFA
//! (`acr_values`, OIDC Core §3.1.2.1). Token exchange applies the same rule.

use super::home::{HomeIdentity, MAIL_IDP, Proof};
use crate::domain::inbound_trust::{TrustedParty, federated_amr};
use crate::domain::{Acr, Amr, AuthMethod, Demands, IdpRole, TenantId, UserType};
use crate::state::AppState;
use crate::store::codes::AuthRequest;
use crate::store::{self, DbConn, StoreResult};
use crate::tokens::TenantContext;

/// Whether the tenant trusts MFA done at the home with `issuer`: another
/// tenant here (`home_slug`), the tenant's configured provider in `role`
/// (a guest home, or the upstream of a federated tenant, which has only its
/// own switch), or the passcode mail (never).
pub fn trusts_home_mfa(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    issuer: &str,
    home_slug: Option<&str>,
    role: IdpRole,
) -> StoreResult<bool> {
    let party = if issuer == MAIL_IDP {
        TrustedParty::Passcode
    } else if let Some(slug) = home_slug {
        TrustedParty::Tenant(slug)
    } else {
        let trust_mfa = store::idps::list(conn, tenant_id)?
            .iter()
            .any(|idp| idp.role == role && idp.issuer == issuer && idp.trust_mfa);
        if role == IdpRole::Upstream {
            return Ok(trust_mfa);
        }
        TrustedParty::Provider { trust_mfa }
    };
    Ok(store::cross_tenant::get(conn, tenant_id)?
        .inbound_trust
        .trusts_mfa(issuer, party))
}

/// Whether a user of `user_type` signing in to the app `client_id` must
/// reach MFA here: the tenant's policy, the app, or what the request asked
/// for. (A policy for administrators only is not known before sign-in.)
pub fn must_use_mfa(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    requested: Option<Acr>,
    user_type: UserType,
) -> StoreResult<bool> {
    let demands = Demands {
        policy: store::auth_policy::get(conn, tenant_id)?.applies_to(user_type, false),
        app: store::apps::requires_mfa(conn, tenant_id, client_id)?,
        enrolled: false,
        requested,
    };
    Ok(demands.required_acr() != Acr::SingleFactor)
}

/// The amr text of the session a home sign-in starts here: `otp` for a
/// mailed passcode; `fed` for another provider, plus `mfa` when its verified
/// ID token proved MFA and this tenant trusts it (`role`: the provider's).
pub async fn session_amr(
    state: &AppState,
    ctx: &TenantContext,
    identity: &HomeIdentity,
    role: IdpRole,
) -> StoreResult<String> {
    let proved = match identity.proof {
        Proof::Passcode => return Ok(Amr::of(&[AuthMethod::Otp]).to_text()),
        Proof::IdToken { mfa } => mfa,
    };
    let trusted = proved && {
        let (tenant_id, issuer) = (ctx.tenant.id.clone(), identity.issuer.clone());
        let slug = state.tenants.slug_of_issuer(&issuer).map(str::to_owned);
        state
            .db
            .read(move |c| trusts_home_mfa(c, &tenant_id, &issuer, slug.as_deref(), role))
            .await?
    };
    Ok(federated_amr(proved, trusted).to_text())
}

/// What to ask the provider with `issuer` (in `role`) for when sending a
/// guest (or a federated member) there for `ar`: MFA when they must use it
/// here and this tenant trusts that provider's (then its answer counts);
/// else nothing (a guest uses a factor here instead).
pub async fn acr_for_home(
    state: &AppState,
    ctx: &TenantContext,
    ar: &AuthRequest,
    issuer: &str,
    role: IdpRole,
) -> StoreResult<Option<Acr>> {
    let requested = ar.acr_values.as_deref().and_then(|a| a.parse::<Acr>().ok());
    let (tenant_id, client_id, issuer) = (
        ctx.tenant.id.clone(),
        ar.client_id.clone(),
        issuer.to_owned(),
    );
    let slug = state.tenants.slug_of_issuer(&issuer).map(str::to_owned);
    let user_type = if role == IdpRole::Upstream {
        UserType::Member
    } else {
        UserType::Guest
    };
    state
        .db
        .read(move |c| {
            let ask = must_use_mfa(c, &tenant_id, &client_id, requested, user_type)?
                && trusts_home_mfa(c, &tenant_id, &issuer, slug.as_deref(), role)?;
            Ok(ask.then_some(Acr::MultiFactor))
        })
        .await
}
