//! An audit search as a person types it into the console or a caller sends
//! it to `GET /api/v1/audit`: the same fields, read the same way, into the
//! one `store::audit::search`.

use serde::Deserialize;

use crate::domain::{AuditAction, RangeEnd, range_bound};
use crate::store::audit::AuditFilter;

/// The filters as typed; empty fields filter nothing.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuditSearch {
    /// Part of who acted (their email, `cli`, `app:{client_id}`).
    pub actor: Option<String>,
    /// An action's stored name (`invitation.created`).
    pub action: Option<String>,
    /// Part of what or whom it was done to (an email, an app, an id).
    pub target: Option<String>,
    /// From this day or time (UTC), see [`range_bound`].
    pub from: Option<String>,
    /// Up to and including this day or minute (UTC).
    pub to: Option<String>,
}

/// A field as typed, unless left empty.
pub fn typed(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl AuditSearch {
    /// The filter these fields ask for, or what is wrong with them, in words.
    pub fn filter(&self) -> Result<AuditFilter, String> {
        let actions = match typed(&self.action) {
            None => Vec::new(),
            Some(a) => vec![a.parse::<AuditAction>().map_err(|_| {
                "There is no such action: choose one of the listed actions.".to_owned()
            })?],
        };
        let time = |v: &Option<String>, end| {
            typed(v)
                .map(|t| range_bound(t, end))
                .transpose()
                .map_err(|e| e.to_string())
        };
        Ok(AuditFilter {
            actor: typed(&self.actor).map(str::to_owned),
            actions,
            target: typed(&self.target).map(str::to_owned),
            from: time(&self.from, RangeEnd::From)?,
            until: time(&self.to, RangeEnd::To)?,
        })
    }

    /// The fields that are set, as `(name, value)` for a link that keeps them.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("target", &self.target),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(name, value)| typed(value).map(|v| (name, v)))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(action: &str, from: &str) -> AuditSearch {
        AuditSearch {
            actor: Some(" megan@ ".into()),
            action: Some(action.into()),
            target: Some(String::new()),
            from: Some(from.into()),
            to: None,
        }
    }

    #[test]
    fn typed_fields_become_a_filter_or_a_sentence() {
        let filter = search("user.blocked", "2026-12-02").filter().unwrap();
        assert_eq!(filter.actor.as_deref(), Some("megan@"));
        assert_eq!(filter.actions, [AuditAction::UserBlocked]);
        assert_eq!(filter.target, None);
        assert!(filter.from.is_some() && filter.until.is_none());
        let unknown = search("user.deleted", "").filter().unwrap_err();
        assert!(unknown.contains("no such action"), "{unknown}");
        let malformed = search("", "02/12/2026").filter().unwrap_err();
        assert!(malformed.contains("2026-12-02"), "{malformed}");
        assert_eq!(search("", "").pairs(), vec![("actor", "megan@")]);
    }
}
