//! The operator's egress policy: which addresses and hosts this server may
//! call when it talks to another OpenID provider (SSRF, issue 9 item 6).
//! A value only: the connector that enforces it on every connection is
//! `b2b::egress`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use url::{Host, Url};

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

    /// The extra hosts the operator allowed for `issuer`'s endpoints.
    pub fn extra_hosts_for<'a>(
        &'a self,
        issuer: &'a str,
    ) -> impl Iterator<Item = &'a EndpointHost> {
        let issuer = issuer.trim_end_matches('/');
        self.endpoint_hosts
            .iter()
            .filter(move |e| e.issuer == issuer)
    }
}

/// Refuses the host names of cloud metadata services.
pub fn check_name(name: &str) -> Result<(), String> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if METADATA_NAMES.contains(&name.as_str()) {
        return Err(format!("{name} is a cloud metadata service, never called"));
    }
    Ok(())
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
