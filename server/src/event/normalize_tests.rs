//! Tests of error-event normalisation against payloads shaped like those real
//! SDKs send (@sentry/browser on Chrome, Python's sentry-sdk), plus the
//! grouping guarantees users rely on: one issue per error across deploys and
//! line shifts, separate issues for different errors.

use chrono::TimeZone;
use serde_json::{json, Value};

use super::*;

fn ctx() -> IngestContext {
    IngestContext {
        project_id: 7,
        received_at: Utc.timestamp_opt(1_709_294_460, 0).unwrap(),
        client_user_agent: Some(CHROME_UA.to_owned()),
        client_ip: Some("203.0.113.9".to_owned()),
        envelope_event_id: None,
    }
}

const CHROME_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
    Chrome/121.0.0.0 Safari/537.36";

/// What @sentry/browser 7.x sends for `undefined.map()` in a click handler.
const BROWSER_EVENT: &str = r#"{
  "exception": {"values": [{
    "type": "TypeError",
    "value": "Cannot read properties of undefined (reading 'map')",
    "stacktrace": {"frames": [
      {"filename": "https://shop.example.com/static/js/vendor.1a2b3c4d.js", "function": "HTMLDocument.dispatch", "in_app": true, "lineno": 2, "colno": 4061},
      {"filename": "https://shop.example.com/static/js/main.3f2a9c1b.js?v=12", "function": "onClick", "in_app": true, "lineno": 1, "colno": 9123},
      {"filename": "https://shop.example.com/static/js/main.3f2a9c1b.js?v=12", "function": "renderList", "in_app": true, "lineno": 1, "colno": 8841,
       "context_line": "  return items.map(render)", "pre_context": ["function renderList(items) {"], "post_context": ["}"]}
    ]},
    "mechanism": {"type": "onerror", "handled": false}
  }]},
  "level": "error",
  "platform": "javascript",
  "request": {"url": "https://shop.example.com/cart?step=2", "headers": {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36", "Referer": "https://shop.example.com/"}},
  "event_id": "d2132d31b39445f1938d7e21b6bf0ec4",
  "timestamp": 1709294455.123,
  "environment": "production",
  "release": "shop@2.3.0",
  "sdk": {"integrations": ["InboundFilters"], "name": "sentry.javascript.browser", "version": "7.101.1", "packages": [{"name": "npm:@sentry/browser", "version": "7.101.1"}]},
  "user": {"id": "42", "email": "ada@example.com", "ip_address": "{{auto}}"},
  "tags": {"locale": "en-GB", "ab": 3},
  "breadcrumbs": {"values": [
    {"timestamp": 1709294450.1, "category": "navigation", "data": {"from": "/", "to": "/cart"}},
    {"timestamp": 1709294454.9, "category": "ui.click", "message": "button#checkout"}
  ]},
  "extra": {"arguments": [{"isTrusted": true}]}
}"#;

/// What Python's sentry-sdk 1.x sends for an unhandled ZeroDivisionError in Django.
const PYTHON_EVENT: &str = r#"{
  "level": "error",
  "exception": {"values": [{
    "module": null, "type": "ZeroDivisionError", "value": "division by zero",
    "mechanism": {"type": "django", "handled": false},
    "stacktrace": {"frames": [
      {"filename": "django/core/handlers/base.py", "abs_path": "/venv/lib/python3.11/site-packages/django/core/handlers/base.py", "function": "_get_response", "module": "django.core.handlers.base", "lineno": 197, "pre_context": ["a"], "context_line": "response = wrapped_callback(request)", "post_context": ["b"], "vars": {"request": "<WSGIRequest>"}, "in_app": false},
      {"filename": "shop/views.py", "abs_path": "/srv/app/shop/views.py", "function": "checkout", "module": "shop.views", "lineno": 41, "context_line": "    ratio = total / count", "in_app": true}
    ]}
  }]},
  "event_id": "5b4e6c6f0a3c4d8f9e2b1a0c9d8e7f6a",
  "timestamp": "2024-03-01T12:00:30.000123Z",
  "contexts": {"runtime": {"name": "CPython", "version": "3.11.7"}, "trace": {"trace_id": "x", "span_id": "y"}},
  "transaction": "/checkout/",
  "transaction_info": {"source": "route"},
  "breadcrumbs": {"values": []},
  "extra": {"sys.argv": ["manage.py", "runserver"]},
  "request": {"url": "http://localhost:8000/checkout/", "query_string": "", "method": "GET", "env": {"SERVER_NAME": "localhost"},
              "headers": {"Host": "localhost:8000", "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0", "Cookie": "sessionid=secret"}},
  "modules": {"django": "4.2.9"},
  "release": "9e1f2c4", "environment": "production", "server_name": "web-1",
  "sdk": {"name": "sentry.python.django", "version": "1.40.0"},
  "platform": "python"
}"#;

