//! Signing key rotation without a window of failure (OIDC Core §10.1.1):
//! the next key is published before it signs, for longer than any JWKS may
//! be cached; at its switch time every replica starts signing with it (the
//! time is stored, each derives the state from it); the key it replaces
//! stays published until every token it signed has expired, then goes.

use chrono::{NaiveDateTime, TimeDelta};

use super::keys::GeneratedKey;
use crate::domain::{AuditAction, TenantId};
use crate::store::keys::{self, KeyRow};
use crate::store::{Db, DbConn, StoreError, audit};

/// A key's place in the rotation at some moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    /// Published, not yet signing.
    Next,
    /// Signing.
    Current,
    /// No longer signing, published until its tokens have expired.
    Retired,
}

/// The key that signs at `at`: of the published keys whose switch time has
/// come, the latest.
pub fn signing_at(rows: &[KeyRow], at: NaiveDateTime) -> Option<&KeyRow> {
    rows.iter()
        .filter(|k| k.activates_at <= at && k.publish_until.is_none_or(|until| until > at))
        .max_by_key(|k| (k.activates_at, k.created_at))
}

/// The state of `key` among `rows` at `at`.
pub fn state_at(rows: &[KeyRow], key: &KeyRow, at: NaiveDateTime) -> KeyState {
    if key.activates_at > at {
        KeyState::Next
    } else if signing_at(rows, at).is_some_and(|current| current.kid == key.kid) {
        KeyState::Current
    } else {
        KeyState::Retired
    }
}

/// The next moment after `at` when `rows` say something else: a next key
/// starts signing, or a retired key leaves the JWKS.
pub fn next_change(rows: &[KeyRow], at: NaiveDateTime) -> Option<NaiveDateTime> {
    rows.iter()
        .flat_map(|k| [Some(k.activates_at), k.publish_until])
        .flatten()
        .filter(|t| *t > at)
        .min()
}

/// A key as the admin API and the CLI list it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct KeyStatus {
    pub kid: String,
    pub alg: String,
    pub state: KeyState,
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub created_at: NaiveDateTime,
    /// When it started (or starts) signing.
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub signs_from: NaiveDateTime,
    /// When it stopped (or stops) signing, once a successor is scheduled.
    #[serde(serialize_with = "crate::domain::utc::serialize_opt")]
    pub signs_until: Option<NaiveDateTime>,
    /// When it leaves the JWKS, once a successor is scheduled.
    #[serde(serialize_with = "crate::domain::utc::serialize_opt")]
    pub published_until: Option<NaiveDateTime>,
}

/// Every published key of `rows` with its state at `at`, latest first.
pub fn statuses(rows: &[KeyRow], at: NaiveDateTime) -> Vec<KeyStatus> {
    rows.iter()
        .map(|k| KeyStatus {
            kid: k.kid.clone(),
            alg: k.alg.clone(),
            state: state_at(rows, k, at),
            created_at: k.created_at,
            signs_from: k.activates_at,
            signs_until: k.retired_at,
            published_until: k.publish_until,
        })
        .collect()
}

/// When a rotation's new key starts signing.
#[derive(Clone, Copy, Debug)]
pub enum Switch {
    /// When the pre-publication period from now ends (the default).
    AfterPrepublication,
    /// At this moment, no earlier than the pre-publication allows.
    At(NaiveDateTime),
    /// At once (forced only).
    Now,
}

/// What a rotation should do.
pub struct Plan {
    pub switch: Switch,
    /// The shortest pre-publication allowed (ignored when `forced`).
    pub prepublish: TimeDelta,
    /// Switch even when relying parties cannot have seen the key yet, and
    /// replace a next key that is still waiting.
    pub forced: bool,
    /// How long the replaced key stays published after the switch.
    pub retention: TimeDelta,
}

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("a rotation is already scheduled: key {kid} signs from {at} UTC")]
    Pending { kid: String, at: NaiveDateTime },
    #[error(
        "the new key must be published at least {} s before it signs (it would be {} s); relying parties that cached the JWKS would meet an unknown kid",
        .least.num_seconds(), .asked.num_seconds()
    )]
    TooSoon { least: TimeDelta, asked: TimeDelta },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Publishes `key` as the tenant's next key, signing from the plan's switch
