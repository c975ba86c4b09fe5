//! An app's home page, where "My apps" links its name: an absolute `https`
//! URL, or `http` on a loopback address (a developer's machine). Never
//! another scheme (`javascript:` would run in the portal's origin), never
//! credentials in the URL, never a fragment-only or relative address.

use std::fmt;

/// Longer than any real home page address.
const MAX_LEN: usize = 2048;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HomeUrl(String);

impl HomeUrl {
    pub fn parse(s: &str) -> Result<HomeUrl, String> {
        let s = s.trim();
        if s.len() > MAX_LEN {
            return Err(format!("home_url is longer than {MAX_LEN} characters"));
        }
        let url = url::Url::parse(s)
            .map_err(|e| format!("home_url {s:?} is not an absolute URL: {e}"))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(format!(
                    "home_url {s:?} must use https (http only on a loopback address)"
                ));
            }
            _ => return Err(format!("home_url {s:?} must be an https URL")),
        }
        if url.host().is_none() {
            return Err(format!("home_url {s:?} has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("home_url {s:?} must not carry credentials"));
        }
        Ok(HomeUrl(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

impl fmt::Display for HomeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::HomeUrl;

    #[test]
    fn https_and_loopback_http_are_home_pages() {
        for ok in [
            "https://app.example/",
            "https://app.example/start?tenant=contoso",
            "http://127.0.0.1:3000/",
            "http://[::1]:8080/home",
            "http://localhost:5173",
        ] {
            assert!(HomeUrl::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            HomeUrl::parse("https://App.Example").unwrap().as_str(),
            "https://app.example/"
        );
    }

    #[test]
    fn other_addresses_are_refused() {
        for bad in [
            "http://app.example/",
            "http://10.0.0.1/",
            "javascript:alert(1)",
            "data:text/html,hi",
            "ftp://app.example/",
            "/relative",
            "https://user:pw@app.example/",
            "",
        ] {
            assert!(HomeUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(HomeUrl::parse(&format!("https://a.example/{}", "x".repeat(3000))).is_err());
    }
}
