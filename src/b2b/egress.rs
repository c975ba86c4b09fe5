//! Every call this server makes to another OpenID provider (discovery, JWKS,
//! token endpoint) goes through here, so that a tenant administrator cannot
//! point the server at internal services (SSRF, issue 9 item 6):
//!
//! - Addresses are classified ([`classify`]). Link-local (169.254.0.0/16,
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
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use openidconnect::reqwest;
use openidconnect::{HttpRequest, HttpResponse};
use url::{Host, Url};

/// Largest answer read from another provider (discovery, keys, tokens).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// The discovery path that openidconnect appends to an issuer.
const DISCOVERY_SUFFIX: &str = "/.well-known/openid-configuration";

/// Host names of cloud metadata services, refused like their addresses.
const METADATA_NAMES: &[&str] = &[
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
    "instance-data",
    "instance-data.ec2.internal",
];

/// Metadata and platform-agent addresses outside the link-local range.
const METADATA_V4: &[Ipv4Addr] = &[
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(169, 254, 170, 2),
    Ipv4Addr::new(100, 100, 100, 200),
    Ipv4Addr::new(168, 63, 129, 16),
];
const METADATA_V6: &[Ipv6Addr] = &[Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254)];

/// What an address is, for the purpose of calling it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressClass {
    /// 127.0.0.0/8 and ::1: always allowed.
    Loopback,
    /// RFC 1918, CGNAT, unique-local and similar: allowed only when the
    /// operator allows private networks.
    Private,
    Public,
    /// Never called: the reason says why.
    Forbidden(&'static str),
}

/// Classifies an address; IPv4 addresses embedded in IPv6 (mapped,
/// compatible, NAT64) are classified as the IPv4 address they carry.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let o = ip.octets();
    if METADATA_V4.contains(&ip) {
        AddressClass::Forbidden("a cloud metadata address")
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if o[0] == 0 {
        AddressClass::Forbidden("an unspecified address")
    } else if ip.is_link_local() {
        AddressClass::Forbidden("a link-local address")
    } else if ip.is_multicast() {
        AddressClass::Forbidden("a multicast address")
    } else if ip.is_broadcast() || o[0] >= 240 {
        AddressClass::Forbidden("a broadcast or reserved address")
    } else if ip.is_documentation() {
        AddressClass::Forbidden("a documentation address")
    } else if ip.is_private()
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
    {
        AddressClass::Private
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let first = ip.segments()[0];
    if METADATA_V6.contains(&ip) {
        AddressClass::Forbidden("a cloud metadata address")
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_unspecified() {
        AddressClass::Forbidden("an unspecified address")
    } else if ip.is_multicast() {
        AddressClass::Forbidden("a multicast address")
    } else if first & 0xffc0 == 0xfe80 {
        AddressClass::Forbidden("a link-local address")
    } else if first == 0x2001 && ip.segments()[1] == 0x0db8 {
        AddressClass::Forbidden("a documentation address")
    } else if first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfec0 {
        AddressClass::Private
    } else {
        AddressClass::Public
    }
}

/// The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
/// (::a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s[..6] {
        [0, 0, 0, 0, 0, 0xffff] => Some(tail),
        [0, 0, 0, 0, 0, 0] if !ip.is_loopback() && !ip.is_unspecified() => Some(tail),
        [0x64, 0xff9b, 0, 0, 0, 0] => Some(tail),
        _ => None,
    }
}

/// An extra host that the operator allows one issuer's endpoints on
/// (`--idp-endpoint-host ISSUER=HOST[:PORT]`), e.g. a provider whose keys
/// are served from another domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointHost {
    /// The issuer URL as configured (compared without a trailing slash).
    pub issuer: String,
    /// Lower-case host name or IP address (IPv6 in brackets).
    pub host: String,
    /// `None`: the scheme's default port.
    pub port: Option<u16>,
}

