//! Searching the audit log: by actor, action, target and time, newest first,
//! a bounded page at a time (keyset paging on `(at, id)`, so events written
//! meanwhile never shift a page). Every value is a bound parameter.

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::AuditEvent;
use crate::domain::{AuditAction, TenantId};
use crate::store::schema::{audit_events, users};
use crate::store::text_search::{containing, lower};
use crate::store::{DbConn, StoreResult};

type Backend = <DbConn as Connection>::Backend;

/// What to look for; an empty filter finds every event of the tenant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Part of the actor (an email, `cli`, `app:{client_id}`), or of the
    /// email of the user who acted; case does not matter.
    pub actor: Option<String>,
    /// Any of these actions; every action when empty.
    pub actions: Vec<AuditAction>,
    /// Part of the target, or of the email of the user it names.
    pub target: Option<String>,
    /// Events at or after this time.
    pub from: Option<NaiveDateTime>,
    /// Events before this time.
    pub until: Option<NaiveDateTime>,
}

/// An event a page ends at, as the address carries it (`{µs}_{id}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    at: NaiveDateTime,
    id: String,
}

impl Cursor {
    fn of(event: &AuditEvent) -> Cursor {
        Cursor {
            at: event.at,
            id: event.id.clone(),
        }
    }

    /// The cursor written by [`Cursor`]'s `Display`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Cursor> {
        let (micros, id) = text.split_once('_')?;
        let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
        let id_like = !id.is_empty() && id.len() <= 64;
        id_like.then(|| Cursor {
            at,
            id: id.to_owned(),
        })
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}", self.at.and_utc().timestamp_micros(), self.id)
    }
}

/// Where a page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    Newest,
    /// The events just older than this one.
    Older(Cursor),
    /// The events just newer than this one.
    Newer(Cursor),
}

/// Which page, and how many events it holds at most.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub start: Start,
    pub size: i64,
}

/// A page of events, newest first, and where the pages beside it start.
#[derive(Debug)]
pub struct Events {
    pub events: Vec<AuditEvent>,
    pub older: Option<Cursor>,
    pub newer: Option<Cursor>,
}

/// The events of the tenant that match `filter`, one page of them.
pub fn search(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    filter: &AuditFilter,
    page: &Page,
) -> StoreResult<Events> {
    let size = page.size.max(1);
    let mut query = matching(tenant_id, filter);
    query = match &page.start {
        Start::Newest => query.order((audit_events::at.desc(), audit_events::id.desc())),
        Start::Older(c) => query
            .filter(
                audit_events::at.lt(c.at).or(audit_events::at
                    .eq(c.at)
                    .and(audit_events::id.lt(c.id.clone()))),
            )
            .order((audit_events::at.desc(), audit_events::id.desc())),
        Start::Newer(c) => query
            .filter(
                audit_events::at.gt(c.at).or(audit_events::at
                    .eq(c.at)
                    .and(audit_events::id.gt(c.id.clone()))),
            )
            .order((audit_events::at.asc(), audit_events::id.asc())),
    };
    // One more than a page says whether another page follows.
    let mut events: Vec<AuditEvent> = query.limit(size + 1).load(conn)?;
    let more = events.len() as i64 > size;
    events.truncate(size as usize);
    let (older, newer) = match &page.start {
        Start::Newest => (more.then(|| events.last().map(Cursor::of)).flatten(), None),
        Start::Older(c) => (
            more.then(|| events.last().map(Cursor::of)).flatten(),
            Some(events.first().map_or_else(|| c.clone(), Cursor::of)),
        ),
        Start::Newer(c) => {
            events.reverse();
            (
                Some(events.last().map_or_else(|| c.clone(), Cursor::of)),
                more.then(|| events.first().map(Cursor::of)).flatten(),
            )
        }
    };
    Ok(Events {
        events,
        older,
        newer,
    })
}

/// The tenant's events that match the filter, in no order yet.
fn matching(
    tenant_id: &TenantId,
    filter: &AuditFilter,
) -> audit_events::BoxedQuery<'static, Backend, audit_events::SqlType> {
    let tenant = tenant_id.as_str().to_owned();
    let mut query = audit_events::table
        .filter(audit_events::tenant_id.eq(tenant.clone()))
        .into_boxed();
    if let Some(actor) = filter.actor.as_deref() {
        let pattern = containing(actor);
        let acting_users = users::table
            .filter(users::tenant_id.eq(tenant.clone()))
            .filter(lower(users::email).like(pattern.clone()).escape('\\'))
            .select("user:".into_sql::<Text>().concat(users::id));
        query = query.filter(
            lower(audit_events::actor)
                .like(pattern)
                .escape('\\')
                .or(audit_events::actor.eq_any(acting_users)),
        );
    }
    if !filter.actions.is_empty() {
        let actions: Vec<&str> = filter.actions.iter().map(|a| a.as_str()).collect();
        query = query.filter(audit_events::action.eq_any(actions));
    }
    if let Some(target) = filter.target.as_deref() {
        let pattern = containing(target);
        let named_users = users::table
            .filter(users::tenant_id.eq(tenant))
            .filter(lower(users::email).like(pattern.clone()).escape('\\'))
            .select(users::id.nullable());
        query = query.filter(
            lower(audit_events::target.assume_not_null())
                .like(pattern)
                .escape('\\')
                .or(audit_events::target.eq_any(named_users)),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_events::at.lt(until));
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_nothing_else_does() {
        let at = DateTime::from_timestamp_micros(1_796_220_300_123_456)
            .unwrap()
            .naive_utc();
        let cursor = Cursor {
            at,
            id: "0193a0b2-7c1e-7000-8000-000000000001".into(),
        };
        assert_eq!(Cursor::parse(&cursor.to_string()), Some(cursor));
        for bad in ["", "12", "x_y", "12_", "99999999999999999999_a"] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }
}
