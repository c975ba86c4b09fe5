//! Authorization state: pending authorization requests, grants, codes, refresh
//! tokens, revoked access tokens and consents. Codes and refresh tokens are
//! stored only as hashes.

use crate::domain::{RedirectUri, RequestedClaims, ResponseMode, ReturnTo, TenantId};
use diesel::prelude::*;

use super::schema::{
    auth_codes, auth_requests, consents, grants, refresh_tokens, revoked_access_tokens,
};
use super::{DbConn, StoreResult, new_id, now};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = auth_requests)]
pub struct AuthRequest {
    pub id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub expires_at: chrono::NaiveDateTime,
    /// The class the request requires (`Acr` text), from `acr_values` or an
    /// essential `acr` claim; `None` when it asked for none.
    pub acr_values: Option<String>,
    /// RFC 9449 §10: the thumbprint of the DPoP key the code is bound to.
    pub dpop_jkt: Option<String>,
    /// `query` or `form_post` (`ResponseMode` text); `None` in rows saved
    /// before response modes were stored, which meant `query`.
    pub response_mode: Option<String>,
    /// The user claims asked for by name (`RequestedClaims` JSON), if any.
    pub claims: Option<String>,
}

impl AuthRequest {
    /// Where and how the answer to this request goes back to its client.
    pub fn return_to(&self, issuer: &str) -> Result<ReturnTo, String> {
        let mode = match self.response_mode.as_deref() {
            None => ResponseMode::Query,
            Some(text) => text.parse().map_err(|e| format!("{e}"))?,
        };
        Ok(ReturnTo {
            redirect_uri: RedirectUri::parse(&self.redirect_uri)?,
            mode,
            state: self.state.clone(),
            issuer: issuer.to_owned(),
        })
    }
}

pub fn save_request(conn: &mut DbConn, req: &AuthRequest) -> StoreResult<()> {
    diesel::insert_into(auth_requests::table)
        .values(req)
        .execute(conn)?;
    Ok(())
}

