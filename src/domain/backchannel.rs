//! Back-Channel Logout 1.0 §2.2: the URI an app registers to hear of the
//! end of a session. Absolute, no fragment, https (http only on loopback,
//! as for native apps in development); checked against the operator's
//! egress policy where it is registered.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

use super::egress::EgressPolicy;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackchannelUri(Url);

impl BackchannelUri {
    /// The syntax rules of §2.2 and ours (no credentials in the URL).
    pub fn parse(raw: &str) -> Result<BackchannelUri, String> {
        let bad = |why: &str| format!("backchannel_logout_uri {raw:?} {why}");
        let url = Url::parse(raw).map_err(|_| bad("is not an absolute URL"))?;
        if url.fragment().is_some() {
            return Err(bad("must not contain a fragment"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not contain credentials"));
        }
        let Some(host) = url.host() else {
            return Err(bad("has no host"));
        };
        match url.scheme() {
            "https" => Ok(BackchannelUri(url)),
            "http" if is_loopback(&host) => Ok(BackchannelUri(url)),
            _ => Err(bad("must use https (http only on a loopback address)")),
        }
    }

    /// `parse`, then the registration-time egress check (literal addresses
    /// by class, metadata host names); names are checked again on each call.
    pub fn registered(raw: &str, policy: &EgressPolicy) -> Result<BackchannelUri, String> {
        let uri = BackchannelUri::parse(raw)?;
        policy
            .check_host(&uri.0)
            .map_err(|why| format!("backchannel_logout_uri refused: {why}"))?;
        Ok(uri)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &Url {
        &self.0
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

impl fmt::Display for BackchannelUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_or_loopback_http_without_fragment() {
        for ok in [
            "https://app.example/logout",
            "https://app.example/bc?tenant=1",
            "http://127.0.0.1:8080/bc",
            "http://[::1]:9/bc",
            "http://localhost/bc",
        ] {
            assert!(BackchannelUri::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "/relative",
            "http://app.example/bc",
            "https://app.example/bc#x",
            "https://user:pw@app.example/bc",
            "ftp://app.example/bc",
            "javascript:alert(1)",
        ] {
            assert!(BackchannelUri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn registration_applies_the_egress_policy() {
        let strict = EgressPolicy::default();
        assert!(BackchannelUri::registered("https://169.254.169.254/x", &strict).is_err());
        assert!(BackchannelUri::registered("https://metadata.google.internal/", &strict).is_err());
        assert!(BackchannelUri::registered("https://10.0.0.5/bc", &strict).is_err());
        let open = EgressPolicy {
            allow_private_networks: true,
            ..EgressPolicy::default()
        };
        assert!(BackchannelUri::registered("https://10.0.0.5/bc", &open).is_ok());
        assert!(BackchannelUri::registered("http://127.0.0.1:1/bc", &strict).is_ok());
    }
}
