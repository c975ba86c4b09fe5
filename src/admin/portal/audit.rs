//! The console's audit log (`GET /admin/audit`, administrators only): the
//! tenant's events filtered by actor, action, target and time, newest first,
//! a page at a time (`store::audit::search`, the same search as
//! `GET /api/v1/audit`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::frame::{Console, Frame, Section, when};
use crate::admin::audit_search::{AuditSearch, typed};
use crate::domain::{AuditAction, TenantId};
use crate::pages::PageResult;
use crate::state::AppState;
use crate::store::audit::{AuditEvent, AuditFilter, Cursor, Page, Start};
use crate::store::{self, DbConn, StoreResult};

/// Events on one page of the log.
const PAGE_SIZE: i64 = 50;

/// The filters as the form sends them (and the paging links repeat them).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(flatten)]
    search: AuditSearch,
    /// The page after (older than) this event.
    older: Option<String>,
    /// The page before (newer than) this event.
    newer: Option<String>,
}

impl AuditQuery {
    /// The search it asks for, or what is wrong with it, in words.
    fn search(&self) -> Result<(AuditFilter, Page), String> {
        let filter = self.search.filter()?;
        let cursor = |v: &str| {
            Cursor::parse(v).ok_or_else(|| {
                "That page of the log is not one this console links to: start again from the newest events.".to_owned()
            })
        };
        let start = match (typed(&self.older), typed(&self.newer)) {
            (Some(c), _) => Start::Older(cursor(c)?),
            (None, Some(c)) => Start::Newer(cursor(c)?),
            (None, None) => Start::Newest,
        };
        Ok((
            filter,
            Page {
                start,
                size: PAGE_SIZE,
            },
        ))
    }

    /// The address of the log with these filters, starting at `page`.
    fn link(&self, base: &str, page: (&str, &Cursor)) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(self.search.pairs());
        query.append_pair(page.0, &page.1.to_string());
        format!("{base}{}?{}", Section::Audit.path(), query.finish())
    }
}

/// An event as a person reads it.
pub struct EventRow {
    pub when: String,
    pub what: &'static str,
    pub who: String,
    pub target: String,
    pub detail: String,
}

/// The events as rows: users and invitations named by their email, the
/// rest in words.
pub(super) fn event_rows(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    events: &[AuditEvent],
) -> StoreResult<Vec<EventRow>> {
    let ids: Vec<String> = events
        .iter()
        .flat_map(|e| [e.actor.strip_prefix("user:"), e.target.as_deref()])
        .flatten()
        .map(str::to_owned)
        .collect();
    let emails: HashMap<String, String> = store::audit::emails_of(conn, tenant_id, &ids)?
        .into_iter()
        .collect();
    let named = |id: &str| emails.get(id).cloned().unwrap_or_else(|| id.to_owned());
    Ok(events
        .iter()
        .map(|e| EventRow {
            when: when(&e.at),
            what: e.action.label(),
            who: match e.actor.as_str() {
                "cli" => "Command line".to_owned(),
                "system" => "Portico".to_owned(),
                "anonymous" => "Someone not signed in".to_owned(),
                actor => match actor.split_once(':') {
                    Some(("user", id)) => named(id),
                    Some(("app", client_id)) => format!("App {client_id}"),
                    _ => actor.to_owned(),
                },
            },
            target: e.target.as_deref().map(named).unwrap_or_default(),
            detail: e.detail.as_deref().map(readable).unwrap_or_default(),
        })
        .collect())
}

/// An event's detail as a person reads it: a JSON object (a policy, an
/// app's settings) as `key: value` pairs, nested keys joined by a dot, lists
/// by commas; anything else as recorded.
fn readable(detail: &str) -> String {
    fn pairs(prefix: &str, value: &serde_json::Value, out: &mut Vec<String>) {
        use serde_json::Value;
        match value {
            Value::Object(fields) => {
                for (key, value) in fields {
                    let key = key.replace('_', " ");
                    let name = if prefix.is_empty() {
                        key
                    } else {
                        format!("{prefix}.{key}")
                    };
                    pairs(&name, value, out);
                }
            }
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(scalar).collect();
                out.push(format!("{prefix}: {}", items.join(", ")));
            }
            scalar_value => out.push(format!("{prefix}: {}", scalar(scalar_value))),
        }
    }
    fn scalar(value: &serde_json::Value) -> String {
        match value {
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Null => "none".to_owned(),
            other => other.to_string(),
        }
    }
    match serde_json::from_str::<serde_json::Value>(detail) {
        Ok(object @ serde_json::Value::Object(_)) => {
            let mut out = Vec::new();
            pairs("", &object, &mut out);
            out.join("; ")
        }
        _ => detail.to_owned(),
    }
}

/// An action of the select: its text, its label, whether it is chosen.
struct ActionOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    query: &'a AuditQuery,
    actions: Vec<ActionOption>,
    events: Vec<EventRow>,
    older: Option<String>,
    newer: Option<String>,
}

impl AuditPage<'_> {
    /// A field as typed, for the form.
    fn typed<'v>(&self, value: &'v Option<String>) -> &'v str {
        value.as_deref().unwrap_or_default()
    }
}

pub async fn get_audit(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<AuditQuery>,
) -> PageResult<HttpResponse> {
    let mut console = match Console::open(&state, &path, &req, Section::Audit, None).await? {
        Ok(console) => console,
        Err(sign_in) => return Ok(sign_in),
    };
    let (events, older, newer, status) = match query.search() {
        Err(problem) => {
            console.refuse(problem);
            (Vec::new(), None, None, StatusCode::BAD_REQUEST)
        }
        Ok((filter, page)) => {
            let tenant_id = console.ctx.tenant.id.clone();
            let (rows, found) = state
                .db
                .read(move |c| {
                    let found = store::audit::search(c, &tenant_id, &filter, &page)?;
                    Ok((event_rows(c, &tenant_id, &found.events)?, found))
                })
                .await?;
            let base = &console.frame.base;
            let link = |name, c: &Cursor| query.link(base, (name, c));
            let older = found.older.as_ref().map(|c| link("older", c));
            let newer = found.newer.as_ref().map(|c| link("newer", c));
            (rows, older, newer, StatusCode::OK)
        }
    };
    let chosen = typed(&query.search.action).unwrap_or_default();
    let mut actions: Vec<ActionOption> = AuditAction::ALL
        .iter()
        .map(|a| ActionOption {
            value: a.as_str(),
            label: a.label(),
            selected: a.as_str() == chosen,
        })
        .collect();
    actions.sort_by_key(|a| a.label);
    let page = AuditPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        query: &query,
        actions,
        events,
        older,
        newer,
    };
    Ok(console.render(status, &page))
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn a_json_detail_reads_as_pairs_and_other_text_as_recorded() {
        let detail = r#"{"client_type":"confidential","grant_types":["authorization_code","refresh_token"],"home":null,"mfa":{"required":false}}"#;
        assert_eq!(
            readable(detail),
            "client type: confidential; grant types: authorization_code, refresh_token; home: none; mfa.required: false"
        );
        assert_eq!(readable("invitation 42"), "invitation 42");
        assert_eq!(readable("7"), "7");
        assert_eq!(readable("{}"), "");
    }
}
