//! The one table of tenant endpoint paths: `startup` mounts them and discovery
//! advertises them, so the two cannot drift apart.

pub const DISCOVERY: &str = "/.well-known/openid-configuration";
pub const JWKS: &str = "/jwks";
pub const AUTHORIZE: &str = "/authorize";
pub const AUTHORIZE_CONTINUE: &str = "/authorize/continue";
pub const TOKEN: &str = "/token";
pub const USERINFO: &str = "/userinfo";
pub const REVOKE: &str = "/revoke";
pub const INTROSPECT: &str = "/introspect";
pub const PAR: &str = "/par";
pub const LOGOUT: &str = "/logout";
pub const LOGIN: &str = "/login";
pub const LOGIN_PASSWORD: &str = "/login/password";
pub const LOGIN_MFA: &str = "/login/mfa";
pub const LOGIN_MFA_ENROL: &str = "/login/mfa/enrol";
pub const ACCOUNT_SECURITY: &str = "/account/security";
pub const ACCOUNT_SECURITY_ACTION: &str = "/account/security/{action}";
pub const CONSENT: &str = "/consent";
/// The Device Authorization Grant (RFC 8628): where devices ask for codes,
/// and the page where people type the user code.
pub const DEVICE_AUTHORIZATION: &str = "/device_authorization";
pub const DEVICE: &str = "/device";
pub const INVITE: &str = "/invite/{token}";
pub const HOME_CALLBACK: &str = "/callback/home";
pub const MY_APPS: &str = "/myapps";
/// The tenant's start page, `/t/{tenant}` itself: sign in, My apps, the
/// console, discovery.
pub const TENANT_HOME: &str = "";
/// The admin console.
pub const ADMIN: &str = "/admin";
pub const PASSCODE: &str = "/passcode/{id}";
pub const PASSCODE_RESEND: &str = "/passcode/{id}/resend";
/// Passkeys (WebAuthn): the account's list, registration, and the two ways
/// to sign in with one (second factor, passwordless).
pub const PASSKEYS: &str = "/account/passkeys";
pub const PASSKEY_REGISTER_START: &str = "/account/passkeys/register/start";
pub const PASSKEY_REGISTER_FINISH: &str = "/account/passkeys/register/finish";
pub const PASSKEY_REMOVE: &str = "/account/passkeys/{id}/remove";
pub const PASSKEY_MFA_START: &str = "/login/mfa/passkey/start";
pub const PASSKEY_MFA_FINISH: &str = "/login/mfa/passkey/finish";
pub const PASSKEY_SIGNIN_START: &str = "/login/passkey/start";
pub const PASSKEY_SIGNIN_FINISH: &str = "/login/passkey/finish";

/// Discovery metadata names (OIDC Discovery §3, RFC 8414 §2) and their paths.
pub const ADVERTISED: &[(&str, &str)] = &[
    ("authorization_endpoint", AUTHORIZE),
    ("token_endpoint", TOKEN),
    ("userinfo_endpoint", USERINFO),
    ("jwks_uri", JWKS),
    ("revocation_endpoint", REVOKE),
    ("introspection_endpoint", INTROSPECT),
    ("end_session_endpoint", LOGOUT),
    ("device_authorization_endpoint", DEVICE_AUTHORIZATION),
    ("pushed_authorization_request_endpoint", PAR),
];

/// Where the admin portal's sign-in returns (its built-in client's one
/// redirect URI, [`PORTAL_CLIENT_ID`]).
pub const ADMIN_SIGNED_IN: &str = "/admin/signed-in";

/// Where a sign-in started by the account-security page returns (the
/// portal client's second redirect URI).
pub const ACCOUNT_SIGNED_IN: &str = "/account/signed-in";

/// Where a sign-in started from My apps or the tenant's start page returns
/// (the portal client's third redirect URI).
pub const MY_APPS_SIGNED_IN: &str = "/myapps/signed-in";

/// The server's start page and the form on it that finds an organization.
pub const START: &str = "/";
pub const FIND_ORGANIZATION: &str = "/find";

/// The tenant's base path, `/t/{slug}`, for cookies and links.
pub fn tenant_path(slug: &str) -> String {
    format!("/t/{slug}")
}

/// The tenant's issuer URL, `{public_url}/t/{slug}` (a slug needs no
/// encoding: `TenantSlug` admits only `[a-z0-9-]`).
pub fn issuer_url(public_url: &str, slug: &str) -> String {
    format!("{}{}", public_url.trim_end_matches('/'), tenant_path(slug))
}

/// A step of a pending authorization request on the tenant's pages:
/// `/t/{slug}{page}?req={request id}` (`page` is one of the paths above).
pub fn request_step(slug: &str, page: &str, request_id: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("req", request_id)
        .finish();
    format!("{}{page}?{query}", tenant_path(slug))
}

/// The portal's client id in every tenant.
pub const PORTAL_CLIENT_ID: &str = "portico-portal";

/// A code flow with the portal client that returns to `signed_in` (one of
/// its redirect URIs); the session it creates is what the portal and the
/// account pages use (the code itself is never redeemed and expires).
/// `max_age` 0 asks for a fresh sign-in (OIDC Core §3.1.2.1). `after` names
/// where to go once signed in; it rides in `state` after a dot, and the
/// page that reads it back maps it to one of its own places (never a URL).
pub fn portal_sign_in(
    ctx: &crate::tokens::TenantContext,
    signed_in: &str,
    max_age: Option<u32>,
    after: Option<&str>,
) -> Result<url::Url, url::ParseError> {
    use base64::Engine;
    use sha2::Digest;
    let verifier = crate::crypto::random_token();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let mut url = url::Url::parse(&format!("{}{}", ctx.issuer, AUTHORIZE))?;
    url.query_pairs_mut()
        .append_pair("client_id", PORTAL_CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("redirect_uri", &format!("{}{signed_in}", ctx.issuer))
        .append_pair(
            "state",
            &match after {
                Some(place) => format!("{}.{place}", crate::crypto::random_token()),
                None => crate::crypto::random_token(),
            },
        )
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    if let Some(age) = max_age {
        url.query_pairs_mut()
            .append_pair("max_age", &age.to_string());
    }
    Ok(url)
}
