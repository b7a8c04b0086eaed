//! Realistic payloads, shaped like what `@sentry/browser` and our SDK send.

use serde_json::{json, Value};

/// Chrome 120 on Windows 10.
pub const CHROME_UA: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

/// Returns "now" minus `ago` seconds as float epoch seconds, as SDKs send.
pub fn epoch(ago: f64) -> f64 {
    chrono::Utc::now().timestamp() as f64 - ago
}

/// A browser error event: `TypeError` thrown from `handler` in a hashed bundle.
pub fn js_error(event_id: &str, message: &str, function: &str, lineno: u32) -> Value {
    json!({
        "event_id": event_id,
        "timestamp": epoch(60.0) + 0.25,
        "platform": "javascript",
        "level": "error",
        "release": "shop@1.4.2",
        "environment": "production",
        "exception": {"values": [{
            "type": "TypeError",
            "value": message,
            "mechanism": {"type": "onerror", "handled": false},
            "stacktrace": {"frames": [
                {"filename": "https://cdn.example.com/vendor.8f3a2c1d.js", "function": "callHandler", "lineno": 1, "colno": 3341, "in_app": false},
                {"filename": "https://shop.example.com/assets/app.3b9c0e7a.js?v=12", "function": function, "lineno": lineno, "colno": 17, "in_app": true}
            ]}
        }]},
        "breadcrumbs": {"values": [
            {"timestamp": epoch(70.0), "category": "ui.click", "message": "button#checkout"},
            {"timestamp": epoch(65.0), "category": "fetch", "type": "http", "data": {"method": "POST", "url": "/api/cart", "status_code": 500}}
        ]},
        "request": {"url": "https://shop.example.com/checkout?step=2", "headers": {"User-Agent": CHROME_UA}},
        "user": {"id": "u-42", "email": "ada@example.com", "ip_address": "{{auto}}"},
        "tags": {"plan": "pro", "locale": "de-DE"},
        "sdk": {"name": "sentry.javascript.browser", "version": "8.40.0"}
    })
}

/// A page-load transaction with all five Web Vitals.
pub fn page_load(event_id: &str) -> Value {
    json!({
        "type": "transaction",
        "event_id": event_id,
        "transaction": "/products/:id",
        "start_timestamp": epoch(60.0),
        "timestamp": epoch(60.0) + 1.5,
        "contexts": {"trace": {"op": "pageload", "trace_id": "4c79f60c11214eb38604f4ae0781bfb2", "span_id": "fa90fdead5f74052"}},
        "measurements": {
            "lcp": {"value": 2300.5, "unit": "millisecond"},
            "fcp": {"value": 1100.0, "unit": "millisecond"},
            "cls": {"value": 0.08, "unit": ""},
            "inp": {"value": 180.0, "unit": "millisecond"},
            "ttfb": {"value": 320.0, "unit": "millisecond"}
        },
        "request": {"url": "https://shop.example.com/products/17", "headers": {"User-Agent": CHROME_UA}},
        "release": "shop@1.4.2",
        "environment": "production",
        "sdk": {"name": "sightline.browser", "version": "0.1.0"}
    })
}

/// Returns a fresh event id (32 hex).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Builds an envelope: header line, then `(item type, payload)` pairs, with `length`.
pub fn envelope(header: Value, items: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = serde_json::to_vec(&header).unwrap();
    out.push(b'\n');
    for (ty, payload) in items {
        out.extend(serde_json::to_vec(&json!({"type": ty, "length": payload.len()})).unwrap());
        out.push(b'\n');
        out.extend(payload);
        out.push(b'\n');
    }
    out
}

/// An envelope holding one event item.
pub fn event_envelope(event: &Value) -> Vec<u8> {
    let id = event["event_id"].clone();
    envelope(
        json!({"event_id": id, "sent_at": "2024-11-23T22:13:20Z"}),
        &[("event", serde_json::to_vec(event).unwrap())],
    )
}

/// Gzips `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}
