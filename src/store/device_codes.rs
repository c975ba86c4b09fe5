//! Device codes (RFC 8628): the secret a device polls with, kept only as its
//! hash; the user code a person types; what the person decided.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::device_codes;
use super::{DbConn, StoreError, StoreResult, now};
use crate::domain::{DeviceStatus, TenantId, UserCode};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = device_codes)]
pub struct DeviceCode {
    pub device_code_hash: String,
    pub tenant_id: String,
    pub client_id: String,
    /// The eight letters, without the dash ([`UserCode::as_str`]).
    pub user_code: String,
    pub scope: String,
    /// The address the device asked from, for the bound on pending codes.
    pub client_ip: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: DeviceStatus,
    /// The current minimum wait between polls (grows with `slow_down`).
    pub interval_seconds: i64,
    pub last_polled_at: Option<NaiveDateTime>,
    /// The pending authorization request a person is working through.
    pub request_id: Option<String>,
    /// Who approved, their grant and how they signed in (set on approval).
    pub user_id: Option<String>,
    pub grant_id: Option<String>,
    pub auth_time: Option<NaiveDateTime>,
    pub amr: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Unexpired codes (whatever their state) of a client and of an address,
/// for the bounds on what anonymous callers may make the server store.
pub fn count_pending(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    client_ip: Option<&str>,
) -> StoreResult<(i64, i64)> {
    let at = now();
    let by_client = device_codes::table
        .filter(device_codes::tenant_id.eq(tenant_id.as_str()))
        .filter(device_codes::client_id.eq(client_id))
        .filter(device_codes::expires_at.gt(at))
        .count()
        .get_result(conn)?;
    let by_ip = match client_ip {
        Some(ip) => device_codes::table
            .filter(device_codes::client_ip.eq(ip))
            .filter(device_codes::expires_at.gt(at))
            .count()
            .get_result(conn)?,
        None => 0,
    };
    Ok((by_client, by_ip))
}

/// Stores a new code, drawing another user code when the one in `code`
/// is taken in this tenant (a savepoint keeps the transaction usable).
pub fn create(conn: &mut DbConn, code: &DeviceCode) -> StoreResult<UserCode> {
    let mut row = code.clone();
    for _ in 0..5 {
        let inserted = conn.transaction(|c| {
            diesel::insert_into(device_codes::table)
                .values(row.clone())
                .execute(c)
        });
        match inserted.map_err(|e| StoreError::unique_as(e, "user code taken")) {
            Ok(_) => {
                return UserCode::parse(&row.user_code)
                    .ok_or_else(|| StoreError::Corrupt("user code".into()));
            }
            Err(StoreError::Conflict(_)) => {
                row.user_code = UserCode::generate().as_str().to_owned()
            }
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict("no free user code"))
}

/// The pending, unexpired code a person typed.
pub fn find_pending_by_user_code(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_code: &UserCode,
) -> StoreResult<Option<DeviceCode>> {
    Ok(device_codes::table
        .filter(device_codes::tenant_id.eq(tenant_id.as_str()))
        .filter(device_codes::user_code.eq(user_code.as_str()))
        .filter(device_codes::status.eq(DeviceStatus::Pending.as_str()))
        .filter(device_codes::expires_at.gt(now()))
        .select(DeviceCode::as_select())
        .first(conn)
        .optional()?)
}

/// The code a pending authorization request works for.
pub fn find_by_request(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    request_id: &str,
) -> StoreResult<Option<DeviceCode>> {
    Ok(device_codes::table
        .filter(device_codes::tenant_id.eq(tenant_id.as_str()))
        .filter(device_codes::request_id.eq(request_id))
        .select(DeviceCode::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    hash: &str,
) -> StoreResult<Option<DeviceCode>> {
    Ok(device_codes::table
        .filter(device_codes::tenant_id.eq(tenant_id.as_str()))
        .filter(device_codes::device_code_hash.eq(hash))
        .select(DeviceCode::as_select())
        .first(conn)
        .optional()?)
}

/// Binds a still-pending code to the request a person now works through;
/// false when the code was decided or expired meanwhile.
pub fn bind_request(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    hash: &str,
    request_id: &str,
) -> StoreResult<bool> {
    Ok(diesel::update(
        device_codes::table
            .filter(device_codes::tenant_id.eq(tenant_id.as_str()))
            .filter(device_codes::device_code_hash.eq(hash))
            .filter(device_codes::status.eq(DeviceStatus::Pending.as_str()))
            .filter(device_codes::expires_at.gt(now())),
    )
    .set(device_codes::request_id.eq(request_id))
    .execute(conn)?
        == 1)
}

/// Who approved a pending code, with what grant and sign-in.
pub struct Approval<'a> {
    pub user_id: &'a str,
    pub grant_id: &'a str,
    pub auth_time: NaiveDateTime,
    pub amr: &'a str,
}

/// Approves a pending, unexpired code; false when it no longer is.
pub fn approve(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    hash: &str,
    approval: &Approval<'_>,
) -> StoreResult<bool> {
    Ok(diesel::update(
        device_codes::table
            .filter(device_codes::tenant_id.eq(tenant_id.as_str()))
            .filter(device_codes::device_code_hash.eq(hash))
            .filter(device_codes::status.eq(DeviceStatus::Pending.as_str()))
            .filter(device_codes::expires_at.gt(now())),
    )
    .set((
        device_codes::status.eq(DeviceStatus::Approved.as_str()),
        device_codes::user_id.eq(approval.user_id),
        device_codes::grant_id.eq(approval.grant_id),
        device_codes::auth_time.eq(approval.auth_time),
        device_codes::amr.eq(approval.amr),
    ))
    .execute(conn)?
        == 1)
}

/// Moves a code from `from` to `to`; false when another request moved it
/// first (a denial racing an approval, a second redemption).
pub fn transition(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    hash: &str,
    from: DeviceStatus,
    to: DeviceStatus,
) -> StoreResult<bool> {
    Ok(diesel::update(
        device_codes::table
            .filter(device_codes::tenant_id.eq(tenant_id.as_str()))
            .filter(device_codes::device_code_hash.eq(hash))
            .filter(device_codes::status.eq(from.as_str())),
    )
    .set(device_codes::status.eq(to.as_str()))
    .execute(conn)?
        == 1)
}

/// Records a poll, and the new interval after a `slow_down`.
pub fn polled(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    hash: &str,
    interval_seconds: i64,
) -> StoreResult<()> {
    diesel::update(
        device_codes::table
            .filter(device_codes::tenant_id.eq(tenant_id.as_str()))
            .filter(device_codes::device_code_hash.eq(hash)),
    )
    .set((
        device_codes::last_polled_at.eq(now()),
        device_codes::interval_seconds.eq(interval_seconds),
    ))
    .execute(conn)?;
    Ok(())
}

/// Deletes codes expired before `before` (the sweeper).
pub fn sweep(conn: &mut DbConn, before: NaiveDateTime) -> StoreResult<usize> {
    Ok(
        diesel::delete(device_codes::table.filter(device_codes::expires_at.lt(before)))
            .execute(conn)?,
    )
}
