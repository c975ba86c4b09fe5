//! Audit log: who did what to whom, per tenant; searched a page at a time.

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::{audit_events, invitations, users};
use super::{Db, DbConn, StoreResult, new_id, now};
use crate::domain::AuditAction;

mod search;

pub use search::{AuditFilter, Cursor, Events, Page, Start, search};

#[derive(Clone, Debug, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: String,
    pub tenant_id: String,
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub at: chrono::NaiveDateTime,
    pub actor: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub action: AuditAction,
    pub target: Option<String>,
    pub detail: Option<String>,
}

impl Db {
    /// `record` in a transaction of its own, for async callers.
    pub async fn audit(
        &self,
        tenant_id: &TenantId,
        actor: &str,
        action: AuditAction,
        target: Option<&str>,
        detail: Option<&str>,
    ) -> StoreResult<()> {
        let (tenant_id, actor) = (tenant_id.clone(), actor.to_owned());
        let (target, detail) = (target.map(str::to_owned), detail.map(str::to_owned));
        self.write(move |c| {
            record(
                c,
                &tenant_id,
                &actor,
                action,
                target.as_deref(),
                detail.as_deref(),
            )
        })
        .await
    }
}

pub fn record(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    actor: &str,
    action: AuditAction,
    target: Option<&str>,
    detail: Option<&str>,
) -> StoreResult<()> {
    diesel::insert_into(audit_events::table)
        .values(AuditEvent {
            id: new_id(),
            tenant_id: tenant_id.as_str().to_owned(),
            at: now(),
            actor: actor.to_owned(),
            action,
            target: target.map(str::to_owned),
            detail: detail.map(str::to_owned),
        })
        .execute(conn)?;
    Ok(())
}

/// The emails named by `ids`: users' and invitations' (to show `user:{id}`
/// actors and targets that are ids as people), as `(id, email)`.
pub fn emails_of(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    ids: &[String],
) -> StoreResult<Vec<(String, String)>> {
    let mut emails: Vec<(String, String)> = users::table
        .filter(users::tenant_id.eq(tenant_id.as_str()))
        .filter(users::id.eq_any(ids))
        .select((users::id, users::email))
        .load(conn)?;
    emails.extend(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant_id.as_str()))
            .filter(invitations::id.eq_any(ids))
            .select((invitations::id, invitations::email))
            .load::<(String, String)>(conn)?,
    );
    Ok(emails)
}

/// The newest `limit` events (the unfiltered first page of [`search`]).
pub fn list(conn: &mut DbConn, tenant_id: &TenantId, limit: i64) -> StoreResult<Vec<AuditEvent>> {
    Ok(audit_events::table
        .filter(audit_events::tenant_id.eq(tenant_id.as_str()))
        .order((audit_events::at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)?)
}
