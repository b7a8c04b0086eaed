//! The dashboard API as a browser uses it: sign-up and log-in with a session
//! cookie, CSRF protection, throttling, password change, and projects whose
//! keys and DSNs work against the real ingest endpoint.

use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use crate::{
    fixtures::*,
    helpers::{spawn_app, spawn_open_app, TestApp},
};

/// A browser-like client: cookie jar, and the dashboard's own Origin on every request.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        let mut headers = header::HeaderMap::new();
        headers.insert(header::ORIGIN, app.address.parse().unwrap());
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder().cookie_provider(jar.clone()).default_headers(headers).build().unwrap();
        Browser { http, base: app.address.clone(), jar }
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// Registers `email` and returns the logged-in browser and its `/me`.
    pub async fn register(app: &TestApp, email: &str) -> (Browser, Value) {
        let b = Browser::new(app);
        let (status, me) = b.post("/api/v1/auth/register", json!({"email": email, "password": "correct horse"})).await;
        assert_eq!(status, StatusCode::CREATED, "{me}");
        (b, me)
    }
}

#[tokio::test]
async fn sign_up_logs_in_with_a_protected_session_cookie() {
    let app = spawn_open_app().await;
    let resp = Browser::new(&app)
        .http
        .post(format!("{}/api/v1/auth/register", app.address))
        .json(&json!({"email": "ada@example.com", "password": "correct horse", "name": "Ada"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let cookie = resp.headers()[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.starts_with("sightline_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    assert!(!cookie.contains("Secure"), "plain-http installs cannot use Secure cookies");
    let me: Value = resp.json().await.unwrap();
    assert_eq!(me["user"]["email"], "ada@example.com");
    assert_eq!(me["teams"][0]["role"], "owner", "sign-up creates a personal team");

    let (b, _) = Browser::register(&app, "bob@example.com").await;
    let (status, me) = b.get("/api/v1/auth/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["user"]["email"], "bob@example.com");
    let (status, body) =
        b.post("/api/v1/auth/register", json!({"email": "BOB@example.com", "password": "another one"})).await;
    assert_eq!(status, 409, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn log_in_errors_do_not_reveal_whether_an_account_exists() {
    let app = spawn_app().await;
    Browser::register(&app, "ada@example.com").await;
    let b = Browser::new(&app);
    let (s1, wrong_pw) =
        b.post("/api/v1/auth/login", json!({"email": "ada@example.com", "password": "not it at all"})).await;
    let (s2, no_user) =
        b.post("/api/v1/auth/login", json!({"email": "nobody@example.com", "password": "not it at all"})).await;
    assert_eq!((s1, s2), (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(wrong_pw, no_user);
    assert_eq!(wrong_pw["error"]["message"], "wrong e-mail or password");
    let (status, _) =
        b.post("/api/v1/auth/login", json!({"email": "ADA@example.com", "password": "correct horse"})).await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test]
async fn log_in_rotates_the_session_and_log_out_ends_it() {
    let app = spawn_app().await;
    let (b, _) = Browser::register(&app, "ada@example.com").await;
    let first = session_cookie(&b).await;
    let (status, _) =
        b.post("/api/v1/auth/login", json!({"email": "ada@example.com", "password": "correct horse"})).await;
    assert_eq!(status, 200);
    let second = session_cookie(&b).await;
    assert_ne!(first, second);
    assert_eq!(me_with_cookie(&app, &first).await, 401, "the pre-login session is gone");
    assert_eq!(me_with_cookie(&app, &second).await, 200);
    let (status, _) = b.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(me_with_cookie(&app, &second).await, 401);
    assert_eq!(b.get("/api/v1/auth/me").await.0, 401);
    app.stop().await;
}

async fn session_cookie(b: &Browser) -> String {
    let url: reqwest::Url = b.base.parse().unwrap();
    let header = reqwest::cookie::CookieStore::cookies(&*b.jar, &url).expect("a session cookie");
    header.to_str().unwrap().to_string()
}

async fn me_with_cookie(app: &TestApp, cookie: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/api/v1/auth/me", app.address))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn cookie_writes_from_another_origin_are_refused() {
    let app = spawn_app().await;
    let (b, _) = Browser::register(&app, "ada@example.com").await;
    let cookie = session_cookie(&b).await;
    let post = |origin: Option<&'static str>| {
        let mut req = reqwest::Client::new()
            .post(format!("{}/api/v1/teams", app.address))
            .header(header::COOKIE, cookie.clone())
            .json(&json!({"name": "Evil"}));
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        req.send()
    };
    assert_eq!(post(Some("https://evil.example")).await.unwrap().status(), 403);
    assert_eq!(post(None).await.unwrap().status(), 403);
    let (status, team) = b.post("/api/v1/teams", json!({"name": "Platform"})).await;
    assert_eq!(status, 201, "same-origin write works: {team}");
    // Log-in itself is protected too (login CSRF).
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", app.address))
        .header(header::ORIGIN, "https://evil.example")
        .json(&json!({"email": "ada@example.com", "password": "correct horse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn repeated_failed_log_ins_are_throttled() {
    let app = spawn_app().await;
    Browser::register(&app, "ada@example.com").await;
    let b = Browser::new(&app);
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let resp = b
            .http
            .post(format!("{}/api/v1/auth/login", app.address))
            .json(&json!({"email": "ada@example.com", "password": "guess guess"}))
            .send()
            .await
            .unwrap();
        if resp.status() == 429 {
            assert!(resp.headers().contains_key(header::RETRY_AFTER));
        }
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, vec![422, 422, 422, 422, 422, 429, 429]);
    // Even the right password waits: the bucket is per account.
    let (status, _) =
        b.post("/api/v1/auth/login", json!({"email": "ada@example.com", "password": "correct horse"})).await;
    assert_eq!(status, 429);
    app.stop().await;
}

#[tokio::test]
async fn changing_the_password_logs_out_other_sessions() {
    let app = spawn_app().await;
    let (laptop, _) = Browser::register(&app, "ada@example.com").await;
    let phone = Browser::new(&app);
    assert_eq!(
        phone.post("/api/v1/auth/login", json!({"email": "ada@example.com", "password": "correct horse"})).await.0,
        200
    );
    let (status, body) = laptop
        .post("/api/v1/auth/password", json!({"current_password": "wrong", "new_password": "brand new pw"}))
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = laptop
        .post("/api/v1/auth/password", json!({"current_password": "correct horse", "new_password": "brand new pw"}))
        .await;
    assert_eq!(status, 204);
    assert_eq!(laptop.get("/api/v1/auth/me").await.0, 200);
    assert_eq!(phone.get("/api/v1/auth/me").await.0, 401);
    let fresh = Browser::new(&app);
    assert_eq!(
        fresh.post("/api/v1/auth/login", json!({"email": "ada@example.com", "password": "brand new pw"})).await.0,
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn a_project_created_through_the_api_ingests_with_its_dsn() {
    let app = spawn_app().await;
    let (b, me) = Browser::register(&app, "ada@example.com").await;
    let team = me["teams"][0]["id"].as_i64().unwrap();
    let (status, project) = b.post(&format!("/api/v1/teams/{team}/projects"), json!({"name": "Web Shop"})).await;
    assert_eq!(status, 201, "{project}");
    let key = &project["keys"][0];
    let dsn: sentry_types::Dsn = key["dsn"].as_str().unwrap().parse().expect("a valid DSN");
    assert_eq!(dsn.public_key(), key["public_key"].as_str().unwrap());
    let pid = project["id"].as_i64().unwrap();

    let send = |public_key: String| {
        let http = app.http.clone();
        let url = format!("{}/api/{pid}/envelope/?sentry_key={public_key}", app.address);
        async move {
            http.post(url)
                .body(event_envelope(&js_error(&new_id(), "via api", "f", 1)))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let old_key = dsn.public_key().to_string();
    assert_eq!(eventually(|| send(old_key.clone()), 200).await, 200, "a new key works within moments");

    // Rotate: the old key stops, the new one works.
    let key_id = key["id"].as_i64().unwrap();
    let (status, rotated) = b.post(&format!("/api/v1/projects/{pid}/keys/{key_id}/rotate"), json!({})).await;
    assert_eq!(status, 200, "{rotated}");
    let new_key = rotated["public_key"].as_str().unwrap().to_string();
    assert_ne!(new_key, old_key);
    assert_eq!(eventually(|| send(old_key.clone()), 401).await, 401);
    assert_eq!(eventually(|| send(new_key.clone()), 200).await, 200);

    // Disable, then a per-key rate limit of 1/minute.
    let path = format!("/api/v1/projects/{pid}/keys/{key_id}");
    let (status, _) = b.call(reqwest::Method::PATCH, &path, Some(json!({"is_active": false}))).await;
    assert_eq!(status, 200);
    assert_eq!(eventually(|| send(new_key.clone()), 403).await, 403);
    let (status, k) =
        b.call(reqwest::Method::PATCH, &path, Some(json!({"is_active": true, "rate_limit_per_minute": 1}))).await;
    assert_eq!((status.as_u16(), k["rate_limit_per_minute"].as_i64()), (200, Some(1)));
    assert_eq!(eventually(|| send(new_key.clone()), 429).await, 429);
    app.stop().await;
}

/// Repeats `f` until it returns `want` (the key cache follows Postgres by NOTIFY) or 10 s pass.
async fn eventually<F, Fut>(f: F, want: u16) -> u16
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let got = f().await;
        if got == want || tokio::time::Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
