//! How a grant's transaction stops early: a refusal (`invalid_grant`, RFC 6749
//! §5.2) that still commits what it wrote (a revoked family stays revoked),
//! or a store error that rolls everything back.

use super::super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::store::{StoreError, StoreResult};

pub enum Stop {
    /// Refused, with the detail for the logs.
    Refused(String),
    Store(StoreError),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Store(e)
    }
}

pub fn refuse<T>(detail: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Refused(detail.into()))
}

/// What the transaction returns: a refusal is a value, so it commits.
pub fn settle<T>(outcome: Result<T, Stop>) -> StoreResult<Result<T, String>> {
    match outcome {
        Ok(done) => Ok(Ok(done)),
        Err(Stop::Refused(detail)) => Ok(Err(detail)),
        Err(Stop::Store(e)) => Err(e),
    }
}

/// A committed refusal, as the client hears it.
pub fn invalid_grant<T>(outcome: Result<T, String>) -> OAuthResult<T> {
    outcome.map_err(|detail| OAuthError::new(ErrorCode::InvalidGrant, detail))
}
