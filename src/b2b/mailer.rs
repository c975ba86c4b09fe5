//! Delivers the email outbox: over SMTP (lettre) when an SMTP URL is
//! configured, with exponential-backoff retries; otherwise each message is
//! written to the log so a developer can follow the link.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::store::outbox::OutboxEmail;
use crate::store::{self, Db, now};

const MAX_ATTEMPTS: i32 = 10;

pub struct Mailer {
    db: Db,
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    /// `smtp_url` as lettre understands it: `smtp://host:port` (plain, or
    /// STARTTLS with `?tls=required`), `smtps://host:port`.
    pub fn new(db: Db, smtp_url: Option<&str>, from: &str) -> anyhow::Result<Mailer> {
        let transport = smtp_url
            .map(|url| {
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map(|b| b.timeout(Some(Duration::from_secs(10))).build())
                    .map_err(|e| anyhow::anyhow!("PORTICO_SMTP_URL is not usable: {e}"))
            })
            .transpose()?;
        Ok(Mailer {
            db,
            transport,
            from: from
                .parse()
                .map_err(|e| anyhow::anyhow!("sender address {from:?}: {e}"))?,
        })
    }

    /// Runs forever, polling the outbox.
    pub async fn run(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = self.deliver_due().await {
                tracing::warn!(error = %e, "outbox delivery round failed");
            }
        }
    }

    /// Sends what is due; returns how many were sent.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let due = self.db.read(|c| store::outbox::due(c, 20)).await?;
        let mut sent = 0;
        for mail in due {
            let (id, seen) = (mail.id.clone(), mail.next_attempt_at);
            let claimed = self
                .db
                .write(move |c| store::outbox::claim(c, &id, seen, chrono::TimeDelta::minutes(2)))
                .await?;
            if !claimed {
                continue;
            }
            let id = mail.id.clone();
            match self.send(&mail).await {
                Ok(()) => {
                    self.db
                        .write(move |c| store::outbox::mark_sent(c, &id))
                        .await?;
                    sent += 1;
                }
                Err(e) => {
                    let attempts = mail.attempts + 1;
                    let delay = if attempts >= MAX_ATTEMPTS {
                        chrono::TimeDelta::days(3650)
                    } else {
                        chrono::TimeDelta::seconds(2i64.pow(attempts as u32).min(3600))
                    };
                    tracing::warn!(outbox_id = %mail.id, attempts, error = %e, "email delivery failed");
                    let error = e.to_string();
                    self.db
                        .write(move |c| {
                            store::outbox::mark_failed(c, &id, attempts, now() + delay, &error)
                        })
                        .await?;
                }
            }
        }
        Ok(sent)
    }

    async fn send(&self, mail: &OutboxEmail) -> anyhow::Result<()> {
        let Some(transport) = &self.transport else {
            // No SMTP configured: the log is the delivery channel (development).
            tracing::info!(to = %mail.recipient, subject = %mail.subject, body = %mail.body, "email (no SMTP configured)");
            return Ok(());
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(mail.recipient.parse()?)
            .subject(mail.subject.clone())
            .body(mail.body.clone())?;
        transport.send(message).await?;
        Ok(())
    }
}
