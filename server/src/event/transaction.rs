//! Transactions: page loads and navigations with their web vitals.
//!
//! Sentry's browser tracing (and Sightline's SDK) report a page load as a
//! `transaction` item whose `measurements` carry the vitals (`lcp`, `fcp`,
//! `cls`, `inp`, `ttfb`, each `{value, unit}`) and whose `contexts.trace.op`
//! says what kind of transaction it is. Spans are not stored: the performance
//! page needs names, durations and vitals, not waterfalls.

use super::model::{Measurements, RawEvent};
use super::normalize::{event_id, event_url, name, tags, timestamp};
use super::{useragent, IngestContext, PayloadError, TransactionRow};

/// Normalises a transaction payload into the row stored in ClickHouse.
pub fn normalize_transaction(payload: &[u8], ctx: &IngestContext) -> Result<TransactionRow, PayloadError> {
    let event = RawEvent::parse(payload)?;
    let client = useragent::resolve(&event, ctx.client_user_agent.as_deref());
    let url = event_url(&event);
    let (tags_key, tags_value) = tags(&event);
    let op = event.contexts.trace_op.as_deref();
    let transaction_name = match event.transaction.as_deref() {
        Some(n) => name(Some(n)),
        None if !url.is_empty() => name(Some(super::fingerprint::strip_location(&url))),
        None => "<unlabeled transaction>".to_owned(),
    };
    let Measurements { lcp, fcp, cls, inp, ttfb } = event.measurements;
    Ok(TransactionRow {
        project_id: ctx.project_id,
        event_id: event_id(&event, ctx),
        timestamp: timestamp(event.timestamp, ctx.received_at),
        received_at: timestamp(None, ctx.received_at),
        name: transaction_name,
        op: name(op),
        url,
        duration_ms: duration_ms(event.start_timestamp, event.timestamp),
        lcp,
        fcp,
        cls,
        inp,
        ttfb,
        browser: client.browser,
        browser_version: client.browser_version,
        os: client.os,
        os_version: client.os_version,
        release: name(event.release.as_deref()),
        environment: name(event.environment.as_deref()),
        user_id: name(event.user.id.as_deref()),
        tags_key,
        tags_value,
        sdk_name: name(event.sdk_name.as_deref()),
        sdk_version: name(event.sdk_version.as_deref()),
        lcp_element: String::new(),
        cls_source: String::new(),
        inp_target: String::new(),
    })
}

/// Returns the end-to-end duration in milliseconds, 0 when unknown or negative.
fn duration_ms(start: Option<f64>, end: Option<f64>) -> f64 {
    match (start, end) {
        (Some(start), Some(end)) if end > start => {
            let ms = (end - start) * 1000.0;
            // Round away float noise from subtracting two epoch floats.
            if ms.is_finite() {
                (ms * 1000.0).round() / 1000.0
            } else {
                0.0
            }
        }
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ctx() -> IngestContext {
        IngestContext {
            project_id: 3,
            received_at: chrono::Utc.timestamp_opt(1_709_294_460, 0).unwrap(),
            client_user_agent: Some(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 \
                 (KHTML, like Gecko) Version/17.2 Safari/605.1.15"
                    .into(),
            ),
            client_ip: None,
            envelope_event_id: None,
        }
    }

    const PAGELOAD: &str = r#"{
      "type": "transaction",
      "event_id": "4c4bd3e1b6a04d5c9e1a3f4f2b6c7d8e",
      "transaction": "/products/:id",
      "start_timestamp": 1709294400.1,
      "timestamp": "2024-03-01T12:00:01.350Z",
      "platform": "javascript",
      "release": "shop@1.4.2",
      "environment": "production",
      "contexts": {"trace": {"op": "pageload", "trace_id": "a", "span_id": "b"}},
      "measurements": {
        "lcp": {"value": 1830.5, "unit": "millisecond"},
        "fcp": {"value": 912, "unit": "millisecond"},
        "cls": {"value": 0.042, "unit": ""},
        "ttfb": {"value": "fast", "unit": "millisecond"},
        "fp": {"value": 900}
      },
      "request": {"url": "https://shop.example.com/products/42?ref=mail"},
      "tags": {"route": "product"},
      "user": {"id": "u-1"},
      "sdk": {"name": "sentry.javascript.browser", "version": "7.100.0"},
      "spans": [{"op": "resource.script", "description": "main.js"}]
    }"#;

    #[test]
    fn reads_a_browser_pageload_with_vitals() {
        let row = normalize_transaction(PAGELOAD.as_bytes(), &ctx()).unwrap();
        assert_eq!(row.event_id.simple().to_string(), "4c4bd3e1b6a04d5c9e1a3f4f2b6c7d8e");
        assert_eq!(row.name, "/products/:id");
        assert_eq!(row.op, "pageload");
        assert_eq!(row.timestamp, 1_709_294_401);
        assert!((row.duration_ms - 1250.0).abs() < 0.01, "{}", row.duration_ms);
        assert_eq!(row.lcp, Some(1830.5));
        assert_eq!(row.fcp, Some(912.0));
        assert_eq!(row.cls, Some(0.042));
        assert_eq!((row.inp, row.ttfb), (None, None));
        assert_eq!(row.url, "https://shop.example.com/products/42?ref=mail");
        assert_eq!(row.browser, "Safari");
        assert_eq!(row.os, "Mac OSX");
        assert_eq!((row.release.as_str(), row.environment.as_str()), ("shop@1.4.2", "production"));
        assert_eq!(row.user_id, "u-1");
        assert_eq!((row.tags_key, row.tags_value), (vec!["route".into()], vec!["product".into()]));
        assert_eq!(row.sdk_name, "sentry.javascript.browser");
    }

    #[test]
    fn defaults_missing_or_negative_durations_to_zero() {
        let row = normalize_transaction(br#"{"start_timestamp": 10, "timestamp": 5}"#, &ctx()).unwrap();
        assert_eq!(row.duration_ms, 0.0);
        assert_eq!(row.timestamp, 1_709_294_460, "ancient timestamps are replaced");
        assert_eq!(row.name, "<unlabeled transaction>");
        let row = normalize_transaction(br#"{"tags": [["url", "https://x.test/a?b"]]}"#, &ctx()).unwrap();
        assert_eq!(row.duration_ms, 0.0);
        assert_eq!(row.url, "https://x.test/a?b");
        assert_eq!(row.name, "/a");
    }

    #[test]
    fn rejects_non_object_payloads() {
        assert!(normalize_transaction(b"[]", &ctx()).is_err());
        assert!(normalize_transaction(b"nope", &ctx()).is_err());
    }
}
