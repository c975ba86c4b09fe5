//! A real SMTP listener for tests (RFC 5321 server side, the minimum a client
//! needs): the server under test delivers to it over TCP with lettre.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

#[derive(Clone, Debug)]
pub struct Received {
    pub recipients: Vec<String>,
    pub data: String,
}

pub struct SmtpSink {
    pub url: String,
    pub inbox: Arc<Mutex<Vec<Received>>>,
}

pub async fn start() -> SmtpSink {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP");
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let inbox: Arc<Mutex<Vec<Received>>> = Arc::default();
    let store = inbox.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
                let mut recipients = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 sink.test\r\n"
                    } else if upper.starts_with("MAIL FROM") {
                        recipients.clear();
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO") {
                        let addr = line[8..]
                            .trim()
                            .trim_start_matches(':')
                            .trim()
                            .trim_matches(['<', '>'])
                            .to_owned();
                        recipients.push(addr.to_ascii_lowercase());
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(
                                l.strip_prefix('.')
                                    .filter(|_| l.starts_with(".."))
                                    .unwrap_or(&l),
                            );
                            data.push('\n');
                        }
                        store.lock().await.push(Received {
                            recipients: recipients.clone(),
                            data,
                        });
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    SmtpSink { url, inbox }
}

impl SmtpSink {
    /// The newest message to `recipient`, waiting up to 10 s for it.
    pub async fn wait_for(&self, recipient: &str, after: usize) -> Received {
        for _ in 0..200 {
            let found = self
                .inbox
                .lock()
                .await
                .iter()
                .filter(|m| m.recipients.iter().any(|r| r == recipient))
                .nth(after)
                .cloned();
            if let Some(m) = found {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no email #{after} to {recipient} arrived");
    }
}

/// The first URL in a message body containing `marker`, with quoted-printable
/// soft breaks undone.
pub fn link(message: &Received, marker: &str) -> String {
    let body = message.data.replace("=\n", "").replace("=3D", "=");
    body.split_whitespace()
        .find(|w| w.starts_with("http") && w.contains(marker))
        .unwrap_or_else(|| panic!("no link with {marker} in {body}"))
        .to_owned()
}
