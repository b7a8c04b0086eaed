//! What the alert tests share: a server with fast alert timings and a
//! logged-in member of its project, errors sent through the real envelope
//! endpoint, and a local webhook receiver that records what it gets.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post, Router};
use serde_json::{json, Value};
use sightline::config::RawConfig;

use crate::{
    dashboard_api::Browser,
    fixtures::{event_envelope, js_error, new_id},
    helpers::{spawn_app_with, TestApp},
};

/// The dashboard base URL alert links point to.
pub const PUBLIC_URL: &str = "http://sightline.test";

/// Sets short alert timings (tests wait seconds, not minutes), and lets
/// webhooks reach the local receivers on 127.0.0.1 (refused by default).
pub fn fast_alerts(raw: &mut RawConfig) {
    raw.public_url = Some(PUBLIC_URL.into());
    raw.alert_eval_ms = Some("300".into());
    raw.alert_poll_ms = Some("100".into());
    raw.alert_retry_base_ms = Some("200".into());
    raw.alert_retry_max_secs = Some("1".into());
    raw.resend_timeout_ms = Some("500".into());
    raw.webhook_timeout_secs = Some("2".into());
    raw.webhook_allow_private = Some("1".into());
}

/// A running server, and a browser logged in as an owner of its test project.
pub struct AlertsApp {
    pub app: TestApp,
    pub browser: Browser,
}

impl AlertsApp {
    /// Starts a server with [`fast_alerts`] plus `tweak`.
    pub async fn start(tweak: impl FnOnce(&mut RawConfig)) -> Self {
        let app = spawn_app_with(|raw| {
            fast_alerts(raw);
            tweak(raw);
        })
        .await;
        let browser = Self::member_of(&app).await;
        AlertsApp { app, browser }
    }

    /// Registers a user and makes them owner of the test project's team.
    pub async fn member_of(app: &TestApp) -> Browser {
        let (browser, me) = Browser::register(app, &format!("ops-{}@example.com", new_id())).await;
        sqlx::query(
            "INSERT INTO memberships (team_id, user_id, role) SELECT team_id, $2, 'owner' FROM projects WHERE id = $1",
        )
        .bind(app.project_id)
        .bind(me["user"]["id"].as_i64().unwrap())
        .execute(&app.pg)
        .await
        .unwrap();
        browser
    }

    /// Creates a rule on the test project; returns its id.
    pub async fn rule(&self, rule: Value) -> i64 {
        let (status, body) =
            self.browser.post(&format!("/api/v1/projects/{}/alert-rules", self.app.project_id), rule).await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_i64().unwrap()
    }

    /// Sends one error event through the envelope endpoint; each message is its own issue.
    pub async fn error(&self, message: &str, environment: &str, level: &str) {
        // Errors group by stack trace: one function per message makes one issue per message.
        let function: String = message.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let mut event = js_error(&new_id(), message, &function, 10);
        // Now, not the fixture's minute ago: a regression needs an event newer than the resolution.
        event["timestamp"] = json!(chrono::Utc::now().timestamp());
        event["environment"] = json!(environment);
        event["level"] = json!(level);
        let response = self.app.post_envelope(event_envelope(&event)).await;
        assert_eq!(response.status(), 200);
    }

    /// Returns the alert log, newest first, as the API answers it.
    pub async fn alerts(&self) -> Vec<Value> {
        let (status, body) = self.browser.get(&format!("/api/v1/projects/{}/alerts", self.app.project_id)).await;
        assert_eq!(status, 200, "{body}");
        body.as_array().unwrap().clone()
    }

    /// Waits until the issue tracker has flushed `issues` issues holding `events` events in all.
    pub async fn settled(&self, issues: i64, events: i64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let (n, seen): (i64, Option<i64>) =
                sqlx::query_as("SELECT count(*), sum(times_seen)::bigint FROM issues WHERE project_id = $1")
                    .bind(self.app.project_id)
                    .fetch_one(&self.app.pg)
                    .await
                    .unwrap();
            if (n, seen.unwrap_or(0)) == (issues, events) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "issues/events: ({n}, {seen:?}), want ({issues}, {events})"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the alert log has `n` entries (fired or held back); returns it.
    pub async fn wait_for_alerts(&self, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let alerts = self.alerts().await;
            if alerts.len() >= n || tokio::time::Instant::now() > deadline {
                assert_eq!(alerts.len(), n, "{alerts:#?}");
                return alerts;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl AlertsApp {
    /// Waits until the log has `n` alerts and every notification is delivered; returns the log.
    pub async fn wait_all_delivered(&self, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let alerts = self.alerts().await;
            let delivered = alerts
                .iter()
                .flat_map(|a| a["deliveries"].as_array().cloned().unwrap_or_default())
                .all(|d| d["status"] == "delivered");
            if alerts.len() == n && delivered {
                return alerts;
            }
            assert!(tokio::time::Instant::now() < deadline, "want {n} alerts, all delivered: {alerts:#?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
}

#[derive(Clone)]
struct ReceiverState {
    failures_left: Arc<Mutex<usize>>,
    got: Arc<Mutex<Vec<Received>>>,
}

/// A local HTTP server standing in for Slack or a team's own endpoint.
pub struct WebhookReceiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl WebhookReceiver {
    /// Starts a receiver that answers 500 to the first `failures` requests, then 200.
    pub async fn start(failures: usize) -> Self {
        let state =
            ReceiverState { failures_left: Arc::new(Mutex::new(failures)), got: Arc::new(Mutex::new(Vec::new())) };
        let got = state.got.clone();
        let app = Router::new().route("/hook", post(receive)).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        WebhookReceiver { url, got }
    }

    /// Returns every request so far, failed ones included.
    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived; returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.received();
            if got.len() >= n || tokio::time::Instant::now() > deadline {
                assert!(got.len() >= n, "the receiver got {} requests, want {n}: {got:#?}", got.len());
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(State(state): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> http::StatusCode {
    state.got.lock().unwrap().push(Received { headers, body: String::from_utf8_lossy(&body).into_owned() });
    let mut left = state.failures_left.lock().unwrap();
    if *left > 0 {
        *left -= 1;
        http::StatusCode::INTERNAL_SERVER_ERROR
    } else {
        http::StatusCode::OK
    }
}