fn event(json: &str) -> EventRow {
    normalize_event(json.as_bytes(), &ctx()).unwrap()
}

fn with(base: &str, f: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(base).unwrap();
    f(&mut v);
    v.to_string()
}

#[test]
fn normalises_a_browser_error_from_chrome() {
    let row = event(BROWSER_EVENT);
    assert_eq!(row.project_id, 7);
    assert_eq!(row.event_id.simple().to_string(), "d2132d31b39445f1938d7e21b6bf0ec4");
    assert_eq!(row.timestamp, 1_709_294_455);
    assert_eq!(row.received_at, 1_709_294_460);
    assert_eq!(row.title, "TypeError: Cannot read properties of undefined (reading 'map')");
    assert_eq!(row.culprit, "renderList (/static/js/main.3f2a9c1b.js)");
    assert_eq!((row.level.as_str(), row.platform.as_str()), ("error", "javascript"));
    assert_eq!((row.browser.as_str(), row.browser_version.as_str()), ("Chrome", "121.0.0.0"));
    assert_eq!(row.os, "Linux");
    assert_eq!(row.url, "https://shop.example.com/cart?step=2");
    assert_eq!((row.user_id.as_str(), row.user_email.as_str()), ("42", "ada@example.com"));
    assert_eq!(row.user_ip, "203.0.113.9");
    let mut tags: Vec<_> = row.tags_key.iter().zip(&row.tags_value).collect();
    tags.sort();
    assert_eq!(tags, [(&"ab".to_owned(), &"3".to_owned()), (&"locale".to_owned(), &"en-GB".to_owned())]);
    assert_eq!((row.sdk_name.as_str(), row.sdk_version.as_str()), ("sentry.javascript.browser", "7.101.1"));
    assert_eq!(row.fingerprint.len(), 32);
    assert!(row.fingerprint.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));

    let frames: Value = serde_json::from_str(&row.frames).unwrap();
    assert_eq!(frames.as_array().unwrap().len(), 3);
    assert_eq!(frames[2]["function"], "renderList");
    assert_eq!(frames[2]["lineno"], 1);
    assert_eq!(frames[2]["in_app"], true);
    assert_eq!(frames[2]["context_line"], "  return items.map(render)");
    assert!(frames[0].get("context_line").is_none());

    let crumbs: Value = serde_json::from_str(&row.breadcrumbs).unwrap();
    assert_eq!(crumbs[1]["message"], "button#checkout");
    let contexts: Value = serde_json::from_str(&row.contexts).unwrap();
    assert_eq!(contexts["exceptions"][0]["mechanism"]["type"], "onerror");
    assert_eq!(contexts["extra"]["arguments"][0]["isTrusted"], true);
    assert_eq!(contexts["request"]["headers"]["Referer"], "https://shop.example.com/");
}

#[test]
fn normalises_a_python_django_error() {
    let row = event(PYTHON_EVENT);
    assert_eq!(row.title, "ZeroDivisionError: division by zero");
    assert_eq!(row.culprit, "checkout (shop/views.py)");
    assert_eq!(row.timestamp, 1_709_294_430);
    assert_eq!(row.platform, "python");
    assert_eq!(row.transaction_name, "/checkout/");
    assert_eq!((row.browser.as_str(), row.os.as_str()), ("Firefox", "Windows 10"));
    assert_eq!(row.release, "9e1f2c4");
    assert_eq!(row.user_ip, "");
    let contexts: Value = serde_json::from_str(&row.contexts).unwrap();
    assert_eq!(contexts["contexts"]["runtime"]["name"], "CPython");
    assert_eq!(contexts["request"]["headers"]["Cookie"], "[Filtered]");
    let frames: Value = serde_json::from_str(&row.frames).unwrap();
    assert_eq!(frames[0]["in_app"], false);
    assert!(frames[0].get("vars").is_none(), "locals are not stored");
}

