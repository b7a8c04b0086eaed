//! Webhook delivery: one JSON POST with a timeout. When the rule has a
//! secret, the body is signed like Stripe and GitHub sign theirs:
//! `X-Sightline-Timestamp: <unix seconds>` and
//! `X-Sightline-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`,
//! so a receiver can check both origin and freshness.

use ring::hmac;

/// Why a webhook was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("request failed: {0}")]
    Request(#[from] reqwest_client::Error),
    #[error("receiver answered {0}")]
    Status(reqwest_client::StatusCode),
}

/// Returns the signature header value for `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(tag.as_ref()))
}

/// POSTs `body` to `url` (signed when `secret` is set); any 2xx is success.
pub async fn send(
    client: &reqwest_client::Client,
    url: &str,
    body: &str,
    secret: Option<&str>,
) -> Result<(), WebhookError> {
    let timestamp = chrono::Utc::now().timestamp();
    let mut request = client
        .post(url)
        .header(reqwest_client::header::CONTENT_TYPE, "application/json")
        .header(reqwest_client::header::USER_AGENT, concat!("Sightline/", env!("CARGO_PKG_VERSION")))
        .header("x-sightline-timestamp", timestamp.to_string());
    if let Some(secret) = secret {
        request = request.header("x-sightline-signature", signature(secret, timestamp, body));
    }
    let response = request.body(body.to_owned()).send().await?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(WebhookError::Status(response.status()))
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
