//! Guest identity providers managed through the admin API.

use portico::domain::GrantType;
use portico::store;

use crate::helpers::b2b::b2b;

#[tokio::test]
async fn identity_providers_are_managed_through_the_api_and_never_reveal_secrets() {
    let b = b2b().await;
    let token = crate::helpers::api::admin_token(&b.app).await;
    let call = |method, path: &'static str, body| {
        crate::helpers::api::call(&b.app, method, path, Some(&token), body)
    };
    let spec = serde_json::json!({
        "display_name": "Northwind sign-in",
        "issuer": "https://login.northwind.example/",
        "client_id": "contoso",
        "client_secret": "top-secret-value",
        "domains": ["Northwind.example"],
    });
    let (status, created, _) = call(
        reqwest::Method::POST,
        "/identity-providers",
        Some(spec.clone()),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["has_client_secret"], true);
    assert_eq!(created["domains"], serde_json::json!(["northwind.example"]));
    assert_eq!(created["issuer"], "https://login.northwind.example/");
    assert!(!created.to_string().contains("top-secret-value"));

    // The same domain twice is a conflict; bad input is a 400, not a 500.
    let (status, _, _) = call(reqwest::Method::POST, "/identity-providers", Some(spec)).await;
    assert_eq!(status, 409);
    for bad in [
        serde_json::json!({"display_name": "x", "issuer": "http://evil.example", "client_id": "c", "domains": ["a.example"]}),
        serde_json::json!({"display_name": "x", "issuer": "https://ok.example", "client_id": "c", "domains": []}),
        serde_json::json!({"display_name": "x", "issuer": "https://ok.example", "client_id": "", "domains": ["a.example"]}),
        serde_json::json!({"display_name": "x", "issuer": "https://ok.example", "client_id": "c", "domains": ["a.example"], "scopes": ["openid"]}),
    ] {
        let (status, body, content_type) =
            call(reqwest::Method::POST, "/identity-providers", Some(bad)).await;
        assert_eq!(
            (status, content_type.as_str()),
            (400, "application/problem+json"),
            "{body}"
        );
    }

    let (status, list, _) = call(reqwest::Method::GET, "/identity-providers", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["identity_providers"].as_array().unwrap().len(), 1);
    assert_eq!(list["redemption_order"].as_array().unwrap().len(), 3);
    assert!(!list.to_string().contains("top-secret-value"));

    // Editing: name, domains and secret change; the issuer cannot.
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/identity-providers/{id}");
    let patch = |body: serde_json::Value| {
        crate::helpers::api::call(
            &b.app,
            reqwest::Method::PATCH,
            &path,
            Some(&token),
            Some(body),
        )
    };
    let (status, updated, _) = patch(serde_json::json!({
        "display_name": "Northwind (new)",
        "domains": ["northwind.example", "nw.example"],
        "client_secret": "rotated-secret-value",
    }))
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["display_name"], "Northwind (new)");
    assert_eq!(
        updated["domains"],
        serde_json::json!(["northwind.example", "nw.example"])
    );
    assert_eq!(updated["issuer"], "https://login.northwind.example/");
    let tenant = b.contoso();
    let stored = b
        .app
        .db
        .read_blocking(|c| store::idps::find(c, &tenant.id, &id))
        .unwrap()
        .unwrap();
    let sealed = stored.client_secret_sealed.unwrap();
    assert_eq!(
        b.app.sealer.open(&id, &sealed).unwrap(),
        "rotated-secret-value"
    );
    let (status, _, _) = patch(serde_json::json!({"issuer": "https://other.example"})).await;
    assert_eq!(status, 400);
    let (status, _, _) = patch(serde_json::json!({"domains": []})).await;
    assert_eq!(status, 400);
    let (status, cleared, _) = patch(serde_json::json!({"client_secret": null})).await;
    assert_eq!(
        (status, cleared["has_client_secret"].as_bool()),
        (200, Some(false))
    );
    let (status, _, _) = crate::helpers::api::call(
        &b.app,
        reqwest::Method::PATCH,
        "/identity-providers/no-such-id",
        Some(&token),
        Some(serde_json::json!({"display_name": "x"})),
    )
    .await;
    assert_eq!(status, 404);
    // A second provider may not take a domain the first serves.
    let (status, _, _) = call(
        reqwest::Method::POST,
        "/identity-providers",
        Some(serde_json::json!({
            "display_name": "Other", "issuer": "https://other.example",
            "client_id": "c", "domains": ["other.example"],
        })),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _, _) = patch(serde_json::json!({"domains": ["other.example"]})).await;
    assert_eq!(status, 409);

    // The audit log records the changes without the secrets.
    let (_, audit, _) = call(reqwest::Method::GET, "/audit", None).await;
    assert!(audit.to_string().contains("idp.added"), "{audit}");
    assert!(audit.to_string().contains("idp.updated"), "{audit}");
    assert!(!audit.to_string().contains("top-secret-value"));
    assert!(!audit.to_string().contains("rotated-secret-value"));

    // A member without the admin role cannot manage providers.
    let portal = b.app.app(
        "contoso",
        false,
        true,
        vec![GrantType::AuthorizationCode],
        vec![],
    );
    let member = crate::helpers::tokens_for_member(
        &b.app,
        "contoso",
        &portal,
        "megan@contoso.example",
        "openid",
    )
    .await;
    let (status, _, _) = crate::helpers::api::call(
        &b.app,
        reqwest::Method::GET,
        "/identity-providers",
        member["access_token"].as_str(),
        None,
    )
    .await;
    assert_eq!(status, 403);
}