/// time; the current key stops then and stays published for the retention.
/// Audited (`keys.next_published`, or `keys.rotated` for a forced switch now).
pub fn rotate(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    key: GeneratedKey,
    plan: &Plan,
    actor: &str,
) -> Result<KeyRow, RotationError> {
    let at = crate::store::now();
    let rows = keys::published(conn, tenant_id)?;
    if let Some(next) = rows.iter().find(|k| k.activates_at > at) {
        if !plan.forced {
            let (kid, at) = (next.kid.clone(), next.activates_at);
            return Err(RotationError::Pending { kid, at });
        }
        // It never signed: nothing can need it.
        keys::remove(conn, tenant_id, &next.kid)?;
        let superseded = Some("superseded before it signed");
        audit::record(
            conn,
            tenant_id,
            actor,
            AuditAction::KeyRemoved,
            Some(&next.kid),
            superseded,
        )?;
    }
    let switch_at = match plan.switch {
        Switch::AfterPrepublication => at + plan.prepublish,
        Switch::At(moment) => moment.max(at),
        Switch::Now => at,
    };
    if !plan.forced && switch_at - at < plan.prepublish {
        let (least, asked) = (plan.prepublish, switch_at - at);
        return Err(RotationError::TooSoon { least, asked });
    }
    if let Some(current) = signing_at(&rows, at) {
        let until = switch_at + plan.retention;
        keys::set_retirement(conn, tenant_id, &current.kid, switch_at, until)?;
    }
    let row = key.into_row(tenant_id, switch_at);
    keys::insert(conn, &row)?;
    let (action, detail) = if switch_at <= at {
        (
            AuditAction::KeysRotated,
            "signing now, without pre-publication".to_owned(),
        )
    } else {
        (
            AuditAction::KeyPublished,
            format!("signs from {switch_at} UTC"),
        )
    };
    audit::record(
        conn,
        tenant_id,
        actor,
        action,
        Some(&row.kid),
        Some(&detail),
    )?;
    Ok(row)
}

/// Records the switches and removals whose time has come, for every tenant:
/// next keys now signing (`keys.promoted`), keys that stopped
/// (`keys.retired`), retired keys past their retention, deleted
/// (`keys.removed`). Each is recorded once however many replicas run this.
pub fn advance(conn: &mut DbConn) -> Result<usize, StoreError> {
    let at = crate::store::now();
    let mut recorded = 0;
    for key in keys::due_promotions(conn, at)? {
        let tenant_id = TenantId::from(key.tenant_id.clone());
        if keys::mark_active(conn, &tenant_id, &key.kid, true)? {
            audit::record(
                conn,
                &tenant_id,
                "system",
                AuditAction::KeyPromoted,
                Some(&key.kid),
                None,
            )?;
            recorded += 1;
        }
    }
    for key in keys::due_retirements(conn, at)? {
        let tenant_id = TenantId::from(key.tenant_id.clone());
        if keys::mark_active(conn, &tenant_id, &key.kid, false)? {
            let until = key
                .publish_until
                .map(|u| format!("published until {u} UTC"));
            let action = AuditAction::KeyRetired;
            audit::record(
                conn,
                &tenant_id,
                "system",
                action,
                Some(&key.kid),
                until.as_deref(),
            )?;
            recorded += 1;
        }
    }
    for key in keys::due_removals(conn, at)? {
        let tenant_id = TenantId::from(key.tenant_id.clone());
        if keys::remove(conn, &tenant_id, &key.kid)? {
            audit::record(
                conn,
                &tenant_id,
                "system",
                AuditAction::KeyRemoved,
                Some(&key.kid),
                None,
            )?;
            recorded += 1;
        }
    }
    Ok(recorded)
}

/// Runs [`advance`] every `every`, for the server's life (started by
/// startup). Signing does not wait for it: every replica switches at the
/// stored time by itself; this records it and removes expired keys.
pub async fn record_on_time(db: Db, every: std::time::Duration) {
    let mut every = tokio::time::interval(every);
    loop {
        every.tick().await;
        match db.write(advance).await {
            Ok(n) if n > 0 => tracing::info!(transitions = n, "signing key transitions recorded"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "signing key transitions not recorded"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, activates: i64, until: Option<i64>) -> KeyRow {
        let t = |s: i64| chrono::DateTime::from_timestamp(s, 0).unwrap().naive_utc();
        KeyRow {
            kid: kid.into(),
            tenant_id: "t".into(),
            alg: "RS256".into(),
            private_key: String::new(),
            public_jwk: String::new(),
            active: false,
            created_at: t(0),
            retired_at: None,
            publish_until: until.map(t),
            activates_at: t(activates),
        }
    }

    #[test]
    fn the_latest_key_whose_time_has_come_signs() {
        let at = |s: i64| chrono::DateTime::from_timestamp(s, 0).unwrap().naive_utc();
        let rows = [
            key("old", 0, Some(300)),
            key("cur", 100, None),
            key("next", 200, None),
        ];
        assert_eq!(signing_at(&rows, at(150)).unwrap().kid, "cur");
        assert_eq!(signing_at(&rows, at(200)).unwrap().kid, "next");
        assert_eq!(state_at(&rows, &rows[2], at(150)), KeyState::Next);
        assert_eq!(state_at(&rows, &rows[1], at(150)), KeyState::Current);
        assert_eq!(state_at(&rows, &rows[0], at(150)), KeyState::Retired);
        assert_eq!(state_at(&rows, &rows[1], at(250)), KeyState::Retired);
        assert_eq!(next_change(&rows, at(150)), Some(at(200)));
        assert_eq!(next_change(&rows, at(200)), Some(at(300)));
        assert_eq!(next_change(&rows, at(300)), None);
    }
}