pub fn find_request(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    id: &str,
) -> StoreResult<Option<AuthRequest>> {
    Ok(auth_requests::table
        .filter(auth_requests::tenant_id.eq(tenant_id.as_str()))
        .filter(auth_requests::id.eq(id))
        .filter(auth_requests::expires_at.gt(now()))
        .select(AuthRequest::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes a pending request; false when it was already completed.
pub fn delete_request(conn: &mut DbConn, tenant_id: &TenantId, id: &str) -> StoreResult<bool> {
    let n = diesel::delete(
        auth_requests::table
            .filter(auth_requests::tenant_id.eq(tenant_id.as_str()))
            .filter(auth_requests::id.eq(id)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

pub fn create_grant(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    user_id: &str,
    session_id: Option<&str>,
    claims: Option<&str>,
) -> StoreResult<String> {
    let id = new_id();
    diesel::insert_into(grants::table)
        .values((
            grants::id.eq(&id),
            grants::tenant_id.eq(tenant_id.as_str()),
            grants::client_id.eq(client_id),
            grants::user_id.eq(user_id),
            grants::session_id.eq(session_id),
            grants::created_at.eq(now()),
            grants::claims.eq(claims),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The user claims the grant's request asked for by name (`claims`).
pub fn grant_claims(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    grant_id: &str,
) -> StoreResult<RequestedClaims> {
    let stored: Option<Option<String>> = grants::table
        .filter(grants::tenant_id.eq(tenant_id.as_str()))
        .filter(grants::id.eq(grant_id))
        .select(grants::claims)
        .first(conn)
        .optional()?;
    Ok(RequestedClaims::from_stored(stored.flatten().as_deref()))
}

/// Revokes a grant: its refresh tokens and access tokens stop working.
pub fn revoke_grant(conn: &mut DbConn, tenant_id: &TenantId, grant_id: &str) -> StoreResult<()> {
    diesel::update(
        grants::table
            .filter(grants::tenant_id.eq(tenant_id.as_str()))
            .filter(grants::id.eq(grant_id))
            .filter(grants::revoked_at.is_null()),
    )
    .set(grants::revoked_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// Revokes every grant of a user (sign-out everywhere, removal).
pub fn revoke_user_grants(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
) -> StoreResult<usize> {
    Ok(diesel::update(
        grants::table
            .filter(grants::tenant_id.eq(tenant_id.as_str()))
            .filter(grants::user_id.eq(user_id))
            .filter(grants::revoked_at.is_null()),
    )
    .set(grants::revoked_at.eq(now()))
    .execute(conn)?)
}

pub fn grant_is_live(conn: &mut DbConn, tenant_id: &TenantId, grant_id: &str) -> StoreResult<bool> {
    let n: i64 = grants::table
        .filter(grants::tenant_id.eq(tenant_id.as_str()))
        .filter(grants::id.eq(grant_id))
        .filter(grants::revoked_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The browser session a grant was issued in (its ID tokens' `sid`); `None`
/// for grants without one (token exchange) or unknown grants.
pub fn grant_session(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    grant_id: &str,
) -> StoreResult<Option<String>> {
    Ok(grants::table
        .filter(grants::tenant_id.eq(tenant_id.as_str()))
        .filter(grants::id.eq(grant_id))
        .select(grants::session_id)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = auth_codes)]
pub struct AuthCode {
    pub code_hash: String,
    pub tenant_id: String,
    pub grant_id: String,
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub auth_time: chrono::NaiveDateTime,
    pub amr: String,
    pub created_at: chrono::NaiveDateTime,
    pub expires_at: chrono::NaiveDateTime,
    pub used_at: Option<chrono::NaiveDateTime>,
    /// RFC 9449 §10: the key whose proof must come with the redemption.
    pub dpop_jkt: Option<String>,
}

pub fn save_code(conn: &mut DbConn, code: &AuthCode) -> StoreResult<()> {
    diesel::insert_into(auth_codes::table)
        .values(code)
        .execute(conn)?;
    Ok(())
}

pub fn find_code(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    code_hash: &str,
) -> StoreResult<Option<AuthCode>> {
    Ok(auth_codes::table
        .filter(auth_codes::tenant_id.eq(tenant_id.as_str()))
        .filter(auth_codes::code_hash.eq(code_hash))
        .select(AuthCode::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a code used; false when another request used it first.
pub fn consume_code(conn: &mut DbConn, tenant_id: &TenantId, code_hash: &str) -> StoreResult<bool> {
    let n = diesel::update(
        auth_codes::table
            .filter(auth_codes::tenant_id.eq(tenant_id.as_str()))
            .filter(auth_codes::code_hash.eq(code_hash))
            .filter(auth_codes::used_at.is_null()),
    )
    .set(auth_codes::used_at.eq(now()))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub token_hash: String,
    pub tenant_id: String,
    pub grant_id: String,
    pub client_id: String,
    pub user_id: String,
    pub scope: String,
    pub auth_time: chrono::NaiveDateTime,
    pub amr: String,
    pub created_at: chrono::NaiveDateTime,
    pub expires_at: chrono::NaiveDateTime,
    pub rotated_at: Option<chrono::NaiveDateTime>,
    /// RFC 9449 §5: the thumbprint of the DPoP key a public client's token
    /// is bound to; set by the caller after minting.
    pub dpop_jkt: Option<String>,
}

impl RefreshToken {
    /// A new token of `grant_id`'s family: the secret to hand out once, and
    /// the row that stores only its hash.
    #[allow(clippy::too_many_arguments)]
    pub fn mint(
        tenant_id: &TenantId,
        grant_id: &str,
        client_id: &str,
        user_id: &str,
        scope: &str,
        auth_time: chrono::NaiveDateTime,
        amr: &str,
        lifetime: chrono::TimeDelta,
    ) -> (String, RefreshToken) {
        let token = crate::crypto::random_token();
        let at = now();
        let row = RefreshToken {
            token_hash: crate::crypto::token_hash(&token),
            tenant_id: tenant_id.as_str().to_owned(),
            grant_id: grant_id.to_owned(),
            client_id: client_id.to_owned(),
            user_id: user_id.to_owned(),
            scope: scope.to_owned(),
            auth_time,
            amr: amr.to_owned(),
            created_at: at,
            expires_at: at + lifetime,
            rotated_at: None,
            dpop_jkt: None,
        };
        (token, row)
    }
}

pub fn save_refresh(conn: &mut DbConn, token: &RefreshToken) -> StoreResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(conn)?;
    Ok(())
}

pub fn find_refresh(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    token_hash: &str,
) -> StoreResult<Option<RefreshToken>> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::tenant_id.eq(tenant_id.as_str()))
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a refresh token rotated; false when it already was (a reuse).
pub fn rotate_refresh(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    token_hash: &str,
) -> StoreResult<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::tenant_id.eq(tenant_id.as_str()))
            .filter(refresh_tokens::token_hash.eq(token_hash))
            .filter(refresh_tokens::rotated_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(now()))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn revoke_access_token(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    jti: &str,
    expires_at: chrono::NaiveDateTime,
) -> StoreResult<()> {
    let exists: i64 = revoked_access_tokens::table
        .filter(revoked_access_tokens::jti.eq(jti))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(revoked_access_tokens::table)
            .values((
                revoked_access_tokens::jti.eq(jti),
                revoked_access_tokens::tenant_id.eq(tenant_id.as_str()),
                revoked_access_tokens::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn access_token_revoked(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    jti: &str,
) -> StoreResult<bool> {
    let n: i64 = revoked_access_tokens::table
        .filter(revoked_access_tokens::tenant_id.eq(tenant_id.as_str()))
        .filter(revoked_access_tokens::jti.eq(jti))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn consented_scope(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    client_id: &str,
) -> StoreResult<Option<(String, chrono::NaiveDateTime)>> {
    Ok(consents::table
        .filter(consents::tenant_id.eq(tenant_id.as_str()))
        .filter(consents::user_id.eq(user_id))
        .filter(consents::client_id.eq(client_id))
        .select((consents::scope, consents::granted_at))
        .first(conn)
        .optional()?)
}

pub fn save_consent(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    client_id: &str,
    scope: &str,
) -> StoreResult<()> {
    diesel::delete(
        consents::table
            .filter(consents::tenant_id.eq(tenant_id.as_str()))
            .filter(consents::user_id.eq(user_id))
            .filter(consents::client_id.eq(client_id)),
    )
    .execute(conn)?;
    diesel::insert_into(consents::table)
        .values((
            consents::tenant_id.eq(tenant_id.as_str()),
            consents::user_id.eq(user_id),
            consents::client_id.eq(client_id),
            consents::scope.eq(scope),
            consents::granted_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
