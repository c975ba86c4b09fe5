//! Checking an authorization request (OIDC Core §3.1.2.2) as a pipeline of
//! small checks, in the order that decides how errors are shown: client,
//! redirect URI (page), then everything else (redirect).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use actix_web::http::StatusCode;

use super::{AuthorizeError, AuthorizeResult};
use crate::domain::{
    Acr, ClaimsRequest, ClientType, CodeChallenge, GrantType, RedirectUri, RequestedClaims,
    ResponseMode, ReturnTo, ScopeSet,
};
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
    /// The redirect URI, response mode, `state` and issuer of the answer.
    pub back: ReturnTo,
    pub scope: ScopeSet,
    pub nonce: Option<String>,
    pub challenge: Option<CodeChallenge>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// What `acr_values` or an essential `acr` claim require.
    pub acr: Option<Acr>,
    /// RFC 9449 §10: the DPoP key the code is to be bound to.
    pub dpop_jkt: Option<String>,
    /// The user claims asked for by name (`claims`).
    pub claims: RequestedClaims,
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

/// The request's parameters, each present at most once (RFC 6749 §3.1).
struct Params(HashMap<String, String>);

impl Params {
    fn parse(ctx: &TenantContext, raw: &[u8]) -> AuthorizeResult<Params> {
        let mut params = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(raw) {
            if params.insert(k.to_string(), v.to_string()).is_some() {
                return Err(page(
                    ctx,
                    "The application sent a malformed sign-in request.",
                    &format!("parameter {k} repeated"),
                ));
            }
        }
        Ok(Params(params))
    }

    /// A parameter; an empty value counts as absent.
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).filter(|v| !v.is_empty()).cloned()
    }
}

/// A failure once the redirect URI is trusted: an error code and the
/// private detail for the logs; it goes back to the client.
type Check<T> = Result<T, (ErrorCode, String)>;

/// The checks in the order that decides how errors are shown: the client
/// and the redirect URI fail as a page, everything after goes back to the
/// client with `state` and `iss`.
pub async fn validate(
    state: &AppState,
    ctx: &TenantContext,
    raw: &[u8],
) -> AuthorizeResult<ValidRequest> {
    let params = Params::parse(ctx, raw)?;
    let client = check_client(state, ctx, &params).await?;
    check_outbound(state, ctx, &client).await?;
    let redirect_uri = check_redirect_uri(ctx, &client, &params)?;
    let mut back = ReturnTo {
        redirect_uri,
        mode: ResponseMode::Query,
        state: params.get("state"),
        issuer: ctx.issuer.clone(),
    };
    let checked = check_response_mode(&params, &back.redirect_uri)
        .map(|mode| back.mode = mode)
        .and_then(|()| check_request_object(&params))
        .and_then(|()| check_response_type(&params))
        .and_then(|()| check_grant(&client))
        .and_then(|()| check_the_rest(&params, &client));
    match checked {
        Ok(rest) => Ok(ValidRequest {
            client,
            back,
            scope: rest.scope,
            nonce: params.get("nonce"),
            challenge: rest.challenge,
            prompt: rest.prompt,
            max_age: rest.max_age,
            login_hint: params.get("login_hint"),
            acr: rest.acr,
            dpop_jkt: rest.dpop_jkt,
            claims: rest.claims,
        }),
        Err((code, detail)) => Err(AuthorizeError::to_client(
            &back,
            code,
            detail,
            &ctx.tenant.display_name,
        )),
    }
}

/// The client, registered with this tenant.
async fn check_client(
    state: &AppState,
    ctx: &TenantContext,
    params: &Params,
) -> AuthorizeResult<Arc<Client>> {
    let unknown = "The application that sent you here is not registered with this organization.";
    let client_id = params
        .get("client_id")
        .ok_or_else(|| page(ctx, unknown, "missing client_id"))?;
    state
        .tenants
        .client(&ctx.tenant.id, &client_id)
        .await?
        .ok_or_else(|| page(ctx, unknown, "unknown client_id"))
}

/// A sibling tenant signing in one of our users as its guest: our outbound
/// settings decide whether our users may go there.
async fn check_outbound(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
) -> AuthorizeResult<()> {
    let Some(slug) = state.tenants.slug_of_issuer(&client.client_id) else {
        return Ok(());
    };
    if crate::b2b::cross_tenant::outbound_allows(&state.db, &ctx.tenant, &client.client_id, slug)
        .await?
    {
        return Ok(());
    }
    Err(AuthorizeError::from(
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
    ))
}

/// The redirect URI, exactly as registered (RFC 6749 §3.1.2.3).
fn check_redirect_uri(
    ctx: &TenantContext,
    client: &Client,
    params: &Params,
) -> AuthorizeResult<RedirectUri> {
    let bad_redirect = "The application asked to return you to an address it has not registered.";
    params
        .get("redirect_uri")
        .and_then(|r| client.registered_redirect(&r).cloned())
        .ok_or_else(|| page(ctx, bad_redirect, "redirect_uri missing or not registered"))
}

