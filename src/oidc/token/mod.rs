//! The token endpoint (RFC 6749 §3.2, §5; OIDC Core §3.1.3): one file per grant.

mod authorization_code;
mod client_credentials;
mod device_code;
mod dpop;
pub mod issue;
mod refresh_token;
mod refusal;
mod subject_mfa;
mod token_exchange;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::client_auth;
use super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::domain::{ClientType, GrantType, ScopeSet};
use crate::state::AppState;
use crate::store::apps::Client;
use crate::tokens::TenantContext;

/// The form as received; every field optional until the grant is known.
#[derive(Debug, Default, Deserialize)]
pub struct RawTokenRequest {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
    #[serde(flatten)]
    credentials: client_auth::ClientCredentials,
    subject_token: Option<String>,
    subject_token_type: Option<String>,
    requested_token_type: Option<String>,
    /// RFC 8707: the audience wanted for the access token.
    resource: Option<String>,
    /// RFC 8628 §3.4.
    device_code: Option<String>,
}

/// A token request with each grant's required fields present.
#[derive(Debug)]
pub enum TokenRequest {
    AuthorizationCode {
        code: String,
        redirect_uri: String,
        code_verifier: Option<String>,
    },
    RefreshToken {
        refresh_token: String,
        scope: Option<ScopeSet>,
    },
    ClientCredentials {
        scope: ScopeSet,
    },
    TokenExchange {
        subject_token: String,
        subject_token_type: String,
        scope: Option<ScopeSet>,
    },
    DeviceCode {
        device_code: String,
    },
}

fn required(value: Option<String>, name: &str) -> OAuthResult<String> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OAuthError::new(ErrorCode::InvalidRequest, format!("missing {name}")))
}

fn scope(value: Option<String>) -> OAuthResult<Option<ScopeSet>> {
    value
        .map(|s| ScopeSet::parse(&s).map_err(|e| OAuthError::new(ErrorCode::InvalidScope, e)))
        .transpose()
}

impl TokenRequest {
    fn parse(raw: RawTokenRequest) -> OAuthResult<TokenRequest> {
        match required(raw.grant_type, "grant_type")?.as_str() {
            "authorization_code" => Ok(TokenRequest::AuthorizationCode {
                code: required(raw.code, "code")?,
                redirect_uri: required(raw.redirect_uri, "redirect_uri")?,
                code_verifier: raw.code_verifier,
            }),
            "refresh_token" => Ok(TokenRequest::RefreshToken {
                refresh_token: required(raw.refresh_token, "refresh_token")?,
                scope: scope(raw.scope)?,
            }),
            "client_credentials" => Ok(TokenRequest::ClientCredentials {
                scope: scope(raw.scope)?.unwrap_or_default(),
            }),
            "urn:ietf:params:oauth:grant-type:token-exchange" => {
                if raw
                    .requested_token_type
                    .as_deref()
                    .is_some_and(|t| t != token_exchange::ACCESS_TOKEN_TYPE)
                {
                    return Err(OAuthError::new(
                        ErrorCode::InvalidRequest,
                        "only access tokens can be requested",
                    ));
                }
                Ok(TokenRequest::TokenExchange {
                    subject_token: required(raw.subject_token, "subject_token")?,
                    subject_token_type: required(raw.subject_token_type, "subject_token_type")?,
                    scope: scope(raw.scope)?,
                })
            }
            "urn:ietf:params:oauth:grant-type:device_code" => Ok(TokenRequest::DeviceCode {
                device_code: required(raw.device_code, "device_code")?,
            }),
            other => Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!("grant_type {other:?}"),
            )),
        }
    }

    fn grant_type(&self) -> GrantType {
        match self {
            TokenRequest::AuthorizationCode { .. } => GrantType::AuthorizationCode,
            TokenRequest::RefreshToken { .. } => GrantType::RefreshToken,
            TokenRequest::ClientCredentials { .. } => GrantType::ClientCredentials,
            TokenRequest::TokenExchange { .. } => GrantType::TokenExchange,
            TokenRequest::DeviceCode { .. } => GrantType::DeviceCode,
        }
    }
}

