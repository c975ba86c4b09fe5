//! Times as the API and the CLI show them: RFC 3339 in UTC, with `Z`.
//! Every stored time is UTC (`store::now` takes `Utc::now()`); the columns
//! are `TIMESTAMP` without a zone, so they are read back as naive times and
//! given their zone here, at the edge, rather than serialized bare.

use chrono::{NaiveDateTime, SecondsFormat};

/// `2026-12-01T21:26:25.123456Z` (fractions only when there are any).
pub fn rfc3339(at: &NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// An optional time, `None` staying `null`.
pub fn rfc3339_opt(at: &Option<NaiveDateTime>) -> Option<String> {
    at.as_ref().map(rfc3339)
}

/// `#[serde(serialize_with = "…::serialize")]` for a stored time.
pub fn serialize<S: serde::Serializer>(at: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(at))
}

/// `#[serde(serialize_with = "…::serialize_opt")]` for an optional one.
pub fn serialize_opt<S: serde::Serializer>(
    at: &Option<NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize(at, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_are_shown_in_utc_with_z() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T21:26:25Z")
            .unwrap()
            .naive_utc();
        assert_eq!(rfc3339(&at), "2026-12-01T21:26:25Z");
        let fine = at + chrono::TimeDelta::microseconds(1500);
        assert_eq!(rfc3339(&fine), "2026-12-01T21:26:25.001500Z");
        assert_eq!(rfc3339_opt(&None), None);
    }
}
