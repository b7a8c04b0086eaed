//! Password reset end to end: the request answers alike for known and
//! unknown addresses, the link arrives by real SMTP (aiosmtpd), works once,
//! ends every session, and expired links are refused.

use serde_json::json;

use crate::{
    dashboard_api::Browser,
    helpers::spawn_app_with,
    mail::{part, Smtpd},
};

fn token_in(raw: &str) -> String {
    let text = part(raw, "text/plain");
    let start = text.find("token=").expect("a reset link") + "token=".len();
    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

#[tokio::test]
async fn a_reset_link_arrives_by_mail_works_once_and_ends_sessions() {
    let smtpd = Smtpd::start().await;
    let url = smtpd.url();
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(url);
        c.mail_from = Some("Sightline <noreply@example.com>".into());
        c.public_url = Some("https://errors.example.com".into());
    })
    .await;
    let (old_session, _) = Browser::register(&app, "ada@example.com").await;
    // Behind https the Secure cookie is not sent over this plain test connection;
    // prove the session exists through the database instead.
    let sessions =
        || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sessions").fetch_one(&app.pg).await.unwrap() };
    assert_eq!(sessions().await, 1);
    drop(old_session);

    let anon = Browser::new(&app);
    // Origin must match the public URL for these cookie-less writes too.
    let post = |path: &'static str, body: serde_json::Value| {
        anon.http
            .post(format!("{}{path}", app.address))
            .header("origin", "https://errors.example.com")
            .json(&body)
            .send()
    };
    let r = post("/api/v1/auth/password-reset", json!({"email": "nobody@example.com"})).await.unwrap();
    assert_eq!(r.status(), 202, "unknown addresses get the same answer");
    let r = post("/api/v1/auth/password-reset", json!({"email": "ADA@example.com"})).await.unwrap();
    assert_eq!(r.status(), 202);
    let mail = smtpd.the_message().await;
    assert!(mail.contains("To: ada@example.com"), "{mail}");
    assert!(mail.contains("Subject: Reset your Sightline password"), "{mail}");
    assert!(part(&mail, "text/plain").contains("https://errors.example.com/reset-password?token="));
    let token = token_in(&mail);
    assert!(token.len() > 30, "{token}");

    let bad = post("/api/v1/auth/password-reset/confirm", json!({"token": "nope", "new_password": "a new password"}))
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let ok = post("/api/v1/auth/password-reset/confirm", json!({"token": token, "new_password": "a new password"}))
        .await
        .unwrap();
    assert_eq!(ok.status(), 204);
    assert_eq!(sessions().await, 0, "a reset logs out everywhere");
    let again = post("/api/v1/auth/password-reset/confirm", json!({"token": token, "new_password": "third password"}))
        .await
        .unwrap();
    assert_eq!(again.status(), 422, "the link works once");
    let login =
        post("/api/v1/auth/login", json!({"email": "ada@example.com", "password": "a new password"})).await.unwrap();
    assert_eq!(login.status(), 200);

    // An expired link is refused.
    post("/api/v1/auth/password-reset", json!({"email": "ada@example.com"})).await.unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while smtpd.messages().len() < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let newest = smtpd.messages().into_iter().map(|m| token_in(&m)).find(|t| *t != token).expect("a second mail");
    sqlx::query("UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
        .execute(&app.pg)
        .await
        .unwrap();
    let late = post("/api/v1/auth/password-reset/confirm", json!({"token": newest, "new_password": "too late pw"}))
        .await
        .unwrap();
    assert_eq!(late.status(), 422);
    app.stop().await;
}
