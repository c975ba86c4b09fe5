//! Every call this server makes to another OpenID provider (discovery, JWKS,
//! token endpoint) goes through here, so that a tenant administrator cannot
//! point the server at internal services (SSRF, issue 9 item 6):
//!
//! - Addresses are classified ([`crate::domain::egress::classify`]). Link-local (169.254.0.0/16,
//!   fe80::/10), cloud-metadata, unspecified, multicast, broadcast and reserved
//!   addresses are refused always; private ranges (RFC 1918, CGNAT, unique
//!   local) only unless the operator allows private networks; loopback stays
//!   usable (the demo and the tests run on 127.0.0.1).
//! - The check runs when a provider is configured (literal addresses in the
//!   issuer, [`EgressPolicy::check_issuer`]) and again on every connection:
//!   host names go through [`GuardedResolver`], which drops forbidden
//!   addresses after DNS resolution; literal-IP URLs (which reqwest never
//!   resolves) are checked by [`EgressClient`] before the request is sent.
//! - An [`EgressClient`] is pinned to one issuer: every URL it calls must have
//!   the issuer's scheme, host and port, unless the operator allowed extra
//!   endpoint hosts for that issuer ([`EndpointHost`]). A discovery document
//!   that sends `jwks_uri` or `token_endpoint` elsewhere is refused, so the
//!   client secret (HTTP Basic at the token endpoint) never leaves the
//!   issuer's host.
//! - No redirects are followed; connect and overall timeouts bound each call;
//!   answers are capped in size.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use openidconnect::reqwest;
use openidconnect::{HttpRequest, HttpResponse};
use url::{Host, Url};

use crate::domain::egress::check_name;
pub use crate::domain::egress::{EgressPolicy, EndpointHost};

/// Largest answer read from another provider (discovery, keys, tokens).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// The discovery path that openidconnect appends to an issuer.
const DISCOVERY_SUFFIX: &str = "/.well-known/openid-configuration";

/// Why a call to another provider was refused.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Scheme, host and port of a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn of(url: &Url) -> Option<Origin> {
        Some(Origin {
            scheme: url.scheme().to_owned(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default(),
        })
    }
}

/// A DNS resolver that drops addresses the policy forbids, after resolution,
/// so that a host name pointing at a metadata or private address is refused
/// at connect time. The server's own public host is not filtered.
#[derive(Clone, Debug)]
pub struct GuardedResolver {
    policy: Arc<EgressPolicy>,
    own_host: Option<String>,
    /// Fixed answers instead of the system resolver (unit tests).
    #[cfg(test)]
    fake_dns: Option<Arc<std::collections::HashMap<String, Vec<std::net::IpAddr>>>>,
}

impl GuardedResolver {
    pub fn new(policy: Arc<EgressPolicy>, own_host: Option<String>) -> GuardedResolver {
        GuardedResolver {
            policy,
            own_host,
            #[cfg(test)]
            fake_dns: None,
        }
    }

