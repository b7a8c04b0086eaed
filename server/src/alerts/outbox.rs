//! The outbox worker: delivers queued notifications with retries. Each
//! pass claims one due row at a time with `FOR UPDATE SKIP LOCKED`, so
//! several server processes share the work without sending a row twice;
//! the row stays locked while it is sent, and a process that dies mid-send
//! releases it with its transaction, leaving it due for the next worker.
//! A failure records the error and schedules the next attempt after an
//! exponentially growing, capped delay; delivered rows stay as the log.
//! E-mail goes through [`Mailer::send`], whose Resend→SMTP failover happens
//! within one attempt; when both paths are down the attempt fails and the
//! row is retried until one of them is back. A webhook whose destination
//! is refused (an internal address, see [`super::destination`]) or that
//! answers with a redirect fails at once: retrying cannot change the answer.

use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;

use super::{destination::Guard, webhook};
use crate::mail::{Mailer, Message};
use crate::retry::Backoff;

/// Delivers the alert outbox.
#[derive(Clone)]
pub struct Outbox {
    pub pg: PgPool,
    pub mailer: Mailer,
    pub webhooks: webhook::Sender,
    pub backoff: Backoff,
}

/// Why an attempt failed, and whether another attempt could help.
struct Failure {
    reason: String,
    permanent: bool,
}

impl From<String> for Failure {
    fn from(reason: String) -> Self {
        Failure { reason, permanent: false }
    }
}

impl Outbox {
    /// Builds a worker whose webhooks time out after `webhook_timeout` and
    /// reach only the destinations `guard` allows.
    pub fn new(
        pg: PgPool,
        mailer: Mailer,
        backoff: Backoff,
        webhook_timeout: Duration,
        guard: Guard,
    ) -> anyhow::Result<Self> {
        let webhooks = webhook::Sender::new(webhook_timeout, guard)?;
        Ok(Outbox { pg, mailer, webhooks, backoff })
    }

    /// Delivers what is due every `poll`, forever (aborted at shutdown).
    pub async fn run(self, poll: Duration) {
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::warn!(error = %e, "alert outbox unavailable; will retry");
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// Attempts every due row once; returns how many were attempted.
    pub async fn deliver_due(&self) -> Result<usize, sqlx::Error> {
        let mut attempted = 0;
        while self.deliver_one().await? {
            attempted += 1;
        }
        Ok(attempted)
    }

    /// Claims one due row and attempts it; false when none is due.
    async fn deliver_one(&self) -> Result<bool, sqlx::Error> {
        let mut tx = self.pg.begin().await?;
        let row: Option<(i64, String, String, i32, Option<String>)> = sqlx::query_as(
            "SELECT o.id, o.channel, o.payload::text, o.attempts, r.webhook_secret \
             FROM alert_outbox o LEFT JOIN alert_firings f ON f.id = o.firing_id LEFT JOIN alert_rules r ON r.id = f.rule_id \
             WHERE o.status = 'pending' AND o.next_attempt_at <= now() \
             ORDER BY o.next_attempt_at, o.id LIMIT 1 FOR UPDATE OF o SKIP LOCKED",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, channel, payload, attempts, secret)) = row else {
            return Ok(false);
        };
        let attempts = attempts + 1;
        let payload: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
        match self.attempt(&channel, &payload, secret.as_deref()).await {
            Ok(path) => {
                sqlx::query(
                    "UPDATE alert_outbox SET status = 'delivered', attempts = $2, path = $3, delivered_at = now() WHERE id = $1",
                )
                .bind(id)
                .bind(attempts)
                .bind(path)
                .execute(&mut *tx)
                .await?;
                tracing::info!(outbox = id, channel = %channel, path, attempts, "alert delivered");
            }
            Err(Failure { reason: error, permanent }) => {
                let give_up = permanent || attempts >= self.backoff.max_attempts;
                let delay = self.backoff.delay(attempts);
                sqlx::query(
                    "UPDATE alert_outbox SET attempts = $2, last_error = $3, status = $4, \
                     next_attempt_at = now() + make_interval(secs => $5) WHERE id = $1",
                )
                .bind(id)
                .bind(attempts)
                .bind(&error)
                .bind(if give_up { "failed" } else { "pending" })
                .bind(delay.as_secs_f64())
                .execute(&mut *tx)
                .await?;
                if give_up {
                    tracing::error!(outbox = id, channel = %channel, attempts, %error, "alert delivery failed; giving up");
                } else {
                    tracing::warn!(outbox = id, channel = %channel, attempts, %error, retry_in = ?delay, "alert delivery failed; will retry");
                }
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Sends one notification; returns the path that delivered it, or why not.
    async fn attempt(&self, channel: &str, payload: &Value, secret: Option<&str>) -> Result<&'static str, Failure> {
        let text = |key: &str| payload[key].as_str().unwrap_or_default().to_string();
        match channel {
            "email" => {
                let to = payload["to"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                let message = Message { to, subject: text("subject"), text: text("text"), html: text("html") };
                let delivery = self.mailer.send(&message).await.map_err(|e| e.to_string())?;
                Ok(delivery.path.as_str())
            }
            "webhook" => {
                let sent = self.webhooks.send(&text("url"), &text("body"), secret).await;
                sent.map_err(|e| Failure { permanent: e.is_permanent(), reason: e.to_string() })?;
                Ok("webhook")
            }
            other => Err(format!("unknown channel {other:?}").into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_the_cap() {
        let b = Backoff { base: Duration::from_secs(30), max: Duration::from_secs(3600), max_attempts: 10 };
        let delays: Vec<u64> = (1..=9).map(|a| b.delay(a).as_secs()).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(b.delay(i32::MAX).as_secs(), 3600);
    }
}
