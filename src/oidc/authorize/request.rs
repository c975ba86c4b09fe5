//! Checking an authorization request, in the order that decides how errors
//! are shown: client, redirect URI (page), then everything else (redirect).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use actix_web::http::StatusCode;

use super::{AuthorizeError, AuthorizeResult};
use crate::domain::{ClientType, CodeChallenge, GrantType, RedirectUri, ScopeSet};
use crate::oidc::error::ErrorCode;
use crate::pages::PageError;
use crate::state::AppState;
use crate::store::apps::Client;
use crate::tokens::TenantContext;

/// `prompt` (OIDC Core §3.1.2.1): `none` alone, or any of `login` / `consent`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
}

impl Prompt {
    pub fn parse(s: &str) -> Result<Prompt, String> {
        let mut prompt = Prompt::default();
        for value in s.split(' ').filter(|v| !v.is_empty()) {
            match value {
                "none" => prompt.none = true,
                "login" => prompt.login = true,
                "consent" => prompt.consent = true,
                other => return Err(format!("unsupported prompt value {other:?}")),
            }
        }
        if prompt.none && (prompt.login || prompt.consent) {
            return Err("prompt=none cannot be combined with other values".into());
        }
        Ok(prompt)
    }
}

impl fmt::Display for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<&str> = [
            (self.none, "none"),
            (self.login, "login"),
            (self.consent, "consent"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        f.write_str(&parts.join(" "))
    }
}

pub struct ValidRequest {
    pub client: Arc<Client>,
    pub redirect_uri: RedirectUri,
    pub scope: ScopeSet,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub challenge: Option<CodeChallenge>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
}

fn page(ctx: &TenantContext, message: &str, detail: &str) -> AuthorizeError {
    AuthorizeError::from(
        PageError::new(
            StatusCode::BAD_REQUEST,
            &ctx.tenant.display_name,
            "Sign-in request not valid",
            message,
        )
        .detail(detail.to_owned()),
    )
}

pub async fn validate(
    state: &AppState,
    ctx: &TenantContext,
    raw: &[u8],
) -> AuthorizeResult<ValidRequest> {
    // Each parameter at most once (RFC 6749 §3.1).
    let mut params: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        if params.insert(k.to_string(), v.to_string()).is_some() {
            return Err(page(
                ctx,
                "The application sent a malformed sign-in request.",
                &format!("parameter {k} repeated"),
            ));
        }
    }
    let get = |name: &str| params.get(name).filter(|v| !v.is_empty()).cloned();

    // 1. The client.
    let unknown = "The application that sent you here is not registered with this organization.";
    let client_id = get("client_id").ok_or_else(|| page(ctx, unknown, "missing client_id"))?;
    let client = state
        .tenants
        .client(&ctx.tenant.id, &client_id)
        .await?
        .ok_or_else(|| page(ctx, unknown, "unknown client_id"))?;

    // A sibling tenant signing in one of our users as its guest: our outbound
    // settings decide whether our users may go there.
    if let Some(slug) = state.tenants.slug_of_issuer(&client.client_id) {
        let (tenant_id, resource, slug) = (
            ctx.tenant.id.clone(),
            client.client_id.clone(),
            slug.to_owned(),
        );
        let allowed = state
            .db
            .read(move |c| {
                Ok(crate::store::cross_tenant::get(c, &tenant_id)?
                    .outbound
                    .allows(&resource, Some(&slug)))
            })
            .await?;
        if !allowed {
            return Err(AuthorizeError::from(
                PageError::new(
                    StatusCode::FORBIDDEN,
                    &ctx.tenant.display_name,
                    "Not allowed by your organization",
                    &format!(
                        "{} does not allow its users to sign in to {} as guests. Contact your administrator.",
                        ctx.tenant.display_name, client.name
                    ),
                )
                .detail("outbound cross-tenant access blocked"),
            ));
        }
    }

    // 2. The redirect URI, exactly as registered.
    let bad_redirect = "The application asked to return you to an address it has not registered.";
    let redirect_uri = get("redirect_uri")
        .and_then(|r| client.registered_redirect(&r).cloned())
        .ok_or_else(|| page(ctx, bad_redirect, "redirect_uri missing or not registered"))?;

    // 3. Everything else goes back to the client.
    let state_param = get("state");
    let fail = |code: ErrorCode, detail: String| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.clone(),
        code,
        state: state_param.clone(),
        issuer: ctx.issuer.clone(),
        detail,
    };
    if get("request").is_some() || get("request_uri").is_some() {
        return Err(fail(
            ErrorCode::InvalidRequest,
            "request objects not supported".into(),
        ));
    }
    match get("response_type").as_deref() {
        Some("code") => {}
        Some(other) => {
            return Err(fail(
                ErrorCode::UnsupportedResponseType,
                format!("response_type {other}"),
            ));
        }
        None => {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "missing response_type".into(),
            ));
        }
    }
    if let Some(mode) = get("response_mode")
        && mode != "query"
    {
        return Err(fail(
            ErrorCode::InvalidRequest,
            format!("response_mode {mode}"),
        ));
    }
    if !client.allows(GrantType::AuthorizationCode) {
        return Err(fail(
            ErrorCode::UnauthorizedClient,
            "code flow not allowed".into(),
        ));
    }
    let scope = ScopeSet::parse(&get("scope").unwrap_or_default())
        .map_err(|e| fail(ErrorCode::InvalidScope, e))?;
    let challenge = match get("code_challenge") {
        Some(c) => Some(
            CodeChallenge::parse(&c, get("code_challenge_method").as_deref())
                .map_err(|e| fail(ErrorCode::InvalidRequest, e))?,
        ),
        None if client.client_type == ClientType::Public => {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "public clients must use PKCE".into(),
            ));
        }
        None => None,
    };
    let prompt = Prompt::parse(&get("prompt").unwrap_or_default())
        .map_err(|e| fail(ErrorCode::InvalidRequest, e))?;
    let max_age = get("max_age")
        .map(|m| m.parse::<i64>().ok().filter(|m| *m >= 0))
        .map(|m| m.ok_or_else(|| fail(ErrorCode::InvalidRequest, "max_age invalid".into())))
        .transpose()?;
    let over = |name: &str, limit: usize| get(name).is_some_and(|v| v.len() > limit);
    if over("state", 2048) || over("nonce", 512) || over("login_hint", 320) {
        return Err(fail(ErrorCode::InvalidRequest, "parameter too long".into()));
    }
    Ok(ValidRequest {
        client,
        redirect_uri,
        scope,
        state: state_param.clone(),
        nonce: get("nonce"),
        challenge,
        prompt,
        max_age,
        login_hint: get("login_hint"),
    })
}

#[cfg(test)]
mod tests {
    use super::Prompt;

    #[test]
    fn prompt_none_stands_alone() {
        assert!(Prompt::parse("none").unwrap().none);
        assert!(Prompt::parse("login consent").unwrap().consent);
        assert!(Prompt::parse("none login").is_err());
        assert!(Prompt::parse("select_account").is_err());
    }
}
