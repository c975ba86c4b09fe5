//! A switchable TCP relay in front of an identity provider: `portico compare`
//! and the tests take the provider down (connections dropped), make it hang
//! (connections accepted, never answered), and bring it back, without
//! restarting anything.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Relays to the provider.
    Up,
    /// Drops new connections and cuts open ones.
    Down,
    /// Accepts connections and never answers.
    Hung,
}

pub struct Gate {
    url: String,
    mode: watch::Sender<Mode>,
    listener: Option<TcpListener>,
}

impl Gate {
    /// Listens on a free loopback port; nothing is relayed until `forward_to`.
    pub async fn bind() -> std::io::Result<Gate> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (mode, _) = watch::channel(Mode::Up);
        Ok(Gate {
            url,
            mode,
            listener: Some(listener),
        })
    }

    /// `http://127.0.0.1:port`: the provider's public URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Starts relaying accepted connections to `target` (while up).
    pub fn forward_to(&mut self, target: SocketAddr) {
        let Some(listener) = self.listener.take() else {
            return;
        };
        let mode = self.mode.subscribe();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let mut mode = mode.clone();
                let now = *mode.borrow_and_update();
                tokio::spawn(async move {
                    match now {
                        Mode::Down => drop(inbound),
                        Mode::Hung => {
                            // Hold the connection until the mode changes.
                            let _ = mode.changed().await;
                            drop(inbound);
                        }
                        Mode::Up => {
                            let Ok(mut outbound) = TcpStream::connect(target).await else {
                                return;
                            };
                            let mut inbound = inbound;
                            tokio::select! {
                                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                                _ = mode.wait_for(|m| *m != Mode::Up) => {}
                            }
                        }
                    }
                });
            }
        });
    }

    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}
