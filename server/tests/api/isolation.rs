//! Tenant isolation, route by route: every API route is called anonymously
//! (401 unless public) and by a user of another team with ids of the first
//! team's resources (404, as if they did not exist), and afterwards the
//! first team's data is unchanged. The table below must list exactly the
//! routes the server has: adding a route without adding it here fails.

use reqwest::Method;
use serde_json::json;
use sightline::api::{Access, ROUTES};

use crate::{dashboard_api::Browser, helpers::spawn_open_app};

/// How a route relates to tenants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Open to anyone (sign-up, log-in).
    Public,
    /// Acts on the caller's own account or lists only their own teams.
    Own,
    /// Names another team's resource by id: must be 404 for outsiders.
    Tenant,
}

const TABLE: &[(&str, &str, Scope)] = &[
    ("POST", "/api/v1/auth/register", Scope::Public),
    ("POST", "/api/v1/auth/login", Scope::Public),
    ("POST", "/api/v1/auth/logout", Scope::Own),
    ("GET", "/api/v1/auth/me", Scope::Own),
    ("POST", "/api/v1/auth/password", Scope::Own),
    ("POST", "/api/v1/auth/password-reset", Scope::Public),
    ("POST", "/api/v1/auth/password-reset/confirm", Scope::Public),
    ("GET", "/api/v1/teams", Scope::Own),
    ("POST", "/api/v1/teams", Scope::Own),
    ("PATCH", "/api/v1/teams/{team_id}", Scope::Tenant),
    ("GET", "/api/v1/teams/{team_id}/members", Scope::Tenant),
    ("PATCH", "/api/v1/teams/{team_id}/members/{user_id}", Scope::Tenant),
    ("DELETE", "/api/v1/teams/{team_id}/members/{user_id}", Scope::Tenant),
    ("POST", "/api/v1/teams/{team_id}/leave", Scope::Tenant),
    ("GET", "/api/v1/teams/{team_id}/invites", Scope::Tenant),
    ("POST", "/api/v1/teams/{team_id}/invites", Scope::Tenant),
    ("DELETE", "/api/v1/teams/{team_id}/invites/{invite_id}", Scope::Tenant),
    ("POST", "/api/v1/invites/accept", Scope::Own),
    ("GET", "/api/v1/teams/{team_id}/projects", Scope::Tenant),
    ("POST", "/api/v1/teams/{team_id}/projects", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}", Scope::Tenant),
    ("PATCH", "/api/v1/projects/{project_id}", Scope::Tenant),
    ("DELETE", "/api/v1/projects/{project_id}", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/keys", Scope::Tenant),
    ("POST", "/api/v1/projects/{project_id}/keys", Scope::Tenant),
    ("PATCH", "/api/v1/projects/{project_id}/keys/{key_id}", Scope::Tenant),
    ("POST", "/api/v1/projects/{project_id}/keys/{key_id}/rotate", Scope::Tenant),
    ("DELETE", "/api/v1/projects/{project_id}/keys/{key_id}", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/issues", Scope::Tenant),
    ("PATCH", "/api/v1/projects/{project_id}/issues", Scope::Tenant),
    ("GET", "/api/v1/issues/{issue_id}", Scope::Tenant),
    ("PATCH", "/api/v1/issues/{issue_id}", Scope::Tenant),
    ("GET", "/api/v1/issues/{issue_id}/events", Scope::Tenant),
    ("GET", "/api/v1/issues/{issue_id}/events/{event_id}", Scope::Tenant),
    ("GET", "/api/v1/issues/{issue_id}/tags", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/performance", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/performance/attribution", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/usage", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/feedback", Scope::Tenant),
    ("GET", "/api/v1/issues/{issue_id}/feedback", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/feedback/{feedback_id}/screenshot", Scope::Tenant),
    ("GET", "/api/v1/tokens", Scope::Own),
    ("POST", "/api/v1/tokens", Scope::Own),
    ("DELETE", "/api/v1/tokens/{token_id}", Scope::Tenant),
    ("POST", "/api/v1/projects/{project_id}/releases/{release}/sourcemaps", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/releases/{release}/sourcemaps", Scope::Tenant),
    ("DELETE", "/api/v1/projects/{project_id}/releases/{release}/sourcemaps/{artifact_id}", Scope::Tenant),
    ("GET", "/api/0/", Scope::Own),
    ("GET", "/api/0/organizations/{org}/chunk-upload/", Scope::Tenant),
    ("POST", "/api/0/organizations/{org}/chunk-upload/", Scope::Tenant),
    ("POST", "/api/0/organizations/{org}/artifactbundle/assemble/", Scope::Tenant),
    ("POST", "/api/0/organizations/{org}/releases/", Scope::Tenant),
    ("PUT", "/api/0/organizations/{org}/releases/{version}/", Scope::Tenant),
    ("POST", "/api/0/organizations/{org}/releases/{version}/deploys/", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/releases", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/releases/{release}/health", Scope::Tenant),
    ("GET", "/api/v1/openapi.json", Scope::Public),
    ("GET", "/api/v1/projects/{project_id}/alert-rules", Scope::Tenant),
    ("POST", "/api/v1/projects/{project_id}/alert-rules", Scope::Tenant),
    ("PUT", "/api/v1/alert-rules/{rule_id}", Scope::Tenant),
    ("DELETE", "/api/v1/alert-rules/{rule_id}", Scope::Tenant),
    ("POST", "/api/v1/alert-rules/{rule_id}/test", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/alerts", Scope::Tenant),
    ("GET", "/api/v1/auth/signup", Scope::Public),
    ("POST", "/api/v1/auth/login/two-factor", Scope::Public),
    ("GET", "/api/v1/auth/two-factor", Scope::Own),
    ("POST", "/api/v1/auth/two-factor/setup", Scope::Own),
    ("POST", "/api/v1/auth/two-factor/enable", Scope::Own),
    ("POST", "/api/v1/auth/two-factor/disable", Scope::Own),
    ("PUT", "/api/v1/teams/{team_id}/two-factor", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/replays", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/replays/{replay_id}", Scope::Tenant),
    ("GET", "/api/v1/projects/{project_id}/replays/{replay_id}/segments/{segment_id}", Scope::Tenant),
    ("DELETE", "/api/v1/projects/{project_id}/replays/{replay_id}", Scope::Tenant),
    ("PUT", "/api/v1/issues/{issue_id}/assignee", Scope::Tenant),
    ("GET", "/api/v1/issues/{issue_id}/activity", Scope::Tenant),
    ("POST", "/api/v1/issues/{issue_id}/comments", Scope::Tenant),
    ("POST", "/api/v1/projects/{project_id}/issues/merge", Scope::Tenant),
    ("GET", "/api/v1/issues/{issue_id}/merged", Scope::Tenant),
    ("POST", "/api/v1/issues/{issue_id}/unmerge", Scope::Tenant),
    ("GET", "/api/v1/issues/{issue_id}/similar", Scope::Tenant),
];

#[test]
fn the_table_lists_every_api_route_exactly_once() {
    let mut ours: Vec<(String, String)> = TABLE.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    let mut server: Vec<(String, String)> = ROUTES.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    ours.sort();
    server.sort();
    assert_eq!(ours, server, "update TABLE in tests/api/isolation.rs when routes change");
    for (method, path, scope) in TABLE {
        let (_, _, access) = ROUTES.iter().find(|(m, p, _)| m.as_str() == *method && p == path).unwrap();
        assert_eq!(*access == Access::Public, *scope == Scope::Public, "{method} {path}");
    }
}

#[tokio::test]
async fn outsiders_and_anonymous_callers_reach_nothing_of_another_team() {
    let app = spawn_open_app().await;
    let (alice, me) = Browser::register(&app, "alice@example.com").await;
    let team = me["teams"][0]["id"].as_i64().unwrap();
    let team_slug = me["teams"][0]["slug"].as_str().unwrap().to_string();
    let user = me["user"]["id"].as_i64().unwrap();
    let (_, project) = alice.post(&format!("/api/v1/teams/{team}/projects"), json!({"name": "Secret"})).await;
    let project_id = project["id"].as_i64().unwrap();
    let key = project["keys"][0].clone();
    let key_id = key["id"].as_i64().unwrap();
    // One issue of Alice's, ingested the real way.
    app.reload_keys().await;
    let url = format!("{}/api/{project_id}/envelope/?sentry_key={}", app.address, key["public_key"].as_str().unwrap());
    let event = crate::fixtures::js_error(&crate::fixtures::new_id(), "secret", "f", 1);
    let event_id = event["event_id"].as_str().unwrap().to_string();
    assert_eq!(app.http.post(url).body(crate::fixtures::event_envelope(&event)).send().await.unwrap().status(), 200);
    let issue = wait_for_issue(&app, project_id).await;
    // And one replay of hers.
    let replay_id = crate::fixtures::new_id();
    let url = format!("{}/api/{project_id}/envelope/?sentry_key={}", app.address, key["public_key"].as_str().unwrap());
    let replay =
        crate::replays::replay_envelope(&replay_id, 0, &crate::replays::zlib(crate::replays::EVENTS.as_bytes()));
    assert_eq!(app.http.post(url).body(replay).send().await.unwrap().status(), 200);
    app.wait_for_count(
        &format!("SELECT count() FROM replay_segments WHERE project_id = {project_id} AND segment_id = 0"),
        1,
    )
    .await;
    let (_, token) = alice.post("/api/v1/tokens", json!({"name": "ci", "scopes": ["read"]})).await;
    let token_id = token["token"]["id"].as_i64().unwrap();
    let (_, invite) = alice
        .post(&format!("/api/v1/teams/{team}/invites"), json!({"email": "carol@example.com", "role": "member"}))
        .await;
    let invite_id = invite["id"].as_i64().unwrap();
    let artifact_id: i64 = sqlx::query_scalar(
        "INSERT INTO sourcemap_artifacts (project_id, release, name, kind, size, sha256, content) \
         VALUES ($1, 'shop@1.0', '~/app.js', 'minified', 1, '', 'x') RETURNING id",
    )
    .bind(project_id)
    .fetch_one(&app.pg)
    .await
    .unwrap();
    sqlx::query("INSERT INTO releases (project_id, version) VALUES ($1, 'shop@1.0')")
        .bind(project_id)
        .execute(&app.pg)
        .await
        .unwrap();
    let (_, rule) = alice
        .post(
            &format!("/api/v1/projects/{project_id}/alert-rules"),
            json!({"name": "mine", "kind": "new_issue", "email_to": ["a@example.com"]}),
        )
        .await;
    let rule_id = rule["id"].as_i64().unwrap();
    let (mallory, _) = Browser::register(&app, "mallory@example.com").await;
    let anonymous = Browser::new(&app);
    // One body that every route's input type accepts, so the access check decides.
    let body = json!({"token": "guess", "email": "m@example.com", "name": "pwned", "role": "owner", "is_active": false, "retention_days": 1, "status": "ignored", "ids": [issue], "required": false, "text": "pwned"});

    for (method, template, scope) in TABLE {
        let path = template
            .replace("{team_id}", &team.to_string())
            .replace("{project_id}", &project_id.to_string())
            .replace("{key_id}", &key_id.to_string())
            .replace("{user_id}", &user.to_string())
            .replace("{issue_id}", &issue.to_string())
            .replace("{event_id}", &event_id)
            .replace("{token_id}", &token_id.to_string())
            .replace("{invite_id}", &invite_id.to_string())
            .replace("{release}", "shop@1.0")
            .replace("{artifact_id}", &artifact_id.to_string())
            .replace("{rule_id}", &rule_id.to_string())
            .replace("{feedback_id}", "0123456789abcdef0123456789abcdef")
            .replace("{replay_id}", &replay_id)
            .replace("{segment_id}", "0")
            .replace("{org}", &team_slug)
            .replace("{version}", "shop@1.0");
        let method: Method = method.parse().unwrap();
        if *scope != Scope::Public {
            let (status, err) = anonymous.call(method.clone(), &path, Some(body.clone())).await;
            assert_eq!(status, 401, "anonymous {method} {path}: {err}");
            assert_eq!(err["error"]["code"], "unauthenticated");
        }
        if *scope == Scope::Tenant {
            let (status, err) = mallory.call(method.clone(), &path, Some(body.clone())).await;
            assert_eq!(status, 404, "outsider {method} {path}: {err}");
            assert_eq!(err["error"]["code"], "not_found");
        }
    }

    // Mallory's own listings show nothing of Alice's.
    let (_, teams) = mallory.get("/api/v1/teams").await;
    assert!(teams.as_array().unwrap().iter().all(|t| t["id"].as_i64() != Some(team)));
    // Alice's data is untouched.
    let (status, after) = alice.get(&format!("/api/v1/projects/{project_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(after["name"], "Secret");
    assert_eq!(after["keys"][0], key, "key neither rotated, disabled nor deleted");
    let (_, detail) = alice.get(&format!("/api/v1/issues/{issue}")).await;
    assert_eq!(detail["issue"]["status"], "unresolved", "status unchanged");
    let (_, invites) = alice.get(&format!("/api/v1/teams/{team}/invites")).await;
    assert_eq!(invites.as_array().unwrap().len(), 1, "invite not withdrawn");
    let (_, tokens) = alice.get("/api/v1/tokens").await;
    assert_eq!(tokens[0]["id"], token_id, "token not revoked");
    let (_, artifacts) = alice.get(&format!("/api/v1/projects/{project_id}/releases/shop@1.0/sourcemaps")).await;
    assert_eq!(artifacts[0]["id"], artifact_id, "source-map artifact not deleted");
    let (_, rules) = alice.get(&format!("/api/v1/projects/{project_id}/alert-rules")).await;
    assert_eq!(
        (rules.as_array().unwrap().len(), rules[0]["name"].as_str()),
        (1, Some("mine")),
        "rule neither changed nor deleted"
    );
    let release: (Option<chrono::DateTime<chrono::Utc>>, i64) = sqlx::query_as(
        "SELECT released_at, (SELECT count(*) FROM deploys) FROM releases WHERE project_id = $1 AND version = 'shop@1.0'",
    )
    .bind(project_id)
    .fetch_one(&app.pg)
    .await
    .unwrap();
    assert_eq!(release, (None, 0), "release neither finalized nor deployed");
    let chunks: i64 = sqlx::query_scalar("SELECT count(*) FROM upload_chunks").fetch_one(&app.pg).await.unwrap();
    assert_eq!(chunks, 0, "no chunk stored for an outsider");
    let (status, replay) = alice.get(&format!("/api/v1/projects/{project_id}/replays/{replay_id}")).await;
    assert_eq!((status.as_u16(), replay["segments"].clone()), (200, json!([0])), "replay not erased: {replay}");
    let (_, members) = alice.get(&format!("/api/v1/teams/{team}/members")).await;
    assert_eq!(members.as_array().unwrap().len(), 1);
    app.stop().await;
}

async fn wait_for_issue(app: &crate::helpers::TestApp, project_id: i64) -> i64 {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM issues WHERE project_id = $1")
            .bind(project_id)
            .fetch_optional(&app.pg)
            .await
            .unwrap();
        match id {
            Some(id) => return id,
            None if tokio::time::Instant::now() > deadline => panic!("no issue was created"),
            None => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
}
