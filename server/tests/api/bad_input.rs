//! Malformed, truncated, oversized and hostile bodies get the right 4xx with
//! a reason, never a panic, and the server keeps serving afterwards.

use serde_json::json;

use crate::{
    fixtures::*,
    helpers::{spawn_app, spawn_app_with, TestApp},
};

async fn expect(app: &TestApp, resp: reqwest::Response, status: u16, reason_part: &str) {
    assert_eq!(resp.status(), status, "{:?}", resp.headers().get("x-sentry-error"));
    let reason = resp.headers()["x-sentry-error"].to_str().unwrap().to_string();
    assert!(reason.contains(reason_part), "{reason:?} should mention {reason_part:?}");
    // Still alive and accepting.
    let ok = app.post_envelope(event_envelope(&js_error(&new_id(), "after bad input", "f", 1))).await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn framing_errors_are_bad_requests() {
    let app = spawn_app().await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("malformed header", b"{this is not json\n{\"type\":\"event\"}\n{}\n".to_vec(), "envelope"),
        ("truncated item", b"{}\n{\"type\":\"event\",\"length\":500}\n{\"short\":1}\n".to_vec(), "envelope"),
        (
            "wrong length",
            b"{}\n{\"type\":\"event\",\"length\":3}\n{\"message\":\"longer than three\"}\n".to_vec(),
            "envelope",
        ),
        ("item header without type", b"{}\n{\"length\":2}\n{}\n".to_vec(), "envelope"),
        ("empty body", Vec::new(), "envelope"),
    ];
    for (name, body, reason) in cases {
        let resp = app.post_envelope(body).await;
        assert_eq!(resp.status(), 400, "{name}");
        expect(&app, resp, 400, reason).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn invalid_event_json_is_a_bad_request() {
    let app = spawn_app().await;
    let body = envelope(json!({}), &[("event", b"{\"message\": \"unterminated".to_vec())]);
    let resp = app.post_envelope(body).await;
    expect(&app, resp, 400, "invalid event payload").await;
    app.stop().await;
}

#[tokio::test]
async fn deep_json_nesting_is_a_bad_request_not_a_crash() {
    let app = spawn_app().await;
    let mut payload = String::from("{\"extra\":");
    payload.push_str(&"[".repeat(100_000));
    payload.push_str(&"]".repeat(100_000));
    payload.push('}');
    let body = envelope(json!({}), &[("event", payload.into_bytes())]);
    let resp = app.post_envelope(body).await;
    expect(&app, resp, 400, "invalid event payload").await;
    app.stop().await;
}

#[tokio::test]
async fn an_oversize_body_is_too_large() {
    let app = spawn_app_with(|c| c.max_envelope_bytes = Some("65536".into())).await;
    let big = js_error(&new_id(), &"x".repeat(100_000), "f", 1);
    let resp = app.post_envelope(event_envelope(&big)).await;
    expect(&app, resp, 413, "too large").await;
    app.stop().await;
}

#[tokio::test]
async fn an_oversize_event_item_is_too_large() {
    let app = spawn_app().await;
    // 1 MiB is the per-event limit (as Relay); the envelope itself is allowed 20 MiB.
    let big = js_error(&new_id(), &"y".repeat(1_100_000), "f", 1);
    let resp = app.post_envelope(event_envelope(&big)).await;
    expect(&app, resp, 413, "event item too large").await;
    app.stop().await;
}

#[tokio::test]
async fn a_decompression_bomb_is_refused() {
    let app = spawn_app().await;
    // 200 MiB of zeros gzip to ~200 KB; the decompressed cap is 40 MiB.
    let mut zeros = event_envelope(&js_error(&new_id(), "bomb", "f", 1));
    zeros.resize(200 * 1024 * 1024, b' ');
    let bomb = gzip(&zeros);
    drop(zeros);
    assert!(bomb.len() < 1024 * 1024);
    let resp = app.http.post(app.envelope_url()).header("content-encoding", "gzip").body(bomb).send().await.unwrap();
    expect(&app, resp, 413, "decompressed body too large").await;
    app.stop().await;
}

#[tokio::test]
async fn brotli_and_zstd_bombs_are_refused_while_inflating() {
    let app = spawn_app().await;
    // 200 MiB of spaces after an event: a few hundred KB compressed, past the 40 MiB cap.
    let mut zeros = event_envelope(&js_error(&new_id(), "bomb", "f", 1));
    zeros.resize(200 * 1024 * 1024, b' ');
    let zst = zstd::encode_all(&zeros[..], 3).unwrap();
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 1, ..Default::default() };
    brotli::BrotliCompress(&mut &zeros[..], &mut br, &params).unwrap();
    drop(zeros);
    for (encoding, bomb) in [("zstd", zst), ("br", br)] {
        assert!(bomb.len() < 4 * 1024 * 1024, "{encoding}: {} bytes", bomb.len());
        let resp =
            app.http.post(app.envelope_url()).header("content-encoding", encoding).body(bomb).send().await.unwrap();
        expect(&app, resp, 413, "decompressed body too large").await;
        let resp =
            app.http.post(app.envelope_url()).header("content-encoding", encoding).body("junk").send().await.unwrap();
        expect(&app, resp, 400, encoding).await;
    }
    // Only the four good events `expect` sends after each refusal.
    assert_eq!(app.wait_for_events(4).await, 4);
    app.stop().await;
}

#[tokio::test]
async fn corrupt_gzip_and_unknown_encodings_are_refused() {
    let app = spawn_app().await;
    let resp =
        app.http.post(app.envelope_url()).header("content-encoding", "gzip").body("plain text").send().await.unwrap();
    expect(&app, resp, 400, "gzip").await;
    let resp = app.http.post(app.envelope_url()).header("content-encoding", "compress").body("x").send().await.unwrap();
    expect(&app, resp, 415, "unsupported content encoding").await;
    app.stop().await;
}

#[tokio::test]
async fn non_object_events_on_the_store_endpoint_are_bad_requests() {
    let app = spawn_app().await;
    let url = format!("{}/api/{}/store/?sentry_key={}", app.address, app.project_id, app.public_key);
    for body in ["[1,2,3]", "\"just a string\"", "not json at all"] {
        let resp = app.http.post(&url).body(body).send().await.unwrap();
        expect(&app, resp, 400, "invalid event payload").await;
    }
    app.stop().await;
}