    /// The addresses of `host` that may be called; an error when none may.
    pub fn filter(&self, host: &str, addrs: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, Refused> {
        if self
            .own_host
            .as_deref()
            .is_some_and(|own| own.eq_ignore_ascii_case(host))
        {
            return Ok(addrs);
        }
        check_name(host).map_err(Refused)?;
        let mut why = None;
        let kept: Vec<SocketAddr> = addrs
            .into_iter()
            .filter(|a| match self.policy.check_ip(a.ip()) {
                Ok(()) => true,
                Err(e) => {
                    why.get_or_insert(e);
                    false
                }
            })
            .collect();
        if kept.is_empty() {
            let why = why.unwrap_or_else(|| "no address".into());
            tracing::warn!(host, reason = %why, "identity provider host refused after DNS resolution");
            return Err(Refused(format!("{host} resolves to {why}")));
        }
        Ok(kept)
    }

    /// Resolves `host` with the system resolver and filters the answer.
    pub async fn lookup(
        &self,
        host: &str,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        #[cfg(test)]
        if let Some(fake) = &self.fake_dns {
            let answer = fake.get(host).ok_or("no such host")?;
            let addrs = answer.iter().map(|ip| SocketAddr::new(*ip, 0)).collect();
            let kept = self.filter(host, addrs)?;
            // Tests never leave loopback, even when the filter is broken.
            if let Some(outside) = kept.iter().find(|a| !a.ip().is_loopback()) {
                return Err(format!("test DNS: {outside} kept; not connecting").into());
            }
            return Ok(kept);
        }
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
        Ok(self.filter(host, addrs)?)
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = self.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = resolver.lookup(&host).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Why a call through an [`EgressClient`] failed.
#[derive(Debug, thiserror::Error)]
pub enum EgressError {
    /// The policy refused the URL or every address of its host.
    #[error("refused: {0}")]
    Refused(Refused),
    #[error("{}", chain(.0))]
    Http(#[from] reqwest::Error),
    #[error("{0}")]
    Other(String),
}

impl EgressError {
    /// Whether the call was refused by the policy (rather than failing).
    pub fn is_refused(&self) -> bool {
        match self {
            EgressError::Refused(_) => true,
            EgressError::Http(e) => {
                let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
                while let Some(err) = source {
                    if err.is::<Refused>() {
                        return true;
                    }
                    source = err.source();
                }
                false
            }
            EgressError::Other(_) => false,
        }
    }
}

/// An error and its causes on one line (reqwest's own message is terse).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    text
}

/// Where an [`EgressClient`] may send requests.
#[derive(Clone, Debug)]
struct Pinned {
    issuer: String,
    origin: Origin,
    extra: Vec<EndpointHost>,
}

/// The HTTP client for calls to another OpenID provider (implements
/// openidconnect's `AsyncHttpClient`). It is pinned to one issuer, either
/// explicitly ([`EgressClient::pinned`]) or by the first URL it calls (the
/// issuer's discovery document).
#[derive(Debug)]
pub struct EgressClient {
    inner: reqwest::Client,
    policy: Arc<EgressPolicy>,
    /// The server's own public origin: exempt from the address checks (a
    /// tenant here is a guest's home at the address the operator chose).
    own: Option<Origin>,
    pin: OnceLock<Pinned>,
}

impl EgressClient {
    /// A client under `policy`, with the given bounds; `public_url` is this
    /// server's own base URL.
    pub fn new(
        policy: &EgressPolicy,
        public_url: &str,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<EgressClient, reqwest::Error> {
        let policy = Arc::new(policy.clone());
        let own = Url::parse(public_url).ok().and_then(|u| Origin::of(&u));
        let resolver = GuardedResolver::new(policy.clone(), own.as_ref().map(|o| o.host.clone()));
        Self::with_resolver(policy, own, resolver, connect_timeout, timeout)
    }

    fn with_resolver(
        policy: Arc<EgressPolicy>,
        own: Option<Origin>,
        resolver: GuardedResolver,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<EgressClient, reqwest::Error> {
        let inner = reqwest::ClientBuilder::new()
            // No redirects: SSRF guard required by openidconnect's docs.
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(resolver))
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .build()?;
        Ok(EgressClient {
            inner,
            policy,
            own,
            pin: OnceLock::new(),
        })
    }

    /// Pins the client to `issuer` (before its first call).
    pub fn pinned(self, issuer: &str) -> Result<EgressClient, Refused> {
        let url = Url::parse(issuer).map_err(|_| Refused(format!("{issuer:?} is not a URL")))?;
        let pin = self.pin_for(issuer, &url)?;
        let _ = self.pin.set(pin);
        Ok(self)
    }

    fn pin_for(&self, issuer: &str, url: &Url) -> Result<Pinned, Refused> {
        Ok(Pinned {
            issuer: issuer.to_owned(),
            origin: Origin::of(url).ok_or_else(|| Refused(format!("{url} has no host")))?,
            extra: self.policy.extra_hosts_for(issuer).cloned().collect(),
        })
    }

    /// Whether this client may call `url`: the issuer's origin or a host the
    /// operator allowed for it, and an address the policy allows.
    pub fn check(&self, url: &Url) -> Result<(), Refused> {
        let outcome = self.check_inner(url);
        if let Err(why) = &outcome {
            tracing::warn!(
                issuer = self.pin.get().map(|p| p.issuer.as_str()).unwrap_or(""),
                url = %url,
                reason = %why,
                "call to an identity provider refused"
            );
        }
        outcome
    }

    fn check_inner(&self, url: &Url) -> Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused(format!("{url} is not an http(s) URL")));
        }
        let origin = Origin::of(url).ok_or_else(|| Refused(format!("{url} has no host")))?;
        let pin = match self.pin.get() {
            Some(pin) => pin,
            None => {
                // Not pinned yet: the first call is the issuer's discovery.
                let mut issuer = url.clone();
                issuer.set_query(None);
                issuer.set_fragment(None);
                let text = issuer.as_str();
                let issuer = text
                    .strip_suffix(DISCOVERY_SUFFIX)
                    .unwrap_or(text)
                    .to_owned();
                let pin = self.pin_for(&issuer, url)?;
                self.pin.get_or_init(|| pin)
            }
        };
        if origin != pin.origin {
            let allowed = pin.extra.iter().any(|e| {
                e.host == origin.host
                    && origin.port == e.port.or_else(|| default_port(&origin.scheme))
                    && (origin.scheme == "https" || is_loopback_host(url))
            });
            if !allowed {
                return Err(Refused(format!(
                    "{url} is not on the host of the issuer {} (the operator can allow it with --idp-endpoint-host)",
                    pin.issuer
                )));
            }
        }
        if self.own.as_ref() == Some(&origin) {
            // This server itself (another tenant here): its address is the
            // operator's choice.
            return Ok(());
        }
        self.policy.check_host(url).map_err(Refused)
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, EgressError> {
        let url = Url::parse(&request.uri().to_string())
            .map_err(|e| EgressError::Other(format!("bad request URL: {e}")))?;
        self.check(&url).map_err(EgressError::Refused)?;
        let request = reqwest::Request::try_from(request)?;
        let mut response = self.inner.execute(request).await?;
        let mut builder = openidconnect::http::Response::builder()
            .status(response.status())
            .version(response.version());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(EgressError::Other(format!(
                    "the answer from {url} is larger than {MAX_RESPONSE_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        builder
            .body(body)
            .map_err(|e| EgressError::Other(e.to_string()))
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

impl<'c> openidconnect::AsyncHttpClient<'c> for EgressClient {
    type Error = EgressError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, EgressError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

#[cfg(test)]
mod tests;
