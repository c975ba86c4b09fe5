//! The admin API's OpenAPI 3.1 document at `/t/{tenant}/api/v1/openapi.json`:
//! served as JSON, valid (parsed by `oas3`, every `$ref` resolved), the
//! tenant's own server, and exactly the routes the server mounts, each
//! protected and with its errors described.

use std::collections::BTreeSet;

use crate::helpers::{TestApp, spawn_app};

async fn document(app: &TestApp, slug: &str) -> (reqwest::StatusCode, String, String) {
    let response = reqwest::get(format!("{}/t/{slug}/api/v1/openapi.json", app.base))
        .await
        .expect("document request");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.expect("body"))
}

/// Every `"$ref": "#/..."` in `node`, as JSON pointers into the document.
fn refs(node: &serde_json::Value, found: &mut Vec<String>) {
    match node {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", serde_json::Value::String(target)) => found.push(target.clone()),
                    _ => refs(value, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| refs(i, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_is_served_as_json_and_validates() {
    let app = spawn_app().await;
    app.tenant("acme");
    let (status, content_type, body) = document(&app, "acme").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );

    let spec = oas3::from_json(&body).expect("a valid OpenAPI 3.1 document");
    let version = spec.validate_version().expect("a supported version");
    assert_eq!(version.to_string(), "3.1.0");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["openapi"], "3.1.0");
    assert_eq!(
        json["servers"][0]["url"],
        format!("{}/api/v1", app.issuer("acme")),
        "the document is the tenant's own"
    );

    let mut targets = Vec::new();
    refs(&json, &mut targets);
    assert!(
        !targets.is_empty(),
        "schemas and responses are shared by $ref"
    );
    for target in targets {
        let pointer = target.strip_prefix('#').expect("a local $ref");
        assert!(json.pointer(pointer).is_some(), "{target} does not resolve");
    }

    let schemes = &json["components"]["securitySchemes"];
    let mut operation_ids = BTreeSet::new();
    let mut operations = 0;
    for (path, method, operation) in spec.operations() {
        operations += 1;
        let id = operation.operation_id.clone().unwrap_or_default();
        assert!(
            operation_ids.insert(id.clone()),
            "{method} {path}: operationId {id:?}"
        );
        let security = operation.security.clone();
        assert!(!security.is_empty(), "{method} {path} has no security");
        for requirement in &security {
            for scheme in requirement.0.keys() {
                assert!(schemes.get(scheme).is_some(), "{method} {path}: {scheme}");
            }
        }
        assert_eq!(
            templated(&path),
            declared_path_parameters(&json["paths"][&path][method.as_str().to_lowercase()]),
            "{method} {path}: each {{name}} of the path needs a required path parameter"
        );
        let responses = operation.responses(&spec);
        let written = operation.responses.as_ref().map_or(0, |r| r.len());
        assert_eq!(
            responses.len(),
            written,
            "{method} {path}: a response does not resolve"
        );
        assert!(
            responses.keys().any(|code| code.starts_with('4')),
            "{method} {path} describes no 4xx answer"
        );
        assert!(
            responses.keys().any(|code| code.starts_with('2')),
            "{method} {path} describes no success"
        );
    }
    assert!(operations > 30, "only {operations} operations");

    // Query parameters come from the handlers' query structs; stored kinds
    // are string enums of their values.
    let users = &json["paths"]["/users"]["get"]["parameters"][0];
    assert_eq!(
        (&users["name"], &users["in"]),
        (&"type".into(), &"query".into())
    );
    let audit: Vec<&str> = json["paths"]["/audit"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        audit,
        ["actor", "action", "target", "from", "to", "limit", "before"]
    );
    let kinds = &json["components"]["schemas"]["UserType"]["enum"];
    assert!(
        kinds.as_array().unwrap().contains(&"guest".into()),
        "{kinds}"
    );
}

/// The `{name}`s of a path template.
fn templated(path: &str) -> BTreeSet<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

/// The required `in: path` parameters an operation declares (OpenAPI 3.1
/// §4.8.12: one for each template expression, `required: true`).
fn declared_path_parameters(operation: &serde_json::Value) -> BTreeSet<String> {
    let parameters = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    parameters
        .iter()
        .filter(|p| p["in"] == "path" && p["required"] == true)
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

/// (METHOD, path) of every operation the document describes.
fn described(json: &serde_json::Value) -> BTreeSet<(String, String)> {
    let paths = json["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().expect("a path item").keys();
            methods.map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect()
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_the_server_mounts() {
    let app = spawn_app().await;
    app.tenant("acme");
    let (_, _, body) = document(&app, "acme").await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let described = described(&json);

    let table = portico::admin::api::routes();
    assert_eq!(
        &described,
        table.mounted(),
        "the route table and the document"
    );

    // Each is really mounted and asks for a token: answered by its handler
    // (401, or 400 for a body it cannot read), never 404 or 405.
    let client = reqwest::Client::new();
    for (method, path) in &described {
        // Every `{name}` segment filled in.
        let concrete: String = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "x"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let url = format!("{}/t/acme/api/v1{concrete}", app.base);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let operation = &json["paths"][path][method.as_str().to_lowercase()];
        let takes_body = operation.get("requestBody").is_some();
        let mut request = client.request(method.clone(), &url);
        if takes_body {
            request = request.json(&serde_json::json!({}));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let expected: &[u16] = if takes_body { &[400, 401] } else { &[401] };
        assert!(expected.contains(&status), "{method} {path}: {status}");
        assert_eq!(content_type, "application/problem+json", "{method} {path}");
    }

    // A method the table did not mount on a mounted path stays a 405.
    let response = client
        .put(format!("{}/t/acme/api/v1/users", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn an_unknown_tenants_document_is_a_404_problem() {
    let app = spawn_app().await;
    let (status, content_type, body) = document(&app, "nobody").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(content_type, "application/problem+json");
    let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["status"], 404);
}