/// No request objects (OIDC Core §6): not supported here.
fn check_request_object(params: &Params) -> Check<()> {
    if params.get("request").is_some() || params.get("request_uri").is_some() {
        return Err((
            ErrorCode::InvalidRequest,
            "request objects not supported".into(),
        ));
    }
    Ok(())
}

/// `response_type=code` only (RFC 6749 §3.1.1).
fn check_response_type(params: &Params) -> Check<()> {
    match params.get("response_type").as_deref() {
        Some("code") => Ok(()),
        Some(other) => Err((
            ErrorCode::UnsupportedResponseType,
            format!("response_type {other}"),
        )),
        None => Err((ErrorCode::InvalidRequest, "missing response_type".into())),
    }
}

/// `response_mode` (OAuth 2.0 Multiple Response Types §2.1): `query`, the
/// default, or `form_post`. Checked first, so that every later error goes
/// back in the mode asked for; its own error goes back in the query.
fn check_response_mode(params: &Params, redirect_uri: &RedirectUri) -> Check<ResponseMode> {
    ResponseMode::requested(params.get("response_mode").as_deref(), redirect_uri)
        .map_err(|e| (ErrorCode::InvalidRequest, e))
}

/// The client is registered for the code flow.
fn check_grant(client: &Client) -> Check<()> {
    if !client.allows(GrantType::AuthorizationCode) {
        return Err((
            ErrorCode::UnauthorizedClient,
            "code flow not allowed".into(),
        ));
    }
    Ok(())
}

/// What the remaining checks produce.
struct Rest {
    scope: ScopeSet,
    challenge: Option<CodeChallenge>,
    prompt: Prompt,
    max_age: Option<i64>,
    acr: Option<Acr>,
    dpop_jkt: Option<String>,
    claims: RequestedClaims,
}

fn check_the_rest(params: &Params, client: &Client) -> Check<Rest> {
    let scope = check_scope(params)?;
    let challenge = check_pkce(params, client)?;
    let prompt = check_prompt(params)?;
    let max_age = check_max_age(params)?;
    check_lengths(params)?;
    let claims = check_claims(params)?;
    let acr = super::acr::requested(params.get("acr_values").as_deref(), claims.as_ref());
    Ok(Rest {
        scope,
        challenge,
        prompt,
        max_age,
        acr,
        dpop_jkt: check_dpop_jkt(params)?,
        claims: claims.map(|c| c.released).unwrap_or_default(),
    })
}

/// The `claims` parameter (OIDC Core §5.5): well-formed and bounded.
fn check_claims(params: &Params) -> Check<Option<ClaimsRequest>> {
    params
        .get("claims")
        .map(|text| ClaimsRequest::parse(&text).map_err(|e| (ErrorCode::InvalidRequest, e)))
        .transpose()
}

/// `dpop_jkt` (RFC 9449 §10): a base64url SHA-256 thumbprint (RFC 7638).
fn check_dpop_jkt(params: &Params) -> Check<Option<String>> {
    let Some(jkt) = params.get("dpop_jkt") else {
        return Ok(None);
    };
    let well_formed = jkt.len() == 43
        && jkt
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err((
            ErrorCode::InvalidRequest,
            "dpop_jkt is not a SHA-256 JWK thumbprint".into(),
        ));
    }
    Ok(Some(jkt))
}

fn check_scope(params: &Params) -> Check<ScopeSet> {
    ScopeSet::parse(&params.get("scope").unwrap_or_default())
        .map_err(|e| (ErrorCode::InvalidScope, e))
}

/// PKCE (RFC 7636 §4.3): S256 when given; required of public clients.
fn check_pkce(params: &Params, client: &Client) -> Check<Option<CodeChallenge>> {
    match params.get("code_challenge") {
        Some(c) => CodeChallenge::parse(&c, params.get("code_challenge_method").as_deref())
            .map(Some)
            .map_err(|e| (ErrorCode::InvalidRequest, e)),
        None if client.client_type == ClientType::Public => Err((
            ErrorCode::InvalidRequest,
            "public clients must use PKCE".into(),
        )),
        None => Ok(None),
    }
}

fn check_prompt(params: &Params) -> Check<Prompt> {
    Prompt::parse(&params.get("prompt").unwrap_or_default())
        .map_err(|e| (ErrorCode::InvalidRequest, e))
}

/// `max_age` (OIDC Core §3.1.2.1): a non-negative number of seconds.
fn check_max_age(params: &Params) -> Check<Option<i64>> {
    params
        .get("max_age")
        .map(|m| {
            m.parse::<i64>()
                .ok()
                .filter(|m| *m >= 0)
                .ok_or_else(|| (ErrorCode::InvalidRequest, "max_age invalid".to_owned()))
        })
        .transpose()
}

/// Bounds on what is stored with each pending request (anyone may send one).
fn check_lengths(params: &Params) -> Check<()> {
    let over = |name: &str, limit: usize| params.get(name).is_some_and(|v| v.len() > limit);
    if over("state", 2048) || over("nonce", 512) || over("login_hint", 320) {
        return Err((ErrorCode::InvalidRequest, "parameter too long".into()));
    }
    Ok(())
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
