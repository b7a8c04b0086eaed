use serde_json::{json, Value};

use super::*;

fn scrub_with(settings: &ScrubSettings, event: Value) -> Value {
    let payload = serde_json::to_vec(&event).unwrap();
    let scrubber = Scrubber::new(settings).expect("scrubbing is on");
    serde_json::from_slice(&scrubber.scrub_payload(&payload)).unwrap()
}

fn scrub(event: Value) -> Value {
    scrub_with(&ScrubSettings::default(), event)
}

#[test]
fn filters_values_under_sensitive_keys_in_any_case_and_any_place() {
    let out = scrub(json!({
        "request": {
            "data": {"username": "ada", "Password": "hunter2", "nested": {"api_key": 42}},
            "headers": {"Authorization": "Bearer abc", "Accept": "text/html", "X-CSRF-Token": "t"},
            "cookies": {"a": "1"},
            "env": {"MYSQL_PWD": "x"},
        },
        "extra": {"user_secret": {"deep": "x"}, "ok": "fine", "flag_token": true},
        "contexts": {"auth": {"user": "x"}, "app": {"session_id": "s1", "name": "shop"}},
        "breadcrumbs": {"values": [{"message": "login", "data": {"passwd": "p", "to": "/x"}}]},
        "tags": {"xsrf": "t", "locale": "de"},
        "user": {"id": "7", "data": {"privateKey": "k"}},
    }));
    let r = &out["request"];
    assert_eq!(r["data"], json!({"username": "ada", "Password": FILTERED, "nested": {"api_key": FILTERED}}));
    assert_eq!(r["headers"], json!({"Authorization": FILTERED, "Accept": "text/html", "X-CSRF-Token": FILTERED}));
    assert_eq!(r["cookies"], json!(FILTERED));
    assert_eq!(r["env"]["MYSQL_PWD"], FILTERED);
    assert_eq!(out["extra"], json!({"user_secret": FILTERED, "ok": "fine", "flag_token": true}));
    assert_eq!(out["contexts"], json!({"auth": FILTERED, "app": {"session_id": FILTERED, "name": "shop"}}));
    assert_eq!(out["breadcrumbs"]["values"][0]["data"], json!({"passwd": FILTERED, "to": "/x"}));
    assert_eq!(out["tags"], json!({"xsrf": FILTERED, "locale": "de"}));
    assert_eq!(out["user"], json!({"id": "7", "data": {"privateKey": FILTERED}}));
}

#[test]
fn filters_pair_lists_and_query_strings() {
    let out = scrub(json!({
        "request": {
            "headers": [["Cookie", "sessionid=1"], ["Accept", "*/*"]],
            "query_string": "page=2&access_token=abc&q=shoes",
            "url": "https://shop.example.com/cb?code=1&Token=xyz",
        },
        "tags": [["api_key", "k"], ["release", "1"]],
    }));
    assert_eq!(out["request"]["headers"], json!([["Cookie", FILTERED], ["Accept", "*/*"]]));
    assert_eq!(out["request"]["query_string"], "page=2&access_token=[Filtered]&q=shoes");
    assert_eq!(out["request"]["url"], "https://shop.example.com/cb?code=1&Token=[Filtered]");
    assert_eq!(out["tags"], json!([["api_key", FILTERED], ["release", "1"]]));
}

#[test]
fn replaces_card_numbers_in_messages_and_exception_values() {
    let out = scrub(json!({
        "message": "charge 4242 4242 4242 4242 failed",
        "logentry": {"formatted": "card 4111-1111-1111-1111"},
        "exception": {"values": [{"type": "Error", "value": "bad card 5555555555554444"}]},
        "breadcrumbs": [{"message": "typed 378282246310005"}],
    }));
    assert_eq!(out["message"], "charge [Filtered] failed");
    assert_eq!(out["logentry"]["formatted"], "card [Filtered]");
    assert_eq!(out["exception"]["values"][0]["value"], "bad card [Filtered]");
    assert_eq!(out["breadcrumbs"][0]["message"], "typed [Filtered]");
}

#[test]
fn project_fields_add_sensitive_keys_and_safe_keys_win() {
    let settings = ScrubSettings {
        sensitive_fields: vec!["  Iban ".into()],
        safe_fields: vec!["csrf_probe".into(), "card_ok".into()],
        ..ScrubSettings::default()
    };
    let out = scrub_with(
        &settings,
        json!({"extra": {"customer_iban": "DE89", "csrf_probe": {"token": "keep"}, "card_ok": "4111111111111111", "other": "x"}}),
    );
    assert_eq!(
        out["extra"],
        json!({"customer_iban": FILTERED, "csrf_probe": {"token": "keep"}, "card_ok": "4111111111111111", "other": "x"})
    );
}

#[test]
fn ip_addresses_go_only_when_asked() {
    let event = json!({
        "user": {"id": "1", "ip_address": "{{auto}}"},
        "request": {"env": {"REMOTE_ADDR": "203.0.113.9", "SERVER_NAME": "a"}},
        "sdk": {"name": "x", "client_ip": "203.0.113.9"},
    });
    let kept = scrub(event.clone());
    assert_eq!(kept["user"]["ip_address"], "{{auto}}");
    let settings = ScrubSettings { scrub_ip_addresses: true, ..ScrubSettings::default() };
    let out = scrub_with(&settings, event.clone());
    assert_eq!(out["user"], json!({"id": "1"}));
    assert_eq!(out["request"]["env"], json!({"SERVER_NAME": "a"}));
    assert_eq!(out["sdk"], json!({"name": "x"}));
    // IPs alone, without data scrubbing.
    let only_ip = ScrubSettings { scrub_data: false, scrub_ip_addresses: true, ..ScrubSettings::default() };
    let out = scrub_with(&only_ip, json!({"user": {"ip_address": "1.2.3.4"}, "extra": {"password": "p"}}));
    assert_eq!(out, json!({"user": {}, "extra": {"password": "p"}}));
}

#[test]
fn nothing_to_scrub_borrows_the_payload_and_off_means_no_scrubber() {
    let scrubber = Scrubber::new(&ScrubSettings::default()).unwrap();
    let payload = br#"{"message":"hello","extra":{"n":1714564790112}}"#;
    assert!(matches!(scrubber.scrub_payload(payload), Cow::Borrowed(_)));
    // A match in a value only ("session" in an SDK integration's name) changes nothing.
    let payload = br#"{"sdk":{"integrations":["BrowserSession"]},"message":"session ended"}"#;
    assert!(matches!(scrubber.scrub_payload(payload), Cow::Borrowed(_)));
    // Not JSON: left for the normaliser to refuse.
    assert!(matches!(scrubber.scrub_payload(b"{\"password\": oops"), Cow::Borrowed(_)));
    let off = ScrubSettings { scrub_data: false, ..ScrubSettings::default() };
    assert!(Scrubber::new(&off).is_none());
}

#[test]
fn unicode_escapes_cannot_hide_a_key() {
    let out = scrub(serde_json::from_str(r#"{"extra":{"pass\u0077ord":"p"}}"#).unwrap());
    assert_eq!(out["extra"]["password"], FILTERED);
    let scrubber = Scrubber::new(&ScrubSettings::default()).unwrap();
    let out = scrubber.scrub_payload(br#"{"extra":{"pass\u0077ord":"p"}}"#);
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap()["extra"]["password"], FILTERED);
}
