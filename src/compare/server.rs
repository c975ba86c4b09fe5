//! One Portico server started in this process for `portico compare`, on
//! port 0 with its own SQLite database, optionally behind a [`Gate`].

use std::time::Duration;

use super::gate::{Gate, Mode};
use crate::config::Settings;
use crate::crypto::Sealer;
use crate::startup::Application;
use crate::store::Db;

/// One Portico server in this process, optionally behind a gate.
pub(super) struct Server {
    /// Where it listens.
    pub(super) base: String,
    /// Its public URL (the gate's, when gated).
    pub(super) public: String,
    pub(super) db: Db,
    pub(super) sealer: Sealer,
    gate: Option<Gate>,
}

impl Server {
    pub(super) async fn start(
        dir: &tempfile::TempDir,
        name: &str,
        gated: bool,
    ) -> anyhow::Result<Server> {
        let db_url = format!(
            "sqlite://{}",
            dir.path().join(format!("{name}.db")).display()
        );
        let mut settings = Settings::new("127.0.0.1:0", "http://127.0.0.1", &db_url)?;
        let mut gate = if gated {
            Some(Gate::bind().await?)
        } else {
            None
        };
        settings.public_url = gate
            .as_ref()
            .map(|g| g.url().to_owned())
            .unwrap_or_default();
        settings.upstream_connect_timeout = Duration::from_secs(1);
        settings.upstream_timeout = Duration::from_secs(3);
        // Everyone here signs in from 127.0.0.1: the per-IP guessing limit
        // would otherwise stand in for a crowd of different people.
        settings.throttling.per_ip_per_minute = 1_000_000;
        let sealer = Sealer::generate().0;
        settings.sealer = Some(sealer.clone());
        let app = Application::build(settings)?;
        let port = app.port();
        let db = app.state().db.clone();
        tokio::spawn(app.run_until_stopped());
        let base = format!("http://127.0.0.1:{port}");
        if let Some(gate) = gate.as_mut() {
            gate.forward_to(([127, 0, 0, 1], port).into());
        }
        Ok(Server {
            public: gate
                .as_ref()
                .map(|g| g.url().to_owned())
                .unwrap_or_else(|| base.clone()),
            base,
            db,
            sealer,
            gate,
        })
    }

    pub(super) fn issuer(&self, slug: &str) -> String {
        format!("{}/t/{slug}", self.public)
    }

    pub(super) fn set(&self, mode: Mode) {
        if let Some(gate) = &self.gate {
            gate.set(mode);
        }
    }
}
