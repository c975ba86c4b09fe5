//! Redirect URIs (RFC 6749 §3.1.2): absolute, no fragment, compared as exact strings.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectUri(String);

impl RedirectUri {
    pub fn parse(s: &str) -> Result<RedirectUri, String> {
        let url = url::Url::parse(s).map_err(|e| format!("{s:?} is not an absolute URI: {e}"))?;
        if url.fragment().is_some() {
            return Err(format!("{s:?} must not contain a fragment"));
        }
        if url.cannot_be_a_base() && url.scheme() != "urn" {
            return Err(format!("{s:?} is not a usable redirect URI"));
        }
        if matches!(url.scheme(), "javascript" | "data" | "file" | "vbscript") {
            return Err(format!("{s:?} uses a forbidden scheme"));
        }
        // Registered as given: matching is by exact string (OAuth 2.0 Security BCP §4.1.3).
        Ok(RedirectUri(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The origin (`scheme://host:port`) of an http(s) redirect URI, the
    /// only kind a browser can post a form to.
    pub fn http_origin(&self) -> Option<String> {
        let url = url::Url::parse(&self.0).ok()?;
        matches!(url.scheme(), "http" | "https").then(|| url.origin().ascii_serialization())
    }

    /// The URI with `params` appended to its query, encoded properly.
    pub fn with_query(&self, params: &[(&str, &str)]) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut url) => {
                url.query_pairs_mut().extend_pairs(params);
                url.to_string()
            }
            Err(_) => self.0.clone(),
        }
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::RedirectUri;

    #[test]
    fn redirect_uris_are_absolute_without_fragment() {
        assert!(RedirectUri::parse("https://app.example/cb").is_ok());
        assert!(RedirectUri::parse("http://127.0.0.1:3000/cb?x=1").is_ok());
        assert!(RedirectUri::parse("/relative").is_err());
        assert!(RedirectUri::parse("https://app.example/cb#frag").is_err());
        assert!(RedirectUri::parse("javascript:alert(1)").is_err());
    }

    #[test]
    fn query_parameters_are_encoded() {
        let uri = RedirectUri::parse("https://app.example/cb?x=1").unwrap();
        let out = uri.with_query(&[("state", "a b&c")]);
        assert_eq!(out, "https://app.example/cb?x=1&state=a+b%26c");
    }
}