#[test]
fn reads_tags_given_as_pairs_and_float_timestamps() {
    let row = event(
        r#"{"message": "hi", "timestamp": 1709294400.75, "tags": [["url", "https://a.test/x"], ["n", 1.5], ["n", "2"]]}"#,
    );
    assert_eq!(row.timestamp, 1_709_294_400);
    assert_eq!(row.tags_key, ["url", "n"]);
    assert_eq!(row.tags_value, ["https://a.test/x", "2"]);
    assert_eq!(row.url, "https://a.test/x");
    assert_eq!(row.title, "hi");
    assert_eq!(row.culprit, "https://a.test/x");
}

#[test]
fn falls_back_to_context_for_missing_id_and_time() {
    let envelope_id = Uuid::new_v4();
    let mut c = ctx();
    c.envelope_event_id = Some(envelope_id);
    let row = normalize_event(br#"{"timestamp": "2999-01-01T00:00:00Z"}"#, &c).unwrap();
    assert_eq!(row.event_id, envelope_id);
    assert_eq!(row.timestamp, 1_709_294_460, "far-future timestamps are clamped");
    assert_eq!(row.title, "<unlabeled event>");
    assert_eq!(row.level, "error");
    assert_eq!(row.platform, "other");
    c.envelope_event_id = None;
    assert_ne!(normalize_event(b"{}", &c).unwrap().event_id, Uuid::nil());
}

#[test]
fn groups_one_error_across_deploys_and_line_shifts() {
    let redeployed = with(BROWSER_EVENT, |v| {
        let frames = &mut v["exception"]["values"][0]["stacktrace"]["frames"];
        for f in frames.as_array_mut().unwrap() {
            let file = f["filename"].as_str().unwrap().replace("3f2a9c1b", "77e01d9a").replace("?v=12", "?v=13");
            f["filename"] = file.replace("1a2b3c4d", "9f8e7d6c").into();
            f["lineno"] = 3.into();
            f["colno"] = 17.into();
        }
        v["event_id"] = Value::Null;
    });
    assert_eq!(event(BROWSER_EVENT).fingerprint, event(&redeployed).fingerprint);
}

#[test]
fn separates_different_errors() {
    let other_type = with(BROWSER_EVENT, |v| v["exception"]["values"][0]["type"] = "RangeError".into());
    let other_function = with(BROWSER_EVENT, |v| {
        v["exception"]["values"][0]["stacktrace"]["frames"][2]["function"] = "renderGrid".into()
    });
    let base = event(BROWSER_EVENT).fingerprint;
    assert_ne!(base, event(&other_type).fingerprint);
    assert_ne!(base, event(&other_function).fingerprint);
    assert_ne!(base, event(PYTHON_EVENT).fingerprint);
}

#[test]
fn groups_messages_by_their_normalised_text() {
    let a = event(r#"{"message": "Order 1234 failed for bob@example.com"}"#).fingerprint;
    let b = event(r#"{"message": {"formatted": "Order 98 failed for eve@example.org"}}"#).fingerprint;
    let c = event(r#"{"logentry": {"message": "Payment %s declined", "params": ["x"]}}"#).fingerprint;
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn honours_sdk_fingerprints_and_expands_default() {
    let custom = |fp: Value| event(&with(BROWSER_EVENT, |v| v["fingerprint"] = fp)).fingerprint;
    let base = event(BROWSER_EVENT).fingerprint;
    assert_eq!(custom(json!(["{{ default }}"])), base);
    assert_eq!(custom(json!(["{{default}}"])), base);
    assert_ne!(custom(json!(["{{ default }}", "checkout"])), base);
    assert_eq!(custom(json!(["payment-gateway", 503])), custom(json!(["payment-gateway", "503"])));
    assert_ne!(custom(json!(["payment-gateway"])), base);
    assert_eq!(custom(json!([])), base, "an empty fingerprint means the default");
    let python = event(&with(PYTHON_EVENT, |v| v["fingerprint"] = json!(["payment-gateway"])));
    assert_eq!(python.fingerprint, custom(json!(["payment-gateway"])), "custom keys ignore the error");
}

#[test]
fn uses_all_frames_when_none_is_in_app() {
    let no_in_app = with(BROWSER_EVENT, |v| {
        for f in v["exception"]["values"][0]["stacktrace"]["frames"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("in_app");
        }
    });
    let other_outer = with(&no_in_app, |v| {
        v["exception"]["values"][0]["stacktrace"]["frames"][0]["function"] = "Other.dispatch".into()
    });
    assert_ne!(event(&no_in_app).fingerprint, event(&other_outer).fingerprint);
    let row = event(&no_in_app);
    assert_eq!(row.culprit, "https://shop.example.com/cart?step=2", "no in-app frame: the url");
}

#[test]
fn titles_and_truncates_long_values() {
    let long = "x".repeat(10_000);
    let row = event(&json!({"exception": [{"type": "Error", "value": long}], "message": "m"}).to_string());
    assert!(row.title.starts_with("Error: xxx") && row.title.ends_with('…'));
    assert!(row.title.chars().count() < 220);
    assert_eq!(row.exception_value.len(), 8 * 1024);
    let row = event(r#"{"exception": {"values": [{"type": "AbortError"}]}}"#);
    assert_eq!(row.title, "AbortError");
    let row = event(r#"{"culprit": "app.checkout", "transaction": "/cart"}"#);
    assert_eq!(row.culprit, "app.checkout");
}

#[test]
fn uses_the_last_exception_as_the_main_one() {
    let row = event(
        r#"{"exception": {"values": [
        {"type": "OSError", "value": "disk full"},
        {"type": "RuntimeError", "value": "save failed", "stacktrace": {"frames": [{"function": "save", "filename": "db.py", "in_app": true}]}}
    ]}}"#,
    );
    assert_eq!(row.exception_type, "RuntimeError");
    assert_eq!(row.title, "RuntimeError: save failed");
    let contexts: Value = serde_json::from_str(&row.contexts).unwrap();
    assert_eq!(contexts["exceptions"][0]["type"], "OSError");
    assert_eq!(contexts["exceptions"][1]["frames"][0]["function"], "save");
}

#[test]
fn bounds_breadcrumbs_and_contexts() {
    let crumbs: Vec<Value> = (0..300).map(|i| json!({"message": format!("crumb {i}")})).collect();
    let huge = "y".repeat(600_000);
    let row = event(&json!({"breadcrumbs": crumbs, "extra": {"blob": huge}}).to_string());
    let kept: Value = serde_json::from_str(&row.breadcrumbs).unwrap();
    assert_eq!(kept.as_array().unwrap().len(), 100);
    assert_eq!(kept[0]["message"], "crumb 200");
    assert_eq!(kept[99]["message"], "crumb 299");
    assert!(row.contexts.len() <= 256 * 1024);
    let contexts: Value = serde_json::from_str(&row.contexts).unwrap();
    assert!(contexts["extra"]["blob"].as_str().unwrap().starts_with("yyy"));
}

#[test]
fn rejects_garbage_payloads() {
    for payload in [&b"[]"[..], b"\"x\"", b"42", b"null", b"not json", b"", b"{\"a\":"] {
        let err = normalize_event(payload, &ctx()).unwrap_err();
        assert!(err.to_string().starts_with("invalid event payload"), "{err}");
    }
}

#[test]
fn rejects_deep_nesting_without_overflowing_the_stack() {
    let mut payload = String::from("{\"extra\":");
    payload.push_str(&"[".repeat(10_000));
    payload.push_str(&"]".repeat(10_000));
    payload.push('}');
    let err = normalize_event(payload.as_bytes(), &ctx()).unwrap_err();
    assert!(matches!(err, PayloadError::InvalidJson(_)), "{err}");
    assert!(normalize_event(&"[".repeat(10_000).into_bytes(), &ctx()).is_err());
}

#[test]
fn a_number_out_of_range_never_reaches_a_stored_blob() {
    // Found by `bench/fuzz.sh` (target `store`): `1e309` in `extra` was copied into the
    // contexts blob verbatim, which the event detail then could not parse.
    let raw = br#"{"message":"Order failed","level":"warning","platform":"python","extra":{"cart":{"items":[1,1e309]}},"contexts":{"device":{"family":"Desktop"}}}"#;
    if let Ok(row) = normalize_event(raw, &ctx()) {
        serde_json::from_str::<Value>(&row.contexts).expect("the contexts blob is JSON a Value can hold");
    }
}
