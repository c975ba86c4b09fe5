//! One-time passcodes mailed to a guest's address (DESIGN.md §5, redemption
//! order 3). The code goes only to the invited (or guest's stored) address,
//! never to one typed by the browser; it is stored as an argon2 hash, lives
//! ten minutes, allows five guesses, and is bound to the browser that asked.
//!
//! Anyone can ask for a code for any guest's address, so asking must not
//! hurt the guest: a new code ends only the codes of the browser that asked
//! (the one the guest holds keeps working), and new codes are throttled per
//! browser (one a minute, five an hour), per address and client IP (ten an
//! hour, in memory), with a ceiling per address (twenty an hour) that bounds
//! the mail anyone can make the guest receive. A stranger uses up their own
//! allowance long before the guest's.

mod entry;
mod send;

use actix_web::HttpRequest;

use crate::crypto::random_token;
use crate::pages::{PageError, PageResult};
use crate::store::passcodes::Passcode;
use crate::tokens::TenantContext;

pub use entry::{get_passcode, post_passcode, post_resend};
pub use send::send;

pub const COOKIE: &str = "portico_passcode";
pub const MAX_ATTEMPTS: i32 = 5;
const LIFETIME_MINUTES: i64 = 10;
/// Per browser and address: one new code a minute, five an hour.
const RESEND_GAP_SECONDS: i64 = 60;
const PER_BROWSER_PER_HOUR: usize = 5;
/// Per address, from every browser: bounds the mail to one inbox (and the
/// live codes of one address).
const PER_ADDRESS_PER_HOUR: usize = 20;

/// What the passcode proves the address for.
pub enum For {
    Redeem { invitation_id: String },
    SignIn { auth_request_id: String },
}

/// What a stored passcode proves the address for (the inverse of `send`).
fn purpose_of(ctx: &TenantContext, row: &Passcode) -> PageResult<For> {
    match (&row.invitation_id, &row.auth_request_id) {
        (Some(invitation_id), _) => Ok(For::Redeem {
            invitation_id: invitation_id.clone(),
        }),
        (None, Some(auth_request_id)) => Ok(For::SignIn {
            auth_request_id: auth_request_id.clone(),
        }),
        (None, None) => Err(PageError::server(
            &ctx.tenant.display_name,
            "passcode without purpose",
        )),
    }
}

/// The browser's passcode cookie when it has one (so that its codes and its
/// quota stay its own across requests), else a new one.
fn browser_token(req: &HttpRequest) -> String {
    req.cookie(COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| {
            (32..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .unwrap_or_else(random_token)
}
