//! The invitations list's filters (a GET form: status, what the invitation
//! gives access to, part of the email) and its pages.

use serde::Deserialize;

use crate::domain::{EffectiveStatus, TargetKind};
use crate::store::invitations::InvitationFilter;

/// Invitations on one page of the list.
pub(super) const PAGE_SIZE: i64 = 25;

/// The furthest page anyone is sent to (the offset stays bounded).
const LAST_PAGE: i64 = 10_000;

/// The address's query: the notice of the last form, the filters, the page.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct InvitationsQuery {
    pub(super) notice: Option<String>,
    status: Option<String>,
    kind: Option<String>,
    email: Option<String>,
    page: Option<String>,
}

/// A choice of a filter's select.
pub(super) struct Choice {
    pub(super) value: &'static str,
    pub(super) label: &'static str,
    pub(super) selected: bool,
}

/// The statuses a person filters by, in their words and the address's.
const STATUSES: [(&str, &str, EffectiveStatus); 4] = [
    ("pending", "Pending", EffectiveStatus::Pending),
    ("accepted", "Accepted", EffectiveStatus::Redeemed),
    ("expired", "Expired", EffectiveStatus::Expired),
    ("revoked", "Revoked", EffectiveStatus::Revoked),
];

const KINDS: [(&str, &str, TargetKind); 3] = [
    ("tenant", "The organization", TargetKind::Tenant),
    ("group", "A group", TargetKind::Group),
    ("app", "An app", TargetKind::App),
];

/// A field as typed, unless left empty.
fn typed(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The option of a select whose value was sent; `what` names the select
/// when the value is none of them.
fn pick<T: Copy>(
    options: &[(&str, &str, T)],
    sent: Option<&str>,
    what: &str,
) -> Result<Option<T>, String> {
    let Some(sent) = sent else { return Ok(None) };
    let found = options.iter().find(|(value, ..)| *value == sent);
    match found {
        Some((.., option)) => Ok(Some(*option)),
        None => Err(format!(
            "There is no such {what}: choose one from the list."
        )),
    }
}

/// A select's choices, the one sent selected.
fn choices<T>(options: &[(&'static str, &'static str, T)], sent: Option<&str>) -> Vec<Choice> {
    options
        .iter()
        .map(|(value, label, _)| Choice {
            value,
            label,
            selected: sent == Some(*value),
        })
        .collect()
}

impl InvitationsQuery {
    /// The filter and the page (from 1) asked for, or what is wrong, in words.
    pub(super) fn search(&self) -> Result<(InvitationFilter, i64), String> {
        let status = pick(&STATUSES, typed(&self.status), "status")?;
        let target_kind = pick(&KINDS, typed(&self.kind), "kind of access")?;
        let page = match typed(&self.page) {
            None => 1,
            Some(p) => p
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=LAST_PAGE).contains(p))
                .ok_or("There is no such page of invitations.")?,
        };
        let filter = InvitationFilter {
            status,
            target_kind,
            email: typed(&self.email).map(str::to_owned),
            invited_by: None,
        };
        Ok((filter, page))
    }

    pub(super) fn statuses(&self) -> Vec<Choice> {
        choices(&STATUSES, typed(&self.status))
    }

    pub(super) fn kinds(&self) -> Vec<Choice> {
        choices(&KINDS, typed(&self.kind))
    }

    /// The email part as typed (for the form).
    pub(super) fn email(&self) -> &str {
        self.email.as_deref().unwrap_or_default()
    }

    /// Whether any filter is set.
    pub(super) fn filtered(&self) -> bool {
        [&self.status, &self.kind, &self.email]
            .into_iter()
            .any(|v| typed(v).is_some())
    }

    /// The list's address with these filters, at `page`.
    pub(super) fn link(&self, section_url: &str, page: i64) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        let filters = [
            ("status", &self.status),
            ("kind", &self.kind),
            ("email", &self.email),
        ];
        for (name, value) in filters {
            if let Some(v) = typed(value) {
                query.append_pair(name, v);
            }
        }
        query.append_pair("page", &page.to_string());
        format!("{section_url}?{}", query.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(status: &str, kind: &str, page: &str) -> InvitationsQuery {
        InvitationsQuery {
            status: Some(status.into()),
            kind: Some(kind.into()),
            email: Some(" Gio@ ".into()),
            page: Some(page.into()),
            notice: None,
        }
    }

    #[test]
    fn filters_read_in_a_persons_words_and_refuse_anything_else() {
        let (filter, page) = query("accepted", "group", "2").search().unwrap();
        assert_eq!(filter.status, Some(EffectiveStatus::Redeemed));
        assert_eq!(filter.target_kind, Some(TargetKind::Group));
        assert_eq!(filter.email.as_deref(), Some("Gio@"));
        assert_eq!(page, 2);
        assert!(query("redeemed", "", "").search().is_err());
        assert!(query("", "tenant:x", "").search().is_err());
        for bad in ["0", "-1", "x", "10001"] {
            assert!(query("", "", bad).search().is_err(), "{bad}");
        }
    }

    #[test]
    fn page_links_keep_the_filters() {
        let link = query("pending", "app", "1").link("/t/c/admin/invitations", 3);
        assert_eq!(
            link,
            "/t/c/admin/invitations?status=pending&kind=app&email=Gio%40&page=3"
        );
    }
}