impl FromStr for EndpointHost {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let usage = || format!("{value:?} is not ISSUER=HOST[:PORT]");
        let (issuer, host_port) = value.trim().rsplit_once('=').ok_or_else(usage)?;
        let parsed = Url::parse(issuer).map_err(|_| usage())?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(usage());
        }
        let (host, port) = match host_port.strip_prefix('[') {
            Some(rest) => {
                let (addr, after) = rest.split_once(']').ok_or_else(usage)?;
                (format!("[{addr}]"), after.strip_prefix(':'))
            }
            None => match host_port.split_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (host_port.to_owned(), None),
            },
        };
        let host = Host::parse(&host).map_err(|_| usage())?.to_string();
        let port = port
            .map(|p| p.parse::<u16>().map_err(|_| usage()))
            .transpose()?;
        Ok(EndpointHost {
            issuer: issuer.trim_end_matches('/').to_owned(),
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

/// The operator's egress settings (`serve` flags, see the README).
#[derive(Clone, Debug, Default)]
pub struct EgressPolicy {
    /// Allow RFC 1918 / CGNAT / unique-local addresses (link-local and
    /// metadata addresses stay refused).
    pub allow_private_networks: bool,
    /// Hosts besides the issuer's own that an issuer's endpoints may be on.
    pub endpoint_hosts: Vec<EndpointHost>,
}

/// Why a call to another provider was refused.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

impl EgressPolicy {
    /// Whether `ip` may be called under this policy.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        match classify(ip) {
            AddressClass::Loopback | AddressClass::Public => Ok(()),
            AddressClass::Private if self.allow_private_networks => Ok(()),
            AddressClass::Private => Err(format!(
                "{ip} is a private network address; the operator can allow private networks (--idp-allow-private-networks)"
            )),
            AddressClass::Forbidden(what) => Err(format!("{ip} is {what}, never called")),
        }
    }

    /// The configuration-time check of an issuer (or endpoint) host: literal
    /// addresses by class, metadata host names always. Names are resolved
    /// (and checked again) on every connection.
    pub fn check_host(&self, url: &Url) -> Result<(), String> {
        match url.host() {
            None => Err(format!("{url} has no host")),
            Some(Host::Ipv4(ip)) => self.check_ip(ip.into()),
            Some(Host::Ipv6(ip)) => self.check_ip(ip.into()),
            Some(Host::Domain(name)) => check_name(name),
        }
    }

    /// The check `ProviderSpec` validation applies to an issuer.
    pub fn check_issuer(&self, issuer: &str) -> Result<(), String> {
        let url = Url::parse(issuer).map_err(|_| format!("issuer {issuer:?} is not a URL"))?;
        self.check_host(&url)
            .map_err(|why| format!("issuer {issuer} refused: {why}"))
    }

    fn extra_hosts_for<'a>(&'a self, issuer: &'a str) -> impl Iterator<Item = &'a EndpointHost> {
        let issuer = issuer.trim_end_matches('/');
        self.endpoint_hosts
            .iter()
            .filter(move |e| e.issuer == issuer)
    }
}

