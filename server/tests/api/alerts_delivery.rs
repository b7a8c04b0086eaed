//! Delivery of alerts through the outbox: e-mail by Resend (a local fake of
//! its API) with failover to a real SMTP server (aiosmtpd, maildir), retries
//! while both are down that survive a server restart, and webhooks with a
//! valid HMAC signature, retried when the receiver fails.

use std::time::Duration;

use ring::hmac;
use serde_json::{json, Value};
use sightline::{
    alerts::{destination::Guard, outbox::Outbox},
    config::RawConfig,
    retry::Backoff,
};

use crate::{
    alerts_support::{fast_alerts, AlertsApp, WebhookReceiver},
    helpers::{fresh_databases, raw_config, spawn_app_on},
    mail::{free_port, part, Answer, FakeResend, Smtpd},
};

fn mail_settings(raw: &mut RawConfig, resend: &FakeResend, smtp_url: &str) {
    raw.resend_api_key = Some("re_test_key".into());
    raw.resend_base_url = Some(resend.url.clone());
    raw.smtp_url = Some(smtp_url.into());
    raw.mail_from = Some("Sightline <alerts@example.com>".into());
}

fn email_rule() -> Value {
    json!({"name": "new issues by mail", "kind": "new_issue", "email_to": ["oncall@example.com"]})
}

/// Waits until the first alert's first delivery satisfies `done`; returns it.
async fn wait_for_delivery(t: &AlertsApp, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let alerts = t.alerts().await;
        let delivery = alerts.first().map(|a| a["deliveries"][0].clone()).unwrap_or(Value::Null);
        if done(&delivery) {
            return delivery;
        }
        assert!(tokio::time::Instant::now() < deadline, "delivery not as expected in time: {alerts:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn when_resend_answers_500_the_alert_mail_arrives_by_smtp() {
    let resend = FakeResend::start(Answer::Fail).await;
    let smtpd = Smtpd::start().await;
    let t = AlertsApp::start(|raw| mail_settings(raw, &resend, &smtpd.url())).await;
    t.rule(email_rule()).await;
    t.error("basket is null", "production", "error").await;

    let raw = smtpd.the_message().await;
    let issue: i64 = sqlx::query_scalar("SELECT id FROM issues WHERE project_id = $1")
        .bind(t.app.project_id)
        .fetch_one(&t.app.pg)
        .await
        .unwrap();
    assert!(raw.lines().any(|l| l == "To: oncall@example.com"), "{raw}");
    assert!(raw.contains("Subject: [test project] New issue: TypeError: basket is null"), "{raw}");
    let text = part(&raw, "text/plain");
    let link = format!("http://sightline.test/issues/{issue}");
    for needle in [
        "New issue: TypeError: basket is null",
        "Project: test project",
        "Rule: new issues by mail",
        "Events so far: 1",
        "Environments: production",
        &link,
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    assert!(part(&raw, "text/html").contains(&format!("<a href=\"{link}\">")), "{raw}");
    assert_eq!(resend.seen().len(), 1, "Resend was tried first");
    let delivery = wait_for_delivery(&t, |d| d["status"] == "delivered").await;
    assert_eq!(
        (delivery["channel"].as_str(), delivery["path"].as_str(), delivery["attempts"].as_i64()),
        (Some("email"), Some("smtp"), Some(1))
    );
    t.app.stop().await;
}

#[tokio::test]
async fn when_resend_does_not_answer_in_time_the_alert_mail_arrives_by_smtp() {
    let resend = FakeResend::start(Answer::Hang).await;
    let smtpd = Smtpd::start().await;
    let t = AlertsApp::start(|raw| mail_settings(raw, &resend, &smtpd.url())).await;
    t.rule(email_rule()).await;
    t.error("basket is null", "production", "error").await;
    assert!(smtpd.the_message().await.contains("New issue: TypeError: basket is null"));
    let delivery = wait_for_delivery(&t, |d| d["status"] == "delivered").await;
    assert_eq!(delivery["path"], "smtp");
    t.app.stop().await;
}

#[tokio::test]
async fn when_resend_answers_the_alert_goes_through_resend() {
    let resend = FakeResend::start(Answer::Accept).await;
    let closed = format!("smtp://127.0.0.1:{}", free_port());
    let t = AlertsApp::start(|raw| mail_settings(raw, &resend, &closed)).await;
    t.rule(email_rule()).await;
    t.error("basket is null", "production", "error").await;
    let delivery = wait_for_delivery(&t, |d| d["status"] == "delivered").await;
    assert_eq!(delivery["path"], "resend");
    let seen = resend.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body["subject"], "[test project] New issue: TypeError: basket is null");
    assert!(seen[0].body["html"].as_str().unwrap().contains("http://sightline.test/issues/"), "{:?}", seen[0].body);
    t.app.stop().await;
}

#[tokio::test]
async fn with_resend_and_smtp_down_the_outbox_retries_across_a_restart_and_delivers_when_smtp_is_back() {
    let resend = FakeResend::start(Answer::Fail).await;
    let smtp_port = free_port();
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    let dbs = fresh_databases().await;
    let mut raw = raw_config(&dbs);
    fast_alerts(&mut raw);
    mail_settings(&mut raw, &resend, &smtp_url);
    // A second user signs up after the restart.
    raw.signup = Some("open".into());
    let app = spawn_app_on(&dbs, raw.clone()).await;
    let t = AlertsApp { browser: AlertsApp::member_of(&app).await, app };
    t.rule(email_rule()).await;
    t.error("basket is null", "production", "error").await;

    let failing = wait_for_delivery(&t, |d| d["attempts"].as_i64().unwrap_or(0) >= 2).await;
    assert_eq!(failing["status"], "pending", "kept for another try: {failing}");
    let error = failing["last_error"].as_str().unwrap();
    assert!(error.contains("resend failed") && error.contains("smtp fallback failed"), "{error}");

    // The server stops while the notification is pending; SMTP comes back.
    t.app.stop().await;
    let smtpd = Smtpd::start_on(smtp_port).await;
    let app = spawn_app_on(&dbs, raw).await;
    let t = AlertsApp { browser: AlertsApp::member_of(&app).await, app };

    let raw_mail = smtpd.the_message().await;
    assert!(raw_mail.contains("Subject: [test project] New issue: TypeError: basket is null"), "{raw_mail}");
    let delivery = wait_for_delivery(&t, |d| d["status"] == "delivered").await;
    assert_eq!(delivery["path"], "smtp");
    assert!(delivery["attempts"].as_i64().unwrap() >= 3, "{delivery}");
    assert_eq!(t.alerts().await.len(), 1, "one alert, not one per attempt or per server");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtpd.messages().len(), 1, "delivered once");
    t.app.stop().await;
}

