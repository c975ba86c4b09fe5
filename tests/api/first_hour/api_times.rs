//! Every time the admin API answers with is RFC 3339 with a zone (`Z`).

use reqwest::Method;

use crate::helpers::api::{admin_token, call};
use crate::helpers::spawn_app;

/// Every value under a key named `at` or `…_at`, with its path.
fn times(value: &serde_json::Value, path: &str, found: &mut Vec<(String, serde_json::Value)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                let here = format!("{path}.{key}");
                if key == "at" || key.ends_with("_at") {
                    found.push((here.clone(), v.clone()));
                }
                times(v, &here, found);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                times(v, &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn admin_api_times_are_rfc3339_in_utc_with_z() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let token = admin_token(&app).await;
    let invite = serde_json::json!({"email": "gio@partner.example"});
    let (status, _, _) = call(
        &app,
        Method::POST,
        "/invitations",
        Some(&token),
        Some(invite),
    )
    .await;
    assert_eq!(status, 201);
    let group = serde_json::json!({"name": "Launch"});
    let (status, _, _) = call(&app, Method::POST, "/groups", Some(&token), Some(group)).await;
    assert_eq!(status, 201);
    let mut found = Vec::new();
    for path in ["/users", "/invitations", "/groups", "/audit?limit=50"] {
        let (status, body, _) = call(&app, Method::GET, path, Some(&token), None).await;
        assert_eq!(status, 200, "{path}: {body}");
        times(&body, path, &mut found);
    }
    let strings: Vec<_> = found.iter().filter(|(_, v)| v.is_string()).collect();
    assert!(strings.len() >= 8, "too few times to judge: {found:?}");
    for (path, value) in &found {
        let Some(text) = value.as_str() else {
            assert!(value.is_null(), "{path}: {value}");
            continue;
        };
        assert!(text.ends_with('Z'), "{path}: {text}");
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap_or_else(|e| panic!("{path}: {text}: {e}"));
    }
}
