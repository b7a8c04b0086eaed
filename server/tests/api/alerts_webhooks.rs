//! Webhooks cannot be turned against the server's own network (the SSRF of
//! issue 16). By default a URL at an internal address is refused when the rule
//! is saved, in any spelling; a name that resolves to one is refused at
//! delivery before anything connects (the receiver on 127.0.0.1 counts zero
//! connections); with SIGHTLINE_WEBHOOK_ALLOW_PRIVATE on, the same receiver
//! gets the webhook. Redirects are not followed, and the delivery log keeps the
//! status code and a reason, never the receiver's body. Every receiver listens
//! on 127.0.0.1: no test sends traffic anywhere else (metadata and private
//! addresses are refused before any connection is tried).

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering::SeqCst},
        Arc,
    },
    time::Duration,
};

use axum::{http::StatusCode, response::IntoResponse, serve::ListenerExt, Router};
use serde_json::{json, Value};

use crate::{alerts_support::AlertsApp, fixtures::new_id};

/// A local HTTP server that answers every request the same way and counts
/// the connections it accepted and the requests it answered.
struct Receiver {
    port: u16,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl Receiver {
    /// Answers `status` with `headers` and `body`, after `delay`.
    async fn start(status: u16, headers: &[(&'static str, String)], body: String, delay: Duration) -> Self {
        let (connections, requests) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (counted, headers) = (requests.clone(), headers.to_vec());
        let app = Router::new().fallback(move || {
            let (counted, headers, body) = (counted.clone(), headers.clone(), body.clone());
            async move {
                counted.fetch_add(1, SeqCst);
                tokio::time::sleep(delay).await;
                let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
                for (name, value) in headers {
                    response.headers_mut().insert(name, value.parse().unwrap());
                }
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = connections.clone();
        let listener = listener.tap_io(move |_| {
            accepted.fetch_add(1, SeqCst);
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { port, connections, requests }
    }

    /// Answers 200 at once.
    async fn ok() -> Self {
        Self::start(200, &[], "ok".into(), Duration::ZERO).await
    }

    fn url(&self, host: &str) -> String {
        format!("http://{host}:{}/hook", self.port)
    }

    fn counts(&self) -> (usize, usize) {
        (self.connections.load(SeqCst), self.requests.load(SeqCst))
    }
}

/// Starts a server that refuses private receivers (the default).
async fn strict() -> AlertsApp {
    AlertsApp::start(|raw| raw.webhook_allow_private = None).await
}

/// Starts a server that allows private receivers, giving up a delivery after `attempts`.
async fn on_premise(attempts: u32) -> AlertsApp {
    AlertsApp::start(|raw| raw.alert_max_attempts = Some(attempts.to_string())).await
}

/// Creates a rule sending to `url`; returns the answer.
async fn create(t: &AlertsApp, url: &str) -> (StatusCode, Value) {
    let rule = json!({"name": format!("hook {}", new_id()), "kind": "new_issue", "webhook_url": url});
    t.browser.post(&format!("/api/v1/projects/{}/alert-rules", t.app.project_id), rule).await
}

/// Presses "Send test" on the rule.
async fn send_test(t: &AlertsApp, rule: i64) {
    let (status, body) = t.browser.post(&format!("/api/v1/alert-rules/{rule}/test"), json!({})).await;
    assert_eq!(status, 202, "{body}");
}

/// Waits until the newest alert's webhook delivery satisfies `done`; returns it.
async fn webhook_delivery(t: &AlertsApp, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let alerts = t.alerts().await;
        let deliveries = alerts.first().and_then(|a| a["deliveries"].as_array().cloned()).unwrap_or_default();
        if let Some(d) = deliveries.into_iter().find(|d| d["channel"] == "webhook" && done(d)) {
            return d;
        }
        assert!(tokio::time::Instant::now() < deadline, "delivery not as expected in time: {alerts:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_webhook_at_an_internal_address_is_refused_when_the_rule_is_saved_in_any_spelling() {
    let hook = Receiver::ok().await;
    let t = strict().await;
    let port = hook.port;
    let loopback = "is a loopback address";
    for (url, why) in [
        (hook.url("127.0.0.1"), "127.0.0.1 is a loopback address"),
        (hook.url("2130706433"), "127.0.0.1 is a loopback address"),
        (hook.url("0x7f.1"), "127.0.0.1 is a loopback address"),
        (hook.url("0177.0.0.1"), "127.0.0.1 is a loopback address"),
        (hook.url("[::ffff:127.0.0.1]"), "::ffff:127.0.0.1 is a loopback address"),
        (hook.url("[::1]"), "::1 is a loopback address"),
        // Names are resolved (from /etc/hosts: no DNS query leaves the machine).
        (hook.url("localhost"), loopback),
        (hook.url("localhost."), loopback),
        (format!("http://0.0.0.0:{port}/hook"), "0.0.0.0 is the unspecified address"),
        ("http://169.254.169.254/latest/meta-data/".into(), "169.254.169.254 is a cloud metadata service address"),
        (
            "http://metadata.google.internal/computeMetadata/v1/".into(),
            "metadata.google.internal is a cloud metadata service",
        ),
        ("http://10.0.0.1:8123/?query=SELECT%201".into(), "10.0.0.1 is a private address"),
        ("http://192.168.1.1/".into(), "192.168.1.1 is a private address"),
        ("http://[fe80::1]/".into(), "fe80::1 is a link-local address"),
        ("http://100.64.0.1/".into(), "100.64.0.1 is a carrier-grade NAT (shared) address"),
        ("http://clickhouse.internal:8123/".into(), "clickhouse.internal is a local-network name"),
    ] {
        let (status, body) = create(&t, &url).await;
        assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (400, Some("webhook_refused")), "{url}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("webhook URL refused: ") && message.contains(why), "{url}: {message}");
    }
    let (_, body) = create(&t, &hook.url("127.0.0.1")).await;
    assert!(body["error"]["message"].as_str().unwrap().contains("SIGHTLINE_WEBHOOK_ALLOW_PRIVATE=1"), "{body}");
    let (_, body) = create(&t, "http://169.254.169.254/").await;
    assert!(!body["error"]["message"].as_str().unwrap().contains("ALLOW_PRIVATE"), "no setting allows it: {body}");

    // Replacing a rule is checked the same way, and leaves it as it was.
    let id = t.rule(json!({"name": "mail", "kind": "new_issue", "email_to": ["oncall@example.com"]})).await;
    let replacement = json!({"name": "mail", "kind": "new_issue", "webhook_url": hook.url("127.0.0.1")});
    let (status, body) =
        t.browser.call(reqwest::Method::PUT, &format!("/api/v1/alert-rules/{id}"), Some(replacement)).await;
    assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (400, Some("webhook_refused")), "{body}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_rules WHERE webhook_url IS NOT NULL")
        .fetch_one(&t.app.pg)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    assert_eq!(hook.counts(), (0, 0), "nothing reached the receiver");
    t.app.stop().await;
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused_at_delivery_and_the_receiver_sees_nothing() {
    let hook = Receiver::ok().await;
    let t = strict().await;
    // As if DNS answered a public address when the rule was saved and 127.0.0.1 now.
    for url in [hook.url("localhost"), hook.url("2130706433")] {
        let id = t.rule(json!({"name": "mail", "kind": "new_issue", "email_to": ["oncall@example.com"]})).await;
        sqlx::query("UPDATE alert_rules SET webhook_url = $2 WHERE id = $1")
            .bind(id)
            .bind(&url)
            .execute(&t.app.pg)
            .await
            .unwrap();
        send_test(&t, id).await;
        let delivery = webhook_delivery(&t, |d| d["status"] == "failed").await;
        let error = delivery["last_error"].as_str().unwrap();
        assert!(error.starts_with("refused: ") && error.ends_with("is a loopback address"), "{url}: {delivery}");
        assert_eq!(delivery["attempts"], 1, "a refusal is not retried: {delivery}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hook.counts(), (0, 0), "refused before connecting");
    t.app.stop().await;
}

#[tokio::test]
async fn with_private_receivers_allowed_the_same_loopback_webhook_is_delivered() {
    let hook = Receiver::ok().await;
    let t = on_premise(3).await;
    let (status, rule) = create(&t, &hook.url("localhost")).await;
    assert_eq!(status, 201, "{rule}");
    send_test(&t, rule["id"].as_i64().unwrap()).await;
    let delivery = webhook_delivery(&t, |d| d["status"] == "delivered").await;
    assert_eq!((delivery["path"].as_str(), delivery["attempts"].as_i64()), (Some("webhook"), Some(1)));
    assert_eq!(hook.counts().1, 1);
    // Metadata services stay refused even so.
    let (status, body) = create(&t, "http://169.254.169.254/latest/meta-data/").await;
    assert_eq!(status, 400, "{body}");
    t.app.stop().await;
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_delivery_fails_with_its_status() {
    let target = Receiver::ok().await;
    let redirect = Receiver::start(302, &[("location", target.url("127.0.0.1"))], String::new(), Duration::ZERO).await;
    let t = on_premise(5).await;
    let (status, rule) = create(&t, &redirect.url("127.0.0.1")).await;
    assert_eq!(status, 201, "{rule}");
    send_test(&t, rule["id"].as_i64().unwrap()).await;
    let delivery = webhook_delivery(&t, |d| d["status"] == "failed").await;
    assert_eq!(
        (delivery["last_error"].as_str(), delivery["attempts"].as_i64()),
        (Some("redirect refused: receiver answered 302"), Some(1)),
        "{delivery}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(redirect.counts().1, 1);
    assert_eq!(target.counts(), (0, 0), "the redirect's target sees nothing");
    t.app.stop().await;
}

#[tokio::test]
async fn the_delivery_log_has_the_status_and_not_the_receivers_body() {
    let secret = format!("secret-{}", new_id());
    let body = format!("Code: 62. DB::Exception: Syntax error {secret}");
    let failing = Receiver::start(500, &[("x-leak", secret.clone())], body, Duration::ZERO).await;
    let slow = Receiver::start(200, &[], "late".into(), Duration::from_secs(4)).await;
    let t = on_premise(2).await;
    let (_, rule) = create(&t, &failing.url("127.0.0.1")).await;
    send_test(&t, rule["id"].as_i64().unwrap()).await;
    let delivery = webhook_delivery(&t, |d| d["status"] == "failed").await;
    assert_eq!(
        (delivery["last_error"].as_str(), delivery["attempts"].as_i64()),
        (Some("receiver answered 500"), Some(2))
    );
    assert_eq!(failing.counts().1, 2, "retried, then given up");
    let log = serde_json::to_string(&t.alerts().await).unwrap();
    assert!(!log.contains(&secret) && !log.contains("DB::Exception"), "{log}");

    // The server waits SIGHTLINE_WEBHOOK_TIMEOUT_SECS (2 s in tests) for an answer.
    let (_, rule) = create(&t, &slow.url("127.0.0.1")).await;
    send_test(&t, rule["id"].as_i64().unwrap()).await;
    let delivery = webhook_delivery(&t, |d| !d["last_error"].is_null()).await;
    assert_eq!(delivery["last_error"], "timed out", "{delivery}");
    t.app.stop().await;
}