#[tokio::test]
async fn a_webhook_receiver_gets_a_signed_payload_and_a_failing_one_is_retried() {
    let hook = WebhookReceiver::start(2).await;
    let t = AlertsApp::start(|_| {}).await;
    t.rule(json!({"name": "to slack", "kind": "new_issue", "webhook_url": hook.url, "webhook_secret": "s3cret"})).await;
    t.error("basket is null", "production", "error").await;

    let got = hook.wait_for(3).await;
    let delivery = wait_for_delivery(&t, |d| d["status"] == "delivered").await;
    assert_eq!((delivery["path"].as_str(), delivery["attempts"].as_i64()), (Some("webhook"), Some(3)), "{delivery}");
    assert_eq!(delivery["last_error"], "receiver answered 500");
    assert_eq!(got.len(), 3, "two failures, then success, then nothing more");
    let last = &got[2];
    assert_eq!(last.headers["content-type"], "application/json");
    let timestamp = last.headers["x-sightline-timestamp"].to_str().unwrap();
    let signature = last.headers["x-sightline-signature"].to_str().unwrap();
    let tag = hex::decode(signature.strip_prefix("sha256=").expect("sha256= prefix")).unwrap();
    let key = hmac::Key::new(hmac::HMAC_SHA256, b"s3cret");
    hmac::verify(&key, format!("{timestamp}.{}", last.body).as_bytes(), &tag).expect("a valid signature");

    let payload: Value = serde_json::from_str(&last.body).unwrap();
    let issue: i64 = sqlx::query_scalar("SELECT id FROM issues WHERE project_id = $1")
        .bind(t.app.project_id)
        .fetch_one(&t.app.pg)
        .await
        .unwrap();
    let text = payload["text"].as_str().unwrap();
    assert!(text.starts_with("[test project] New issue: TypeError: basket is null"), "{text}");
    assert!(text.contains(&format!("http://sightline.test/issues/{issue}")), "{text}");
    assert_eq!(payload["alert"]["kind"], "new_issue");
    assert_eq!(payload["alert"]["issue"]["id"], issue);
    assert_eq!(payload["alert"]["project"]["name"], "test project");
    assert_eq!(payload["alert"]["rule"]["name"], "to slack");
    t.app.stop().await;
}

