//! Link-local, metadata and (unless allowed) private issuers are refused by the API and the CLI.

use super::*;

#[tokio::test]
async fn link_local_metadata_and_private_issuers_are_refused_by_the_api() {
    let b = b2b().await;
    let token = crate::helpers::api::admin_token(&b.app).await;
    let refused = [
        ("http://169.254.169.254/", "metadata"),
        ("https://169.254.169.254/latest/meta-data", "metadata"),
        ("https://[fe80::1]/", "link-local"),
        ("https://2852039166/", "metadata"),
        ("https://metadata.google.internal/", "metadata"),
        ("https://10.0.0.1/", "private network"),
        ("https://192.168.1.20:8443/idp", "private network"),
    ];
    for (i, (issuer, why)) in refused.iter().enumerate() {
        let domain = format!("d{i}.example");
        let (status, body, content_type) = api(
            &b,
            &token,
            reqwest::Method::POST,
            "/identity-providers",
            Some(provider(issuer, &domain)),
        )
        .await;
        assert_eq!(
            (status, content_type.as_str()),
            (400, "application/problem+json"),
            "{issuer}: {body}"
        );
        assert!(body["detail"].as_str().unwrap().contains(why), "{body}");
    }
    // The federation upstream follows the same rules.
    let (status, body, _) = api(
        &b,
        &token,
        reqwest::Method::PUT,
        "/federation",
        Some(serde_json::json!({
            "display_name": "Corp", "issuer": "https://169.254.169.254/", "client_id": "c",
        })),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (_, view, _) = api(&b, &token, reqwest::Method::GET, "/federation", None).await;
    assert_eq!(view["auth_mode"], "local");
    // Loopback stays usable; public names are fine.
    for (issuer, domain) in [
        ("http://127.0.0.1:9/t/x", "loop.example"),
        ("https://login.partner.example/", "partner.example"),
    ] {
        let (status, body, _) = api(
            &b,
            &token,
            reqwest::Method::POST,
            "/identity-providers",
            Some(provider(issuer, domain)),
        )
        .await;
        assert_eq!(status, 201, "{issuer}: {body}");
    }
}

#[tokio::test]
async fn private_issuers_are_accepted_once_the_operator_allows_private_networks() {
    let b = b2b_with(|s| s.egress.allow_private_networks = true).await;
    let token = crate::helpers::api::admin_token(&b.app).await;
    let (status, body, _) = api(
        &b,
        &token,
        reqwest::Method::POST,
        "/identity-providers",
        Some(provider("https://10.0.0.1/", "intranet.example")),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // Link-local and metadata addresses stay refused.
    let (status, body, _) = api(
        &b,
        &token,
        reqwest::Method::POST,
        "/identity-providers",
        Some(provider("https://169.254.169.254/", "meta.example")),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

fn portico(db: &str, args: &[&str], allow_private: bool) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
    command
        .args(args)
        .args(["--database-url", db])
        .env("PORTICO_SECRET_KEY", SECRET_KEY)
        .env_remove("PORTICO_IDP_ALLOW_PRIVATE_NETWORKS")
        .stdin(Stdio::null());
    if allow_private {
        command.arg("--idp-allow-private-networks");
    }
    command.output().unwrap()
}

#[test]
fn the_cli_refuses_metadata_and_private_issuers() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir);
    cli(
        &db,
        &[
            "tenant",
            "create",
            "contoso",
            "--name",
            "Contoso",
            "--domain",
            "contoso.example",
        ],
    );
    let add = |issuer: &str, domain: &str| {
        vec![
            "idp".to_owned(),
            "add".into(),
            "--tenant".into(),
            "contoso".into(),
            "--name".into(),
            "Partner".into(),
            "--issuer".into(),
            issuer.into(),
            "--client-id".into(),
            "c".into(),
            "--domain".into(),
            domain.into(),
        ]
    };
    let run = |args: &[String], allow: bool| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        portico(&db, &args, allow)
    };
    for (issuer, allow) in [
        ("https://169.254.169.254/", false),
        ("https://169.254.169.254/", true),
        ("https://10.0.0.1/", false),
    ] {
        let output = run(&add(issuer, "a.example"), allow);
        assert!(!output.status.success(), "{issuer} accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("refused"), "{stderr}");
    }
    let output = run(&add("https://10.0.0.1/", "a.example"), true);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let added: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(added["email_verified_trusted"], false);
    let id = added["id"].as_str().unwrap();

    // The email trust flag, through `idp update`.
    let update = |value: &str| {
        vec![
            "idp".to_owned(),
            "update".into(),
            "--tenant".into(),
            "contoso".into(),
            "--id".into(),
            id.into(),
            "--email-verified-trusted".into(),
            value.into(),
        ]
    };
    // Updating re-checks the issuer: a private one needs the setting.
    assert!(!run(&update("true"), false).status.success());
    let output = run(&update("true"), true);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let updated: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(updated["email_verified_trusted"], true);

    // Federation too.
    let output = portico(
        &db,
        &[
            "federation",
            "set",
            "--tenant",
            "contoso",
            "--name",
            "Corp",
            "--issuer",
            "https://[fe80::1]/",
            "--client-id",
            "c",
        ],
        true,
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("link-local"));
}
