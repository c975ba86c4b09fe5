//! What a token exchange subject token's authentication counts for here
//! (issue 12): the home's `amr`/`acr` prove MFA only when the resource tenant
//! trusts that home's MFA, as at interactive sign-in (`b2b::mfa_trust`). A
//! tenant that requires MFA of guests refuses a subject token that does not
//! prove trusted MFA: token exchange has no browser to enrol a factor in.
//! The refusal is `invalid_request`, which RFC 8693 §2.2.2 prescribes for a
//! subject token "unacceptable based on policy".

use super::super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::b2b::mfa_trust::{must_use_mfa, trusts_home_mfa};
use crate::domain::inbound_trust::{federated_amr, proves_mfa};
use crate::domain::{Amr, AuthMethod, IdpRole, UserType};
use crate::state::AppState;
use crate::store::apps::Client;
use crate::tokens::TenantContext;

/// How the home says the guest authenticated, from the verified subject token.
pub struct SubjectAuthn {
    pub amr: Vec<String>,
    pub acr: Option<String>,
}

/// The amr of the issued token (`fed`, plus `mfa` when trusted and proven),
/// or the refusal when the tenant requires MFA of guests (its policy or the
/// app) and the subject token does not prove trusted MFA.
pub async fn exchanged_amr(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    home_issuer: &str,
    subject: SubjectAuthn,
) -> OAuthResult<Amr> {
    let proved = proves_mfa(&subject.amr, subject.acr.as_deref());
    let (tenant_id, client_id, issuer) = (
        ctx.tenant.id.clone(),
        client.client_id.clone(),
        home_issuer.to_owned(),
    );
    let slug = state.tenants.slug_of_issuer(&issuer).map(str::to_owned);
    let (trusted, required) = state
        .db
        .read(move |c| {
            let trusted = proved
                && trusts_home_mfa(c, &tenant_id, &issuer, slug.as_deref(), IdpRole::Guests)?;
            let required = must_use_mfa(c, &tenant_id, &client_id, None, UserType::Guest)?;
            Ok((trusted, required))
        })
        .await?;
    let amr = federated_amr(proved, trusted);
    if required && !amr.contains(AuthMethod::Mfa) {
        let why = if proved {
            "the home's MFA is not trusted here"
        } else {
            "the subject token does not prove MFA"
        };
        return Err(OAuthError::new(
            ErrorCode::InvalidRequest,
            format!("this tenant requires MFA of guests and {why}"),
        ));
    }
    Ok(amr)
}
