//! The client's address (issue 16, hole 2), through the real Caddy with the
//! repo's Caddyfile and directly: behind a trusted proxy each client keeps
//! its own log-in throttle and session address, and nobody outside a trusted
//! proxy chooses the IP ingest stores by sending `X-Forwarded-For`.

use std::{net::IpAddr, time::Duration};

use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use crate::{
    fixtures::*,
    helpers::{spawn_app_with, TestApp},
    restart::{free_port, spawn_caddy, wait_ok},
};

/// A client whose connections leave from `local` (a loopback address of its
/// own, so Caddy sees two different clients), sending `Origin: base`.
fn client_from(local: &str, base: &str) -> reqwest::Client {
    let mut headers = header::HeaderMap::new();
    headers.insert(header::ORIGIN, base.parse().unwrap());
    reqwest::Client::builder()
        .local_address(local.parse::<IpAddr>().unwrap())
        .default_headers(headers)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn log_in(http: &reqwest::Client, base: &str, email: &str, password: &str, spoof: Option<&str>) -> StatusCode {
    let mut req = http.post(format!("{base}/api/v1/auth/login")).json(&json!({"email": email, "password": password}));
    if let Some(ip) = spoof {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap().status()
}

/// Sends one error event asking for `{{auto}}` as its user IP.
async fn send_auto_ip_event(app: &TestApp, http: &reqwest::Client, base: &str, spoof: &str) {
    let id = new_id();
    let mut event = js_error(&id, "whose ip", "f", 1);
    event["user"] = json!({"id": "7", "ip_address": "{{auto}}"});
    let url = format!("{base}/api/{}/envelope/?sentry_key={}&sentry_version=7", app.project_id, app.public_key);
    let resp = http.post(url).header("x-forwarded-for", spoof).body(event_envelope(&event)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

/// Returns the user IP of the one event the test's fresh project holds.
async fn stored_user_ip(app: &TestApp) -> String {
    assert_eq!(app.wait_for_events(1).await, 1, "the event is stored");
    let sql = format!("SELECT user_ip FROM events WHERE project_id = {}", app.project_id);
    app.ch.query(&sql).fetch_one::<String>().await.unwrap()
}

#[tokio::test]
async fn one_attackers_failed_log_ins_through_caddy_do_not_lock_out_another_user() {
    let app = spawn_app_with(|raw| raw.trusted_proxies = Some("127.0.0.1/32".into())).await;
    let victim = sightline::accounts::Email::parse("victim@example.com").unwrap();
    sightline::accounts::create_user(&app.pg, &victim, "correct horse", 4).await.unwrap();
    let upstream: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let front = free_port();
    let dir = std::env::temp_dir().join(format!("sightline-caddy-ip-{}", new_id()));
    let _caddy = spawn_caddy(front, upstream, &dir);
    let base = format!("http://127.0.0.1:{front}");
    wait_ok(&reqwest::Client::new(), &format!("{base}/healthz")).await;

    // The attacker (127.0.0.2) guesses 25 accounts in a row, claiming a new
    // address each time; Caddy replaces the claim with what it saw.
    let attacker = client_from("127.0.0.2", &base);
    let mut statuses = Vec::new();
    for i in 0..25 {
        let spoof = format!("198.51.100.{i}");
        statuses.push(log_in(&attacker, &base, &format!("guess{i}@example.com"), "guess guess", Some(&spoof)).await);
    }
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(statuses[..20].iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count(), 20, "{statuses:?}");
    assert_eq!(refused, 5, "the attacker's own address is throttled after 20: {statuses:?}");

    // The victim (127.0.0.3) logs in through the same Caddy at once.
    let user = client_from("127.0.0.3", &base);
    assert_eq!(log_in(&user, &base, "victim@example.com", "correct horse", None).await, StatusCode::OK);
    let ips: Vec<String> = sqlx::query_scalar("SELECT ip FROM sessions").fetch_all(&app.pg).await.unwrap();
    assert_eq!(ips, vec!["127.0.0.3".to_string()], "the session records the user, not Caddy");

    // Ingest through Caddy stores the sender's address, not its claim.
    send_auto_ip_event(&app, &attacker, &base, "203.0.113.9").await;
    assert_eq!(stored_user_ip(&app).await, "127.0.0.2");
    app.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_spoofed_forwarded_for_from_a_direct_client_is_ignored_by_ingest() {
    let app = spawn_app_with(|_| {}).await;
    send_auto_ip_event(&app, &app.http, &app.address, "203.0.113.9").await;
    assert_eq!(stored_user_ip(&app).await, "127.0.0.1", "no proxy is trusted by default");
    app.stop().await;

    // The same request from a trusted proxy is believed.
    let app = spawn_app_with(|raw| raw.trusted_proxies = Some("127.0.0.0/8".into())).await;
    send_auto_ip_event(&app, &app.http, &app.address, "203.0.113.9, 127.0.0.5").await;
    assert_eq!(stored_user_ip(&app).await, "203.0.113.9");
    app.stop().await;
}

#[tokio::test]
async fn password_reset_requests_are_throttled_per_address_and_e_mail() {
    let app = spawn_app_with(|_| {}).await;
    let http = client_from("127.0.0.1", &app.address);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let resp = http
            .post(format!("{}/api/v1/auth/password-reset", app.address))
            .json(&json!({"email": "nobody@example.com"}))
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited");
        }
    }
    assert_eq!(statuses, vec![202, 202, 202, 202, 202, 429], "an unknown e-mail is throttled like a known one");
    app.stop().await;
}
