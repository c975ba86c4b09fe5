//! The egress guard: address checks after resolution, pinning to the issuer.

use std::net::IpAddr;

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
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
