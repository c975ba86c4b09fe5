//! OpenID Connect Back-Channel Logout 1.0 §2.4–§2.8: every message of the
//! logout outbox becomes a signed Logout Token POSTed to the app's
//! back-channel logout URI, with retries and backoff, under the operator's
//! egress rules (`b2b::egress`), with a short timeout and a bounded number
//! of attempts; failures are recorded on the message.

mod token;

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::state::AppState;
use crate::store::logout_outbox::LogoutMessage;
use crate::store::{self, now};

/// Attempts before a message is given up (about 8 minutes of retries with
/// the default first delay of 2 s).
pub const MAX_ATTEMPTS: i32 = 8;
/// Messages delivered at once per round: bounds outbound connections.
const BATCH: i64 = 16;

/// What became of one attempt.
enum Outcome {
    Delivered,
    /// Worth trying again (the app is down, slow or answered an error).
    Failed(String),
    /// Never deliverable (the app or its registration is gone).
    Dropped(String),
}

/// Starts the deliverer of the logout outbox, and the round that ends the
/// sessions of users whose access ended (so their apps hear of it at once,
/// not at their tokens' expiry). Called by `startup` beside the mailer.
pub fn spawn(state: &Arc<AppState>) {
    tokio::spawn(Deliverer::new(state.clone()).run(state.settings.logout_poll));
    let (db, every) = (state.db.clone(), state.settings.access_expiry_poll);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match db
                .write(|c| store::sessions::end_expired_access(c, 100))
                .await
            {
                Ok(n) if n > 0 => tracing::info!(sessions = n, "sessions of expired access ended"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "ending sessions of expired access failed"),
            }
        }
    });
}

/// The server-wide deliverer of the logout outbox.
pub struct Deliverer {
    state: Arc<AppState>,
}

impl Deliverer {
    pub fn new(state: Arc<AppState>) -> Deliverer {
        Deliverer { state }
    }

    /// Runs forever, polling the outbox.
    pub async fn run(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = self.deliver_due().await {
                tracing::warn!(error = %e, "logout delivery round failed");
            }
        }
    }

    /// Delivers what is due, concurrently; returns how many were delivered.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let due = self
            .state
            .db
            .read(|c| store::logout_outbox::due(c, BATCH))
            .await?;
        let lease = lease(&self.state);
        let mut running = JoinSet::new();
        for message in due {
            let (id, seen) = (message.id.clone(), message.next_attempt_at);
            let claimed = self
                .state
                .db
                .write(move |c| store::logout_outbox::claim(c, &id, seen, lease))
                .await?;
            if claimed {
                let state = self.state.clone();
                running.spawn(async move { attempt(state, message).await });
            }
        }
        let mut delivered = 0;
        while let Some(done) = running.join_next().await {
            match done {
                Ok(Ok(true)) => delivered += 1,
                Ok(Ok(false)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "logout outbox update failed"),
                Err(e) => tracing::warn!(error = %e, "logout delivery task failed"),
            }
        }
        Ok(delivered)
    }
}

/// How long a claimed message is left to its deliverer: past the call's
/// timeout, so no other replica delivers it meanwhile.
fn lease(state: &AppState) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(state.settings.logout_timeout * 2)
        .unwrap_or(chrono::TimeDelta::minutes(1))
}

/// One attempt at one message, recorded; true when delivered.
async fn attempt(state: Arc<AppState>, message: LogoutMessage) -> anyhow::Result<bool> {
    let attempts = message.attempts + 1;
    let outcome = token::deliver(&state, &message).await;
    let id = message.id.clone();
    let db = &state.db;
    match outcome {
        Outcome::Delivered => {
            db.write(move |c| store::logout_outbox::mark_delivered(c, &id, attempts))
                .await?;
            Ok(true)
        }
        Outcome::Failed(error) => {
            let retry_at = (attempts < MAX_ATTEMPTS).then(|| now() + backoff(&state, attempts));
            tracing::warn!(logout_id = %message.id, client_id = %message.client_id, attempts, error = %error, given_up = retry_at.is_none(), "logout token delivery failed");
            db.write(move |c| {
                store::logout_outbox::mark_failed(c, &id, attempts, retry_at, &error)
            })
            .await?;
            Ok(false)
        }
        Outcome::Dropped(error) => {
            tracing::info!(logout_id = %message.id, client_id = %message.client_id, reason = %error, "logout token dropped");
            db.write(move |c| store::logout_outbox::mark_failed(c, &id, attempts, None, &error))
                .await?;
            Ok(false)
        }
    }
}

/// The delay before attempt `attempts + 1`: the first retry's delay,
/// doubled each time, at most an hour.
fn backoff(state: &AppState, attempts: i32) -> chrono::TimeDelta {
    let first = state.settings.logout_retry.as_millis() as i64;
    let factor = 1i64 << (attempts - 1).clamp(0, 20);
    chrono::TimeDelta::milliseconds((first * factor).min(3_600_000))
}
