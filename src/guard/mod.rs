//! What bounds the work a request can cause before anyone is known: the
//! sign-in throttles (per account, IP, device, anonymous writes) and the
//! bounded pool that runs every password hash off the async workers.

pub mod hashing;
pub mod throttle;
