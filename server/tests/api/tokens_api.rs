//! API tokens: shown once, stored hashed, usable as a Bearer credential
//! within their scopes, revocable.

use serde_json::json;

use crate::{dashboard_api::Browser, helpers::spawn_app};

#[tokio::test]
async fn a_token_is_shown_once_works_within_its_scopes_and_can_be_revoked() {
    let app = spawn_app().await;
    let (b, me) = Browser::register(&app, "ada@example.com").await;
    let team = me["teams"][0]["id"].as_i64().unwrap();
    let (status, created) = b.post("/api/v1/tokens", json!({"name": "grafana", "scopes": ["read"]})).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("slt_"));
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens").fetch_one(&app.pg).await.unwrap();
    assert_ne!(stored, secret, "only a hash is stored");
    let (_, listed) = b.get("/api/v1/tokens").await;
    assert!(listed[0].get("secret").is_none());
    assert_eq!(listed[0]["prefix"].as_str().unwrap(), &secret[..10]);

    let bearer = |method: reqwest::Method, path: &str| {
        app.http.request(method, format!("{}{path}", app.address)).bearer_auth(&secret)
    };
    // Read works without cookies or Origin; writes need the write scope.
    let r = bearer(reqwest::Method::GET, &format!("/api/v1/teams/{team}/projects")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = bearer(reqwest::Method::POST, &format!("/api/v1/teams/{team}/projects"))
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, listed) = b.get("/api/v1/tokens").await;
    assert!(listed[0]["last_used_at"].is_string(), "use is recorded: {listed}");
    // Tokens cannot manage tokens.
    assert_eq!(bearer(reqwest::Method::GET, "/api/v1/tokens").send().await.unwrap().status(), 403);
    let (status, _) = b.post("/api/v1/tokens", json!({"name": "bad", "scopes": ["admin"]})).await;
    assert_eq!(status, 422);

    let id = created["token"]["id"].as_i64().unwrap();
    assert_eq!(b.call(reqwest::Method::DELETE, &format!("/api/v1/tokens/{id}"), None).await.0, 204);
    let r = bearer(reqwest::Method::GET, &format!("/api/v1/teams/{team}/projects")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(bearer(reqwest::Method::GET, "/api/v1/auth/me").send().await.unwrap().status(), 401);
    app.stop().await;
}