#[tokio::test]
async fn several_outbox_workers_deliver_each_notification_exactly_once() {
    let hook = WebhookReceiver::start(0).await;
    let t = AlertsApp::start(|raw| raw.alert_poll_ms = Some("20".into())).await;
    t.rule(json!({"name": "every issue", "kind": "new_issue", "webhook_url": hook.url})).await;
    // Three more workers, as in three more server processes, race the server's own.
    let backoff = Backoff { base: Duration::from_millis(200), max: Duration::from_secs(1), max_attempts: 10 };
    let workers: Vec<Outbox> = (0..3)
        .map(|_| {
            let (pg, mailer) = (t.app.pg.clone(), t.app.state.mailer.clone());
            Outbox::new(pg, mailer, backoff, Duration::from_secs(2), Guard::new(true)).unwrap()
        })
        .collect();
    let race = async {
        for _ in 0..60 {
            let (a, b, c) = tokio::join!(workers[0].deliver_due(), workers[1].deliver_due(), workers[2].deliver_due());
            for attempted in [a, b, c] {
                attempted.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let send = async {
        for i in 0..10 {
            t.error(&format!("bug number {i}"), "production", "error").await;
        }
    };
    tokio::join!(race, send);
    t.settled(10, 10).await;
    t.wait_all_delivered(10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = hook.received();
    let mut ids: Vec<i64> =
        got.iter().map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["alert"]["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((got.len(), ids.len()), (10, 10), "each alert sent once: {got:#?}");
    t.app.stop().await;
}

#[tokio::test]
async fn a_test_notification_goes_out_on_every_channel_even_within_the_throttle() {
    let resend = FakeResend::start(Answer::Accept).await;
    let smtpd = Smtpd::start().await;
    let hook = WebhookReceiver::start(0).await;
    let t = AlertsApp::start(|raw| mail_settings(raw, &resend, &smtpd.url())).await;
    let rule = t
        .rule(json!({
            "name": "pager", "kind": "new_issue", "throttle_minutes": 60,
            "email_to": ["oncall@example.com"], "webhook_url": hook.url, "webhook_secret": "s3cret",
        }))
        .await;
    for _ in 0..2 {
        let (status, queued) = t.browser.post(&format!("/api/v1/alert-rules/{rule}/test"), json!({})).await;
        assert_eq!(status, 202, "{queued}");
        assert!(queued["firing_id"].as_i64().is_some(), "{queued}");
    }

    let got = hook.wait_for(2).await;
    for request in &got {
        let timestamp = request.headers["x-sightline-timestamp"].to_str().unwrap();
        let signature = request.headers["x-sightline-signature"].to_str().unwrap();
        let tag = hex::decode(signature.strip_prefix("sha256=").unwrap()).unwrap();
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"s3cret");
        hmac::verify(&key, format!("{timestamp}.{}", request.body).as_bytes(), &tag).expect("a valid signature");
        let payload: Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(payload["alert"]["test"], true, "{payload}");
        assert_eq!(payload["alert"]["summary"], "Test notification: pager");
        assert_eq!(payload["alert"]["issue"], Value::Null);
        let link = format!("http://sightline.test/projects/{}/alerts", t.app.project_id);
        assert_eq!(payload["alert"]["url"], link.as_str());
    }
    let log = t.wait_all_delivered(2).await;
    assert!(log.iter().all(|a| a["test"] == true && a["suppressed"] == false), "neither was held back: {log:#?}");
    let paths: Vec<(&str, &str)> = log
        .iter()
        .flat_map(|a| a["deliveries"].as_array().unwrap())
        .map(|d| (d["channel"].as_str().unwrap(), d["path"].as_str().unwrap()))
        .collect();
    assert_eq!(paths, [("email", "resend"), ("webhook", "webhook"), ("email", "resend"), ("webhook", "webhook")]);
    let mails = resend.seen();
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[0].body["subject"], "[test project] Test notification: pager");
    assert!(mails[0].body["text"].as_str().unwrap().contains("Sent by: "), "{:?}", mails[0].body);

    // A token that may only read cannot send one.
    let (_, token) = t.browser.post("/api/v1/tokens", json!({"name": "ro", "scopes": ["read"]})).await;
    let secret = token["secret"].as_str().unwrap().to_string();
    let res = t
        .app
        .http
        .post(format!("{}/api/v1/alert-rules/{rule}/test", t.app.address))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
