//! Housekeeping: deletes rows whose lifetime is over (requests, codes,
//! passcodes, passkey ceremonies, device codes, DPoP proofs seen, client assertion ids,
//! pushed requests, refresh tokens, sessions, revoked-token entries, unpublished keys,
//! logout tokens delivered or given up).

use diesel::prelude::*;

use super::schema::{
    auth_codes, auth_requests, client_assertion_jtis, dpop_proofs, email_passcodes, home_flows,
    passkey_ceremonies, pushed_requests, refresh_tokens, revoked_access_tokens, sessions,
    sign_in_attempts, signing_keys,
};
use super::{DbConn, StoreResult, now};

/// Returns how many rows were removed.
pub fn expired(conn: &mut DbConn) -> StoreResult<usize> {
    let at = now();
    // Keep used codes a while past expiry so a late replay still revokes its grant.
    let code_grace = at - chrono::TimeDelta::hours(1);
    let mut n = diesel::delete(auth_requests::table.filter(auth_requests::expires_at.lt(at)))
        .execute(conn)?;
    n += diesel::delete(auth_codes::table.filter(auth_codes::expires_at.lt(code_grace)))
        .execute(conn)?;
    n += diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(at)))
        .execute(conn)?;
    n += diesel::delete(dpop_proofs::table.filter(dpop_proofs::expires_at.lt(at))).execute(conn)?;
    n += diesel::delete(home_flows::table.filter(home_flows::expires_at.lt(at))).execute(conn)?;
    n += super::device_codes::sweep(conn, at)?;
    n += diesel::delete(passkey_ceremonies::table.filter(passkey_ceremonies::expires_at.lt(at)))
        .execute(conn)?;
    // Passcodes are kept a day: the resend throttle counts recent ones.
    n += diesel::delete(
        email_passcodes::table
            .filter(email_passcodes::created_at.lt(at - chrono::TimeDelta::days(1))),
    )
    .execute(conn)?;
    n += diesel::delete(
        sign_in_attempts::table
            .filter(sign_in_attempts::window_start.lt(at - chrono::TimeDelta::hours(1))),
    )
    .execute(conn)?;
    n += diesel::delete(
        client_assertion_jtis::table.filter(client_assertion_jtis::expires_at.lt(at)),
    )
    .execute(conn)?;
    n += diesel::delete(pushed_requests::table.filter(pushed_requests::expires_at.lt(at)))
        .execute(conn)?;
    n += diesel::delete(sessions::table.filter(sessions::expires_at.lt(at))).execute(conn)?;
    n += diesel::delete(
        revoked_access_tokens::table.filter(revoked_access_tokens::expires_at.lt(at)),
    )
    .execute(conn)?;
    n += diesel::delete(
        signing_keys::table
            .filter(signing_keys::active.eq(false))
            .filter(signing_keys::publish_until.lt(at)),
    )
    .execute(conn)?;
    // Delivered or abandoned logout tokens are kept a week for operators.
    n += super::logout_outbox::sweep(conn, chrono::TimeDelta::days(7))?;
    Ok(n)
}
