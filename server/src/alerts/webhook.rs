//! Webhook delivery: one JSON POST with a timeout. When the rule has a
//! secret, the body is signed like Stripe and GitHub sign theirs:
//! `X-Sightline-Timestamp: <unix seconds>` and
//! `X-Sightline-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`,
//! so a receiver can check both origin and freshness.
//!
//! The [`Sender`] reaches only what its [`Guard`] allows (see
//! [`super::destination`]): literal addresses are judged before the request,
//! names as they resolve, and it connects to exactly the addresses judged. It
//! follows no redirect (a 3xx could point anywhere, the internal network
//! included) and uses no proxy from the environment (a proxy would resolve
//! the name itself, out of the guard's sight). A failure is told in a few
//! words with the status code — never with the receiver's body, which the
//! delivery log would otherwise hand to whoever can see it.

use std::{error::Error as _, time::Duration};

use reqwest_client::{redirect, StatusCode};
use ring::hmac;

use super::destination::{DestinationError, Guard, GuardedResolver, Refused};

/// Why a webhook was not delivered, in words fit for the delivery log.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Destination(#[from] DestinationError),
    #[error("redirect refused: receiver answered {}", .0.as_u16())]
    Redirect(StatusCode),
    #[error("receiver answered {}", .0.as_u16())]
    Status(StatusCode),
    #[error("timed out")]
    Timeout,
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("request failed: {0}")]
    Request(String),
}

impl WebhookError {
    /// Tells whether trying again cannot help: the destination is refused or redirects.
    pub fn is_permanent(&self) -> bool {
        matches!(self, WebhookError::Destination(DestinationError::Refused(_)) | WebhookError::Redirect(_))
    }

    /// Names what went wrong in a reqwest error, from the cause it wraps.
    fn from_request(error: reqwest_client::Error) -> Self {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = error.source();
        let mut innermost = None;
        while let Some(e) = cause {
            // The guard's verdict, passed up through the client's connector.
            if let Some(destination) = e.downcast_ref::<DestinationError>() {
                return WebhookError::Destination(destination.clone());
            }
            innermost = Some(e);
            cause = e.source();
        }
        if error.is_timeout() {
            return WebhookError::Timeout;
        }
        let words = innermost.map(|e| match e.downcast_ref::<std::io::Error>() {
            Some(io) => io.kind().to_string(),
            None => e.to_string(),
        });
        // Bounded: the log is shown on a page.
        let words: String = words.unwrap_or_else(|| "unknown error".into()).chars().take(200).collect();
        if error.is_connect() {
            WebhookError::Connect(words)
        } else {
            WebhookError::Request(words)
        }
    }
}

/// Returns the signature header value for `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(tag.as_ref()))
}

/// Sends webhooks to the destinations a [`Guard`] allows.
#[derive(Debug, Clone)]
pub struct Sender {
    client: reqwest_client::Client,
    guard: Guard,
}

impl Sender {
    /// Builds a sender whose requests give up after `timeout`.
    pub fn new(timeout: Duration, guard: Guard) -> anyhow::Result<Self> {
        let client = reqwest_client::Client::builder()
            .timeout(timeout)
            .redirect(redirect::Policy::none())
            .no_proxy()
            .dns_resolver(GuardedResolver(guard))
            .build()?;
        Ok(Sender { client, guard })
    }

    /// POSTs `body` to `url` (signed when `secret` is set); any 2xx is success.
    pub async fn send(&self, url: &str, body: &str, secret: Option<&str>) -> Result<(), WebhookError> {
        let url = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| WebhookError::Request("not an http(s) URL".into()))?;
        // A literal address never reaches the resolver: judge it here.
        self.guard.check_literal(&url).map_err(|r: Refused| DestinationError::from(r))?;
        let timestamp = chrono::Utc::now().timestamp();
        let mut request = self
            .client
            .post(url)
            .header(reqwest_client::header::CONTENT_TYPE, "application/json")
            .header(reqwest_client::header::USER_AGENT, concat!("Sightline/", env!("CARGO_PKG_VERSION")))
            .header("x-sightline-timestamp", timestamp.to_string());
        if let Some(secret) = secret {
            request = request.header("x-sightline-signature", signature(secret, timestamp, body));
        }
        // The response body is never read: only its status is kept.
        let status = request.body(body.to_owned()).send().await.map_err(WebhookError::from_request)?.status();
        if status.is_success() {
            Ok(())
        } else if status.is_redirection() {
            Err(WebhookError::Redirect(status))
        } else {
            Err(WebhookError::Status(status))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently: Python's hmac.new(b"Jefe", b'1700000000.{"text":"hi"}', sha256).
        assert_eq!(
            signature("Jefe", 1_700_000_000, r#"{"text":"hi"}"#),
            "sha256=78c16fb1347cc108e4fe45972cb2c71d070d22cb5c714af583367a3b7d491ce5"
        );
    }
}