fn check_name(name: &str) -> Result<(), String> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if METADATA_NAMES.contains(&name.as_str()) {
        return Err(format!("{name} is a cloud metadata service, never called"));
    }
    Ok(())
}

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
    fake_dns: Option<Arc<std::collections::HashMap<String, Vec<IpAddr>>>>,
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
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_are_classified() {
        use AddressClass::*;
        for s in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(classify(ip(s)), Loopback, "{s}");
        }
        for s in [
            "10.0.0.1",
            "172.16.5.4",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "fd12:3456::1",
            "fc00::1",
            "::ffff:10.1.2.3",
            "64:ff9b::a00:1",
        ] {
            assert_eq!(classify(ip(s)), Private, "{s}");
        }
        for s in ["8.8.8.8", "172.32.0.1", "2606:4700::1111", "100.128.0.1"] {
            assert_eq!(classify(ip(s)), Public, "{s}");
        }
        for s in [
            "169.254.169.254",
            "169.254.0.1",
            "169.254.170.2",
            "100.100.100.200",
            "168.63.129.16",
            "fd00:ec2::254",
            "fe80::1",
            "febf::1",
            "0.0.0.0",
            "0.1.2.3",
            "::",
            "224.0.0.1",
            "ff02::1",
            "255.255.255.255",
            "240.0.0.1",
            "::ffff:169.254.169.254",
            "::a9fe:a9fe",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(matches!(classify(ip(s)), Forbidden(_)), "{s}");
        }
    }

    #[test]
    fn issuers_are_checked_at_configuration_time() {
        let strict = EgressPolicy::default();
        let open = EgressPolicy {
            allow_private_networks: true,
            ..EgressPolicy::default()
        };
        for issuer in [
            "http://169.254.169.254/",
            "https://169.254.169.254/latest",
            // The same address in the other notations URL parsers accept.
            "https://2852039166/",
            "https://0xa9fea9fe/",
            "https://[::ffff:169.254.169.254]/",
            "https://[fe80::1]/",
            "https://metadata.google.internal/",
            "https://METADATA.google.internal./",
            "https://0.0.0.0/",
        ] {
            assert!(strict.check_issuer(issuer).is_err(), "{issuer}");
            assert!(open.check_issuer(issuer).is_err(), "{issuer}");
        }
        for issuer in [
            "https://10.0.0.1/",
            "https://192.168.0.10:8443/x",
            "https://[fd00::1]/",
        ] {
            let err = strict.check_issuer(issuer).unwrap_err();
            assert!(err.contains("private network"), "{err}");
            assert!(open.check_issuer(issuer).is_ok(), "{issuer}");
        }
        for issuer in [
            "https://login.example.com/tenant",
            "http://127.0.0.1:8080/t/x",
            "http://localhost:1/",
            "http://[::1]:9/",
        ] {
            assert!(strict.check_issuer(issuer).is_ok(), "{issuer}");
        }
    }

    #[test]
    fn the_resolver_drops_forbidden_addresses_after_resolution() {
        let addrs = |list: &[&str]| -> Vec<SocketAddr> {
            list.iter().map(|s| SocketAddr::new(ip(s), 443)).collect()
        };
        let strict = GuardedResolver::new(Arc::new(EgressPolicy::default()), None);
        // A name that resolves to the metadata address only is refused.
        let err = strict
            .filter("rebind.example", addrs(&["169.254.169.254"]))
            .unwrap_err();
        assert!(err.0.contains("metadata"), "{err}");
        // Mixed answers keep only what may be called.
        assert_eq!(
            strict
                .filter(
                    "mixed.example",
                    addrs(&["169.254.169.254", "10.0.0.1", "8.8.8.8", "fe80::1"])
                )
                .unwrap(),
            addrs(&["8.8.8.8"])
        );
        assert!(
            strict
                .filter("intranet.example", addrs(&["10.0.0.1"]))
                .is_err()
        );
        assert_eq!(
            strict
                .filter("localhost", addrs(&["127.0.0.1", "::1"]))
                .unwrap(),
            addrs(&["127.0.0.1", "::1"])
        );
        assert!(
            strict
                .filter("metadata.google.internal", addrs(&["8.8.8.8"]))
                .is_err()
        );
        let open = GuardedResolver::new(
            Arc::new(EgressPolicy {
                allow_private_networks: true,
                ..EgressPolicy::default()
            }),
            None,
        );
        assert_eq!(
            open.filter("intranet.example", addrs(&["10.0.0.1"]))
                .unwrap(),
            addrs(&["10.0.0.1"])
        );
        assert!(
            open.filter("rebind.example", addrs(&["169.254.169.254"]))
                .is_err()
        );
        // The server's own public host is never filtered.
        let own = GuardedResolver::new(
            Arc::new(EgressPolicy::default()),
            Some("portico.internal".into()),
        );
        assert!(own.filter("portico.internal", addrs(&["10.0.0.5"])).is_ok());
    }

    /// A client whose DNS answers are `answers` (name, address).
    fn client_with_dns(policy: EgressPolicy, answers: &[(&str, &str)]) -> EgressClient {
        let policy = Arc::new(policy);
        let mut fake = std::collections::HashMap::<String, Vec<IpAddr>>::new();
        for (name, addr) in answers {
            fake.entry(name.to_string()).or_default().push(ip(addr));
        }
        let mut resolver = GuardedResolver::new(policy.clone(), None);
        resolver.fake_dns = Some(Arc::new(fake));
        EgressClient::with_resolver(
            policy,
            None,
            resolver,
            Duration::from_secs(1),
            Duration::from_secs(2),
        )
        .unwrap()
    }

    async fn discover(client: &EgressClient, issuer: &str) -> Result<(), EgressError> {
        let issuer = openidconnect::IssuerUrl::new(issuer.into()).unwrap();
        match openidconnect::core::CoreProviderMetadata::discover_async(issuer, client).await {
            Ok(_) => Ok(()),
            Err(openidconnect::DiscoveryError::Request(e)) => Err(e),
            Err(other) => Err(EgressError::Other(other.to_string())),
        }
    }

    const FAKE_DNS: &[(&str, &str)] = &[
        ("idp.example", "169.254.169.254"),
        ("intranet.example", "10.0.0.7"),
        ("v6.example", "fe80::1"),
        ("mapped.example", "::ffff:169.254.169.254"),
        ("mixed.example", "169.254.169.254"),
        ("mixed.example", "127.0.0.1"),
        ("loop.example", "127.0.0.1"),
    ];

    #[tokio::test]
    async fn a_host_name_resolving_to_a_forbidden_address_is_refused_at_connect_time() {
        // These names pass the configuration check (they are not addresses);
        // their DNS answers are the metadata service or a private address.
        // No connection is attempted to any of them.
        let policy = EgressPolicy::default();
        assert!(policy.check_issuer("https://idp.example").is_ok());
        for issuer in [
            "http://idp.example",
            "https://intranet.example",
            "https://v6.example",
            "https://mapped.example",
        ] {
            let c = client_with_dns(policy.clone(), FAKE_DNS);
            let err = discover(&c, issuer).await.unwrap_err();
            assert!(err.is_refused(), "{issuer}: {err}");
        }
        // A literal metadata address never reaches the resolver: it is
        // refused before the request (checked without sending one).
        let c = client_with_dns(policy.clone(), FAKE_DNS);
        let literal = url("http://169.254.169.254/.well-known/openid-configuration");
        assert!(c.check(&literal).is_err());
        // Names resolving to loopback (only, or besides a forbidden address)
        // go through to the connection: nothing listens on port 9 here, so
        // that fails, but it is not a refusal.
        for issuer in ["http://loop.example:9", "http://mixed.example:9"] {
            let c = client_with_dns(policy.clone(), FAKE_DNS);
            let err = discover(&c, issuer).await.unwrap_err();
            assert!(!err.is_refused(), "{issuer}: {err}");
        }
    }

    fn client(policy: EgressPolicy) -> EgressClient {
        EgressClient::new(
            &policy,
            "https://portico.example",
            Duration::from_secs(1),
            Duration::from_secs(2),
        )
        .unwrap()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn a_client_is_pinned_to_its_issuers_host() {
        let issuer = "https://login.example.com/tenant/";
        let c = client(EgressPolicy::default()).pinned(issuer).unwrap();
        assert!(
            c.check(&url("https://login.example.com/tenant/keys"))
                .is_ok()
        );
        assert!(c.check(&url("https://login.example.com:443/token")).is_ok());
        for other in [
            "https://keys.example.com/jwks",
            "http://login.example.com/token",
            "https://login.example.com:8443/token",
            "https://evil.example/token",
            "http://169.254.169.254/latest/meta-data",
            "file:///etc/passwd",
        ] {
            assert!(c.check(&url(other)).is_err(), "{other}");
        }
        // The server's own public origin is no exception to the pinning...
        assert!(c.check(&url("https://portico.example/t/x/token")).is_err());

        // The operator allows an extra host for this issuer only.
        let policy = EgressPolicy {
            endpoint_hosts: vec![
                "https://login.example.com/tenant=keys.example.com"
                    .parse()
                    .unwrap(),
                "https://login.example.com/tenant=127.0.0.1:9999"
                    .parse()
                    .unwrap(),
            ],
            ..EgressPolicy::default()
        };
        let c = client(policy.clone()).pinned(issuer).unwrap();
        assert!(c.check(&url("https://keys.example.com/jwks")).is_ok());
        assert!(c.check(&url("http://keys.example.com/jwks")).is_err());
        assert!(c.check(&url("https://keys.example.com:444/jwks")).is_err());
        assert!(c.check(&url("http://127.0.0.1:9999/token")).is_ok());
        let other = client(policy).pinned("https://other.example.com").unwrap();
        assert!(other.check(&url("https://keys.example.com/jwks")).is_err());
    }

    #[test]
    fn the_servers_own_origin_is_exempt_from_address_checks_only() {
        // ...but a tenant here, at a private address the operator chose,
        // stays reachable as a guest's home.
        let own = EgressClient::new(
            &EgressPolicy::default(),
            "http://10.1.2.3:8080",
            Duration::from_secs(1),
            Duration::from_secs(2),
        )
        .unwrap()
        .pinned("http://10.1.2.3:8080/t/proseware")
        .unwrap();
        assert!(
            own.check(&url("http://10.1.2.3:8080/t/proseware/jwks"))
                .is_ok()
        );
        assert!(
            own.check(&url("http://10.1.2.4:8080/t/proseware/jwks"))
                .is_err()
        );
        let other = client(EgressPolicy::default())
            .pinned("https://10.1.2.3/")
            .unwrap();
        assert!(other.check(&url("https://10.1.2.3/jwks")).is_err());
    }

    #[test]
    fn an_unpinned_client_pins_to_the_first_discovery_document() {
        let policy = EgressPolicy {
            endpoint_hosts: vec!["https://idp.example/a=keys.example".parse().unwrap()],
            ..EgressPolicy::default()
        };
        let c = client(policy);
        assert!(
            c.check(&url(
                "https://idp.example/a/.well-known/openid-configuration"
            ))
            .is_ok()
        );
        assert!(c.check(&url("https://keys.example/jwks")).is_ok());
        assert!(c.check(&url("https://elsewhere.example/jwks")).is_err());
    }

    #[test]
    fn endpoint_hosts_parse() {
        let e: EndpointHost = "https://accounts.example.com/=WWW.Keys.example:8443"
            .parse()
            .unwrap();
        assert_eq!(e.issuer, "https://accounts.example.com");
        assert_eq!((e.host.as_str(), e.port), ("www.keys.example", Some(8443)));
        let e: EndpointHost = "http://127.0.0.1:5/t/a=[::1]:7".parse().unwrap();
        assert_eq!((e.host.as_str(), e.port), ("[::1]", Some(7)));
        for bad in [
            "no-equals",
            "notaurl=host",
            "https://x.example=",
            "https://x.example=h:port",
        ] {
            assert!(bad.parse::<EndpointHost>().is_err(), "{bad}");
        }
    }
}
