//! Items 8 and 9: unknown client ids and made-up HTTP methods cost no memory.

use super::*;

// ---- item 8: unknown client ids ----

/// A server whose state the test can inspect.
struct Inspectable {
    base: String,
    state: Arc<AppState>,
    _dir: tempfile::TempDir,
}

async fn spawn_inspectable() -> Inspectable {
    let dir = tempfile::tempdir().unwrap();
    let db_url = fresh_database(&dir);
    let mut settings =
        portico::config::Settings::new("127.0.0.1:0", "http://127.0.0.1", &db_url).unwrap();
    settings.public_url = String::new();
    let app = portico::startup::Application::build(settings).unwrap();
    let (port, state) = (app.port(), app.state());
    tokio::spawn(app.run_until_stopped());
    Inspectable {
        base: format!("http://127.0.0.1:{port}"),
        state,
        _dir: dir,
    }
}

#[tokio::test]
async fn unknown_client_ids_cost_no_memory_however_long_or_many() {
    let app = spawn_inspectable().await;
    portico::admin::provision::create_tenant(
        &app.state.db,
        "contoso",
        "Contoso",
        &[],
        portico::tokens::keys::SigningAlg::Rs256,
    )
    .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let authorize = format!("{}/t/contoso/authorize", app.base);
    // Made-up client ids: 20 of 60 KB in the query (near the longest URL a
    // client library builds), 20 of 120 KB in a form body, 200 short ones.
    let ids = (0..20)
        .map(|_| (false, noise(60_000)))
        .chain((0..20).map(|_| (true, noise(120_000))))
        .chain((0..200).map(|_| (false, noise(36))));
    for (in_body, client_id) in ids {
        let params = [
            ("client_id", client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
        ];
        let request = if in_body {
            http.post(&authorize).form(&params)
        } else {
            http.get(&authorize).query(&params)
        };
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            400,
            "an unknown client gets the error page"
        );
    }
    assert_eq!(
        app.state.tenants.cached_clients(),
        0,
        "client ids that do not exist must not be cached"
    );
    // A real client is still cached (and looked up) as before.
    let (client, _) = portico::admin::provision::create_app(
        &app.state.db,
        "contoso",
        &portico::admin::provision::AppSpec::sign_in_client(
            "App",
            "http://127.0.0.1:9/callback".into(),
        ),
    )
    .unwrap();
    let response = http
        .get(&authorize)
        .query(&[
            ("client_id", client.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(app.state.tenants.cached_clients(), 1);
}

// ---- item 9: /metrics ----

#[tokio::test]
async fn made_up_http_methods_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let metrics = || async {
        http.get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let hostile = |i: usize| {
        let name = format!("M{i:04}{}", "X".repeat(60));
        reqwest::Method::from_bytes(name.as_bytes()).unwrap()
    };
    // Warm up: one series each for the label values these requests use.
    for path in ["/healthz", "/nowhere"] {
        http.request(hostile(0), format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
    }
    // (The first scrape adds the series of /metrics itself.)
    metrics().await;
    let before = metrics().await.len();
    for i in 1..=200 {
        let path = if i % 2 == 0 { "/healthz" } else { "/nowhere" };
        http.request(hostile(i), format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
    }
    let after = metrics().await;
    // Only counters already there change (a few digits each).
    assert!(
        after.len() <= before + 256,
        "/metrics grew from {before} to {} bytes:\n{after}",
        after.len()
    );
    assert!(after.contains("method=\"other\""), "{after}");
    assert!(
        !after.contains("XXXXXXXX"),
        "a made-up method became a label"
    );
}
