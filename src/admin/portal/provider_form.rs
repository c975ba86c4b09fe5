//! The console's form for an identity provider (a guest home or the
//! upstream): what it posts, turned into the `ProviderSpec` or
//! `ProviderPatch` the API takes, and what it shows again.

use serde::Deserialize;

use crate::admin::api::providers::Refusal;
use crate::b2b::providers::{ProviderPatch, ProviderSpec};
use crate::pages::PageResult;
use crate::store::StoreError;
use crate::store::idps::IdentityProvider;

/// The provider form as posted (every text field may be left out).
#[derive(Deserialize)]
pub struct ProviderForm {
    pub(super) csrf_token: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    client_id: String,
    /// Empty keeps the stored secret (when editing).
    #[serde(default)]
    client_secret: String,
    remove_secret: Option<String>,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    domains: String,
    #[serde(default)]
    email_claim: String,
    #[serde(default)]
    name_claim: String,
    email_verified_trusted: Option<String>,
    trust_mfa: Option<String>,
    /// Federation only: the box that confirms members will sign in at the
    /// upstream, asked when there is none yet.
    understood: Option<String>,
}

/// What the form shows: a provider's settings, or what was typed (never a
/// secret).
pub struct Fields {
    pub display_name: String,
    pub issuer: String,
    pub client_id: String,
    pub has_secret: bool,
    pub scopes: String,
    pub domains: String,
    pub email_claim: String,
    pub name_claim: String,
    pub email_verified_trusted: bool,
    pub trust_mfa: bool,
}

impl Default for Fields {
    /// A new provider: the API's defaults.
    fn default() -> Fields {
        Fields {
            display_name: String::new(),
            issuer: String::new(),
            client_id: String::new(),
            has_secret: false,
            scopes: "email profile".into(),
            domains: String::new(),
            email_claim: "email".into(),
            name_claim: "name".into(),
            email_verified_trusted: false,
            trust_mfa: false,
        }
    }
}

impl From<&IdentityProvider> for Fields {
    fn from(idp: &IdentityProvider) -> Fields {
        Fields {
            display_name: idp.display_name.clone(),
            issuer: idp.issuer.clone(),
            client_id: idp.client_id.clone(),
            has_secret: idp.client_secret_sealed.is_some(),
            scopes: idp.scopes.clone(),
            domains: idp.domain_list().collect::<Vec<_>>().join(", "),
            email_claim: idp.email_claim.clone(),
            name_claim: idp.name_claim.clone(),
            email_verified_trusted: idp.email_verified_trusted,
            trust_mfa: idp.trust_mfa,
        }
    }
}

/// Words separated by spaces or commas.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A claim name, or its default when left empty.
fn claim(value: &str, default: &str) -> String {
    match value.trim() {
        "" => default.to_owned(),
        name => name.to_owned(),
    }
}

impl ProviderForm {
    /// A new provider (validated by the shared path, not here).
    pub fn spec(&self) -> ProviderSpec {
        ProviderSpec {
            display_name: self.display_name.clone(),
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            client_secret: Some(self.client_secret.clone()).filter(|s| !s.is_empty()),
            scopes: words(&self.scopes),
            domains: words(&self.domains),
            email_claim: claim(&self.email_claim, "email"),
            name_claim: claim(&self.name_claim, "name"),
            email_verified_trusted: self.email_verified_trusted.is_some(),
            trust_mfa: self.trust_mfa.is_some(),
        }
    }

    /// Whether the person ticked the box that confirms the switch to an
    /// upstream.
    pub fn understood(&self) -> bool {
        self.understood.is_some()
    }

    /// Whether the person asked to remove the stored secret.
    pub fn removes_secret(&self) -> bool {
        self.remove_secret.is_some()
    }

    /// A change to a guest home: every field as posted; the secret is
    /// replaced when one was typed, removed when asked, kept otherwise.
    pub fn patch(&self) -> ProviderPatch {
        let spec = self.spec();
        let client_secret = match (self.removes_secret(), spec.client_secret) {
            (true, _) => Some(None),
            (false, Some(secret)) => Some(Some(secret)),
            (false, None) => None,
        };
        ProviderPatch {
            display_name: Some(spec.display_name),
            client_id: Some(spec.client_id),
            client_secret,
            scopes: Some(spec.scopes),
            domains: Some(spec.domains),
            email_claim: Some(spec.email_claim),
            name_claim: Some(spec.name_claim),
            email_verified_trusted: Some(spec.email_verified_trusted),
            trust_mfa: Some(spec.trust_mfa),
        }
    }

    /// The form again as typed, after a refusal (`has_secret`: whether a
    /// secret is stored).
    pub fn fields(&self, has_secret: bool) -> Fields {
        Fields {
            display_name: self.display_name.clone(),
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            has_secret,
            scopes: self.scopes.clone(),
            domains: self.domains.clone(),
            email_claim: self.email_claim.clone(),
            name_claim: self.name_claim.clone(),
            email_verified_trusted: self.email_verified_trusted.is_some(),
            trust_mfa: self.trust_mfa.is_some(),
        }
    }
}

/// What to tell the person when the shared path refused a change; an
/// unexpected storage error stays an error page.
pub fn refusal(e: Refusal) -> PageResult<String> {
    match e {
        Refusal::Invalid(why) => Ok(why),
        Refusal::NoSecretKey => Ok(Refusal::NoSecretKey.to_string()),
        Refusal::Store(StoreError::Conflict(what)) => Ok(what.to_owned()),
        Refusal::Store(other) => Err(other.into()),
    }
}
