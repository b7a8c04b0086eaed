//! Releases over HTTP: the calls sentry-cli makes for `releases new`,
//! `finalize`, `set-commits` and `deploys new` (as the bundler plugins drive
//! them) succeed with what the CLI reads back, and the dashboard's list joins
//! them with events and new issues (ClickHouse) and artifacts. Wrong org,
//! foreign project, unknown release, a bad version or a token without the
//! scope get a clear 4xx and change nothing.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    dashboard_api::Browser,
    fixtures::{event_envelope, js_error, new_id},
    helpers::{spawn_open_app, TestApp},
    sourcemaps_api::{shop, Shop},
};

async fn call(app: &TestApp, token: &str, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = app.http.request(method, format!("{}{path}", app.address)).bearer_auth(token).json(&body).send().await;
    let resp = resp.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn org_of(shop: &Shop) -> String {
    let (_, me) = shop.browser.get("/api/v1/auth/me").await;
    me["teams"][0]["slug"].as_str().unwrap().to_string()
}

/// Sends one error event of `release` from `function` (which decides its
/// issue), `hours_ago`: the release columns count by the hour.
async fn send(app: &TestApp, shop: &Shop, release: &str, function: &str, hours_ago: f64) {
    let mut event = js_error(&new_id(), "boom", function, 3);
    event["release"] = json!(release);
    event["timestamp"] = json!(crate::fixtures::epoch(hours_ago * 3600.0 + 60.0));
    let url = format!("{}/api/{}/envelope/?sentry_key={}", app.address, shop.id, shop.public_key);
    let resp = app.http.post(url).body(event_envelope(&event)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn sentry_clis_release_calls_succeed_and_the_list_joins_events_issues_and_artifacts() {
    let app = spawn_open_app().await;
    let shop = shop(&app, &["project:releases"]).await;
    let org = org_of(&shop).await;
    let t = shop.token.clone();
    let post = reqwest::Method::POST;

    let (status, created) = call(
        &app,
        &t,
        post.clone(),
        &format!("/api/0/organizations/{org}/releases/"),
        json!({"version": "shop@1.0", "projects": ["shop"]}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["version"], "shop@1.0");
    assert!(created["dateCreated"].as_str().is_some(), "{created}");
    assert_eq!(created["projects"][0]["slug"], "shop");
    // `releases new` again is fine (the plugins create on every build).
    let again = json!({"version": "shop@1.0", "projects": [shop.id]});
    assert_eq!(call(&app, &t, post.clone(), &format!("/api/0/organizations/{org}/releases/"), again).await.0, 201);

    let path = format!("/api/0/organizations/{org}/releases/shop@1.0/");
    let (status, set_commits) =
        call(&app, &t, reqwest::Method::PUT, &path, json!({"refs": [{"repository": "shop", "commit": "abc"}]})).await;
    assert_eq!(status, 200, "set-commits is accepted: {set_commits}");
    let (status, finalized) = call(
        &app,
        &t,
        reqwest::Method::PUT,
        &path,
        json!({"projects": ["shop"], "dateReleased": "2026-12-01T10:00:00Z"}),
    )
    .await;
    assert_eq!(status, 200, "{finalized}");
    assert!(finalized["dateReleased"].as_str().unwrap().starts_with("2026-12-01T10:00:00"), "{finalized}");
    let (status, deploy) =
        call(&app, &t, post.clone(), &format!("{path}deploys/"), json!({"environment": "production", "name": "d1"}))
            .await;
    assert_eq!(status, 201, "{deploy}");
    assert_eq!(deploy["environment"], "production");

    // Events: two of shop@1.0 in one new issue, one of shop@1.1 in an issue of its own
    // and one more of the first issue; an artifact uploaded for shop@1.1.
    send(&app, &shop, "shop@1.0", "first", 3.0).await;
    send(&app, &shop, "shop@1.0", "first", 3.0).await;
    app.wait_for_count(&format!("SELECT count() FROM events WHERE project_id = {}", shop.id), 2).await;
    send(&app, &shop, "shop@1.1", "second", 0.0).await;
    send(&app, &shop, "shop@1.1", "first", 0.0).await;
    app.wait_for_count(&format!("SELECT count() FROM events WHERE project_id = {}", shop.id), 4).await;
    sqlx::query(
        "INSERT INTO sourcemap_artifacts (project_id, release, name, kind, size, sha256, content) \
         VALUES ($1, 'shop@1.1', '~/app.js', 'minified', 1, '', 'x')",
    )
    .bind(shop.id)
    .execute(&app.pg)
    .await
    .unwrap();

    let (status, list) = shop.browser.get(&format!("/api/v1/projects/{}/releases", shop.id)).await;
    assert_eq!(status, 200, "{list}");
    let find = |v: &str| list.as_array().unwrap().iter().find(|r| r["version"] == v).cloned().unwrap();
    let (a, b) = (find("shop@1.0"), find("shop@1.1"));
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert_eq!((a["events"].as_u64(), a["new_issues"].as_u64(), a["artifacts"].as_i64()), (Some(2), Some(1), Some(0)));
    assert_eq!((b["events"].as_u64(), b["new_issues"].as_u64(), b["artifacts"].as_i64()), (Some(2), Some(1), Some(1)));
    assert_eq!((a["deploys"].as_i64(), a["last_deploy_environment"].as_str()), (Some(1), Some("production")));
    assert!(a["created_at"].is_string() && a["released_at"].is_string(), "{a}");
    assert!(b["created_at"].is_null(), "only seen on events and uploads: {b}");
    assert!(a["first_seen"].is_string() && a["last_seen"].is_string(), "{a}");
    assert!(b["last_seen"].as_str() > a["last_seen"].as_str(), "{b} after {a}");
    assert_eq!(list[0]["version"], "shop@1.0", "created just now: the most recently active");
    app.stop().await;
}

#[tokio::test]
async fn bad_release_calls_get_a_clear_4xx_and_change_nothing() {
    let app = spawn_open_app().await;
    let shop = shop(&app, &["project:releases"]).await;
    let org = org_of(&shop).await;
    let t = shop.token.clone();
    let post = reqwest::Method::POST;
    let releases = format!("/api/0/organizations/{org}/releases/");
    assert_eq!(call(&app, &t, post.clone(), &releases, json!({"version": "1", "projects": ["shop"]})).await.0, 201);

    // Another team's user, with a token of the right scope, reaches nothing.
    let (other, me) = Browser::register(&app, "mallory@example.com").await;
    let (_, token) = other.post("/api/v1/tokens", json!({"name": "ci", "scopes": ["project:releases"]})).await;
    let mallory = token["secret"].as_str().unwrap();
    let (status, err) =
        call(&app, mallory, post.clone(), &releases, json!({"version": "2", "projects": ["shop"]})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{err}");
    let put = reqwest::Method::PUT;
    let finalize = json!({"dateReleased": "2026-12-01T10:00:00Z"});
    assert_eq!(call(&app, mallory, put.clone(), &format!("{releases}1/"), finalize.clone()).await.0, 404);
    let deploy = json!({"environment": "production"});
    assert_eq!(call(&app, mallory, post.clone(), &format!("{releases}1/deploys/"), deploy.clone()).await.0, 404);
    // In her own org, the first team's project is not found.
    let hers = format!("/api/0/organizations/{}/releases/", me["teams"][0]["slug"].as_str().unwrap());
    assert_eq!(call(&app, mallory, post.clone(), &hers, json!({"version": "3", "projects": [shop.id]})).await.0, 404);
    assert_eq!(
        call(
            &app,
            &t,
            post.clone(),
            "/api/0/organizations/nope/releases/",
            json!({"version": "4", "projects": ["shop"]})
        )
        .await
        .0,
        404
    );

    // Bad versions, no projects, an unknown release, a bad environment.
    for version in ["", "a\nb", &"x".repeat(201)] {
        let (status, err) =
            call(&app, &t, post.clone(), &releases, json!({"version": version, "projects": ["shop"]})).await;
        assert_eq!(status, 422, "{version:?}: {err}");
    }
    assert_eq!(call(&app, &t, post.clone(), &releases, json!({"version": "5"})).await.0, 422);
    assert_eq!(call(&app, &t, post.clone(), &releases, json!({"projects": ["shop"]})).await.0, 422);
    assert_eq!(call(&app, &t, post.clone(), &format!("{releases}9/deploys/"), deploy).await.0, 404);
    assert_eq!(call(&app, &t, put.clone(), &format!("{releases}9/"), finalize.clone()).await.0, 404);
    let (status, _) = call(&app, &t, post.clone(), &format!("{releases}1/deploys/"), json!({"environment": ""})).await;
    assert_eq!(status, 422);
    // A token that may only read cannot announce.
    let (_, reader) = shop.browser.post("/api/v1/tokens", json!({"name": "ro", "scopes": ["read"]})).await;
    let reader = reader["secret"].as_str().unwrap();
    assert_eq!(call(&app, reader, put, &format!("{releases}1/"), finalize).await.0, 403);

    let rows: Vec<(String, bool)> =
        sqlx::query_as("SELECT version, released_at IS NULL FROM releases ORDER BY version")
            .fetch_all(&app.pg)
            .await
            .unwrap();
    assert_eq!(rows, vec![("1".to_string(), true)], "only the first release, never finalized");
    let deploys: i64 = sqlx::query_scalar("SELECT count(*) FROM deploys").fetch_one(&app.pg).await.unwrap();
    assert_eq!(deploys, 0);
    app.stop().await;
}