/// The access token's audience (RFC 8707 §2): this tenant, or, for user
/// grants, another tenant of this server (a guest's resource tenant, which
/// accepts such a token at token exchange). Anything else is `invalid_target`.
async fn audience(
    state: &AppState,
    ctx: &crate::tokens::TenantContext,
    resource: Option<&str>,
    grant: GrantType,
) -> OAuthResult<String> {
    let Some(resource) = resource.filter(|r| *r != ctx.issuer) else {
        return Ok(ctx.issuer.clone());
    };
    let invalid = |detail: &str| OAuthError::new(ErrorCode::InvalidTarget, detail.to_owned());
    if !matches!(
        grant,
        GrantType::AuthorizationCode | GrantType::RefreshToken
    ) {
        return Err(invalid("resource is only supported for user grants"));
    }
    let url = url::Url::parse(resource).map_err(|_| invalid("resource is not an absolute URI"))?;
    if url.fragment().is_some() {
        return Err(invalid("resource has a fragment"));
    }
    let Some(slug) = state.tenants.slug_of_issuer(resource) else {
        return Err(invalid("resource is not a tenant of this server"));
    };
    if state.tenants.get(slug).await?.is_none() {
        return Err(invalid("resource is not a tenant of this server"));
    }
    // A token for another tenant lets the user in there as a guest: this
    // tenant's outbound settings decide, as they do at `/authorize`.
    let allowed =
        crate::b2b::cross_tenant::outbound_allows(&state.db, &ctx.tenant, resource, slug).await?;
    if !allowed {
        return Err(invalid(
            "outbound access to this organization is blocked by the user's organization",
        ));
    }
    Ok(resource.to_owned())
}

/// POST /token: authenticates the client, parses the grant, checks the
/// audience and that the client may use the grant, then runs the grant.
pub async fn post_token(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<RawTokenRequest>,
) -> OAuthResult<HttpResponse> {
    let ctx = super::tenant(&state, &path).await?;
    let mut raw = form.into_inner();
    let credentials = std::mem::take(&mut raw.credentials);
    let client = client_auth::authenticate(&state, &ctx, &req, &credentials).await?;
    let resource = raw.resource.take();
    let request = TokenRequest::parse(raw)?;
    let grant = request.grant_type();
    let audience = audience(&state, &ctx, resource.as_deref(), grant).await?;
    check_client_may_use(&client, grant)?;
    // The proof is checked before the grant runs, so a bad proof does not
    // use up a code or a refresh token.
    let jkt = dpop::proof_key(&state, &ctx, &req, &client).await?;
    let issued = run_grant(&state, &ctx, &client, request, &audience, jkt.as_deref()).await?;
    state
        .metrics
        .tokens_issued
        .with_label_values(&[grant.as_str()])
        .inc();
    let mut response = super::no_store(HttpResponse::Ok());
    if let Some(nonce) = jkt.and_then(|_| dpop::next_nonce(&state, &ctx)) {
        response.insert_header((crate::tokens::dpop::NONCE_HEADER, nonce));
    }
    Ok(response.json(issued))
}

/// The client must be registered for the grant; client credentials and
/// token exchange need a confidential client.
fn check_client_may_use(client: &Client, grant: GrantType) -> OAuthResult<()> {
    let confidential_only = matches!(
        grant,
        GrantType::ClientCredentials | GrantType::TokenExchange
    );
    if !client.allows(grant) || (confidential_only && client.client_type == ClientType::Public) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!("client {} may not use {}", client.client_id, grant.as_str()),
        ));
    }
    Ok(())
}

/// What a grant answers: tokens (RFC 6749 §5.1), or a token exchange's
/// answer (RFC 8693 §2.2), each serialized as it is.
#[derive(Serialize)]
#[serde(untagged)]
enum Issued {
    Tokens(issue::TokenResponse),
    Exchanged(token_exchange::ExchangeResponse),
}

/// Runs the grant the request names, in its own module.
async fn run_grant(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    request: TokenRequest,
    audience: &str,
    dpop_jkt: Option<&str>,
) -> OAuthResult<Issued> {
    Ok(match request {
        TokenRequest::TokenExchange {
            subject_token,
            subject_token_type,
            scope,
        } => Issued::Exchanged(
            token_exchange::exchange(
                state,
                ctx,
                client,
                &subject_token,
                &subject_token_type,
                scope,
                dpop_jkt,
            )
            .await?,
        ),
        TokenRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => Issued::Tokens(
            authorization_code::exchange(
                state,
                ctx,
                client,
                (&code, &redirect_uri, code_verifier),
                audience,
                dpop_jkt,
            )
            .await?,
        ),
        TokenRequest::RefreshToken {
            refresh_token,
            scope,
        } => Issued::Tokens(
            refresh_token::exchange(
                state,
                ctx,
                client,
                &refresh_token,
                scope,
                audience,
                dpop_jkt,
            )
            .await?,
        ),
        TokenRequest::DeviceCode { device_code } => Issued::Tokens(
            device_code::exchange(state, ctx, client, &device_code, audience, dpop_jkt).await?,
        ),
        TokenRequest::ClientCredentials { scope } => Issued::Tokens(client_credentials::issue(
            state, ctx, client, &scope, dpop_jkt,
        )?),
    })
}
