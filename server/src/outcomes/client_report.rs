//! `client_report` items: what an SDK dropped before sending
//! (develop.sentry.dev/sdk/telemetry/client-reports): `discarded_events` is a
//! list of `{reason, category, quantity}` (`queue_overflow`, `ratelimit_backoff`,
//! `network_error`, `sample_rate`, `before_send`, …). Each becomes a
//! `client_discard` outcome under the SDK's own reason and category.

use serde::Deserialize;

use super::{ItemOutcome, Outcome};

#[derive(Deserialize)]
struct Report {
    #[serde(default)]
    discarded_events: Vec<Discard>,
}

#[derive(Deserialize)]
struct Discard {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    quantity: u64,
}

/// Reads a client report's discards; `Err` with a short reason when it is not one.
pub fn parse(payload: &[u8]) -> Result<Vec<ItemOutcome>, &'static str> {
    let report: Report = serde_json::from_slice(payload).map_err(|_| "invalid_client_report")?;
    Ok(report
        .discarded_events
        .into_iter()
        .filter(|d| d.quantity > 0)
        .map(|d| ItemOutcome::new(Outcome::ClientDiscard, &d.category, &d.reason, d.quantity))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_discards_of_a_browser_sdk_report() {
        let report = br#"{"timestamp":1796507493.1,"discarded_events":[
            {"reason":"sample_rate","category":"transaction","quantity":4},
            {"reason":"queue_overflow","category":"error","quantity":1},
            {"reason":"before_send","category":"span","quantity":0}]}"#;
        let out = parse(report).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], ItemOutcome::new(Outcome::ClientDiscard, "transaction", "sample_rate", 4));
        assert_eq!(out[1].reason, "queue_overflow");
    }

    #[test]
    fn a_report_that_is_not_one_is_invalid() {
        assert!(parse(b"[1,2]").is_err());
        assert!(parse(br#"{"discarded_events":[{"quantity":-1}]}"#).is_err());
        assert_eq!(parse(b"{}").unwrap(), vec![]);
    }
}
