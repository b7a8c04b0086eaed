//! Triage as a team, through the real API and the real envelope endpoint:
//! the search syntax, assignees (with the e-mail and the alert naming
//! them), comments and the activity timeline, snoozes by events, users and
//! time, resolve in the next release, and merge/unmerge.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    dashboard_api::Browser,
    fixtures::*,
    helpers::{spawn_open_app, TestApp},
};

pub(crate) struct Ctx {
    pub(crate) app: TestApp,
    pub(crate) b: Browser,
    pub(crate) pid: i64,
    key: String,
    team: i64,
    me: i64,
}

pub(crate) async fn setup() -> Ctx {
    let app = spawn_open_app().await;
    let (b, me) = Browser::register(&app, "ada@example.com").await;
    let team = me["teams"][0]["id"].as_i64().unwrap();
    let (_, project) = b.post(&format!("/api/v1/teams/{team}/projects"), json!({"name": "Shop"})).await;
    let pid = project["id"].as_i64().unwrap();
    let key = project["keys"][0]["public_key"].as_str().unwrap().to_string();
    app.reload_keys().await;
    let me = me["user"]["id"].as_i64().unwrap();
    Ctx { app, b, pid, key, team, me }
}

impl Ctx {
    pub(crate) async fn send(&self, event: &Value) {
        let url = format!("{}/api/{}/envelope/?sentry_key={}", self.app.address, self.pid, self.key);
        let status = self.app.http.post(url).body(event_envelope(event)).send().await.unwrap().status();
        assert_eq!(status, 200);
    }

    /// Waits until the project's issues have seen `times_seen` events in all.
    pub(crate) async fn wait_seen(&self, times_seen: i64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let seen: Option<i64> =
                sqlx::query_scalar("SELECT sum(times_seen)::bigint FROM issues WHERE project_id = $1")
                    .bind(self.pid)
                    .fetch_one(&self.app.pg)
                    .await
                    .unwrap();
            if seen.unwrap_or(0) >= times_seen {
                let sql = format!("SELECT countMerge(events) FROM issue_daily WHERE project_id = {}", self.pid);
                self.app.wait_for_count(&sql, times_seen as u64).await;
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "issues never saw {times_seen} events");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn issue_id(&self, message: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM issues WHERE project_id = $1 AND title LIKE $2")
            .bind(self.pid)
            .bind(format!("%{message}"))
            .fetch_one(&self.app.pg)
            .await
            .unwrap()
    }

    pub(crate) async fn status(&self, id: i64) -> String {
        sqlx::query_scalar("SELECT status FROM issues WHERE id = $1").bind(id).fetch_one(&self.app.pg).await.unwrap()
    }

    pub(crate) async fn patch(&self, id: i64, body: Value) -> (reqwest::StatusCode, Value) {
        self.b.call(Method::PATCH, &format!("/api/v1/issues/{id}"), Some(body)).await
    }

    /// Titles the list shows for `query` (all statuses unless the query says).
    async fn search(&self, query: &str) -> Vec<String> {
        let q = urlencode(query);
        let (status, page) = self.b.get(&format!("/api/v1/projects/{}/issues?status=all&query={q}", self.pid)).await;
        assert_eq!(status, 200, "{query}: {page}");
        let mut titles: Vec<String> =
            page["issues"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_string()).collect();
        titles.sort();
        titles
    }

    pub(crate) async fn list(&self) -> Value {
        self.b.get(&format!("/api/v1/projects/{}/issues", self.pid)).await.1
    }

    pub(crate) async fn activity_kinds(&self, id: i64) -> Vec<String> {
        let (status, list) = self.b.get(&format!("/api/v1/issues/{id}/activity")).await;
        assert_eq!(status, 200, "{list}");
        list.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const FIREFOX_UA: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

pub(crate) fn error(message: &str, function: &str) -> Value {
    js_error(&new_id(), message, function, 10)
}

#[tokio::test]
async fn the_search_syntax_filters_by_status_assignee_event_fields_tags_and_text() {
    let c = setup().await;
    let mut chrome = error("cart is undefined", "onCheckout");
    chrome["tags"] = json!({"plan": "pro"});
    c.send(&chrome).await;
    let mut firefox = error("price is NaN", "renderTotals");
    firefox["request"]["headers"]["User-Agent"] = json!(FIREFOX_UA);
    firefox["release"] = json!("shop@2.0");
    firefox["user"] = json!({"id": "u-7", "email": "eve@example.com"});
    firefox["tags"] = json!({"plan": "free"});
    firefox["level"] = json!("warning");
    c.send(&firefox).await;
    c.wait_seen(2).await;
    let cart = "TypeError: cart is undefined".to_string();
    let price = "TypeError: price is NaN".to_string();
    let both = vec![cart.clone(), price.clone()];
    let price_id = c.issue_id("price is NaN").await;
    let (s, _) =
        c.b.call(Method::PUT, &format!("/api/v1/issues/{price_id}/assignee"), Some(json!({"user_id": c.me}))).await;
    assert_eq!(s, 200);

    assert_eq!(c.search("").await, both);
    assert_eq!(c.search("browser:Chrome").await, vec![cart.clone()]);
    assert_eq!(c.search("!browser:Chrome").await, vec![price.clone()]);
    assert_eq!(c.search("browser:Fire*").await, vec![price.clone()]);
    assert_eq!(c.search("release:shop@2.0").await, vec![price.clone()]);
    assert_eq!(c.search("!release:shop@2.0").await, vec![cart.clone()]);
    assert_eq!(c.search("plan:pro").await, vec![cart.clone()]);
    assert_eq!(c.search("!plan:pro").await, vec![price.clone()]);
    assert_eq!(c.search("user.email:eve@example.com").await, vec![price.clone()]);
    assert_eq!(c.search("user.id:u-7").await, vec![price.clone()]);
    assert_eq!(c.search("url:*checkout*").await, both);
    assert_eq!(c.search("url:\"*/checkout?step=2\"").await, both);
    assert_eq!(c.search("os:Windows*").await, vec![cart.clone()]);
    assert_eq!(c.search("os:\"Mac OS*\"").await, Vec::<String>::new());
    assert_eq!(c.search("environment:production").await, both);
    assert_eq!(c.search("level:warning").await, vec![price.clone()]);
    assert_eq!(c.search("!level:warning").await, vec![cart.clone()]);
    assert_eq!(c.search("assigned:me").await, vec![price.clone()]);
    assert_eq!(c.search("assigned:ada@example.com").await, vec![price.clone()]);
    assert_eq!(c.search("assigned:none").await, vec![cart.clone()]);
    assert_eq!(c.search("is:assigned").await, vec![price.clone()]);
    assert_eq!(c.search("NaN").await, vec![price.clone()]);
    assert_eq!(c.search("\"cart is\" onCheckout").await, vec![cart.clone()]);
    assert_eq!(c.search("is:unresolved assigned:me browser:Firefox").await, vec![price.clone()]);
    assert_eq!(c.search("is:resolved").await, Vec::<String>::new());

    // A malformed query is a 422 that says why, never a 500.
    for bad in ["browser:\"Chrome", "is:open", "!", "browser:", "a/b:c", "level:critical"] {
        let q = urlencode(bad);
        let (status, err) = c.b.get(&format!("/api/v1/projects/{}/issues?query={q}", c.pid)).await;
        assert_eq!(status, 422, "{bad}: {err}");
        assert_eq!(err["error"]["code"], "validation");
    }
}

#[tokio::test]
async fn assigning_mails_the_assignee_and_the_timeline_shows_who_did_what() {
    let c = setup().await;
    let (_, bob) = Browser::register(&c.app, "bob@example.com").await;
    let bob_id = bob["user"]["id"].as_i64().unwrap();
    sqlx::query("INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, 'member')")
        .bind(c.team)
        .bind(bob_id)
        .execute(&c.app.pg)
        .await
        .unwrap();
    let (s, _) =
        c.b.post(
            &format!("/api/v1/projects/{}/alert-rules", c.pid),
            json!({"name": "back", "kind": "regression", "email_to": ["oncall@example.com"]}),
        )
        .await;
    assert_eq!(s, 201);
    c.send(&error("cart is undefined", "onCheckout")).await;
    c.wait_seen(1).await;
    let id = c.issue_id("cart is undefined").await;

    let path = format!("/api/v1/issues/{id}/assignee");
    let (s, a) = c.b.call(Method::PUT, &path, Some(json!({"user_id": bob_id}))).await;
    assert_eq!((s.as_u16(), a["name"].as_str()), (200, Some("bob@example.com")));
    let mail: Value =
        sqlx::query_scalar("SELECT payload FROM alert_outbox WHERE firing_id IS NULL AND target = 'bob@example.com'")
            .fetch_one(&c.app.pg)
            .await
            .unwrap();
    assert_eq!(mail["subject"], "Assigned to you: TypeError: cart is undefined");
    assert!(mail["text"].as_str().unwrap().contains(&format!("/issues/{id}")), "{mail}");
    // Someone outside the team, or another team, cannot be assigned.
    let (s, _) = c.b.call(Method::PUT, &path, Some(json!({"user_id": 999_999}))).await;
    assert_eq!(s, 422);
    let (s, _) = c.b.call(Method::PUT, &path, Some(json!({"team_id": c.team + 1000}))).await;
    assert_eq!(s, 422);
    let (s, a) = c.b.call(Method::PUT, &path, Some(json!({"team_id": c.team}))).await;
    assert_eq!((s.as_u16(), a["team_id"].as_i64()), (200, Some(c.team)));
    let (s, _) = c.b.call(Method::PUT, &path, Some(json!({"user_id": bob_id}))).await;
    assert_eq!(s, 200);

    let (s, _) = c.b.post(&format!("/api/v1/issues/{id}/comments"), json!({"text": "see https://x.test/1"})).await;
    assert_eq!(s, 201);
    let (s, _) = c.b.post(&format!("/api/v1/issues/{id}/comments"), json!({"text": "  "})).await;
    assert_eq!(s, 422);
    assert_eq!(c.patch(id, json!({"status": "resolved"})).await.0, 204);
    // A regression fires the rule, whose e-mail names the assignee.
    let mut again = error("cart is undefined", "onCheckout");
    again["timestamp"] = json!(epoch(0.0) + 5.0);
    c.send(&again).await;
    c.wait_seen(2).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let text = loop {
        let found: Option<Value> =
            sqlx::query_scalar("SELECT payload FROM alert_outbox WHERE target = 'oncall@example.com'")
                .fetch_optional(&c.app.pg)
                .await
                .unwrap();
        if let Some(p) = found {
            break p["text"].as_str().unwrap().to_string();
        }
        assert!(tokio::time::Instant::now() < deadline, "no regression alert");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(text.contains("Assigned to: bob@example.com"), "{text}");

    let (_, list) = c.b.get(&format!("/api/v1/issues/{id}/activity")).await;
    let kinds: Vec<&str> = list.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["first_seen", "assigned", "assigned", "assigned", "comment", "status", "regression", "alert"],
        "{list}"
    );
    let comment = &list[4];
    assert_eq!(
        (comment["user"].as_str(), comment["body"].as_str()),
        (Some("ada@example.com"), Some("see https://x.test/1"))
    );
    assert_eq!(list[5]["body"], "resolved");
    assert_eq!(list[1]["body"], "assigned to bob@example.com");
}

#[tokio::test]
async fn a_snooze_ends_after_n_more_events_n_more_users_or_its_time() {
    let c = setup().await;
    for (m, f) in [("by count", "a"), ("by users", "b"), ("by time", "c")] {
        c.send(&error(m, f)).await;
    }
    c.wait_seen(3).await;
    let (count, users, time) =
        (c.issue_id("by count").await, c.issue_id("by users").await, c.issue_id("by time").await);
    assert_eq!(c.patch(count, json!({"status": "ignored", "snooze": {"events": 2}})).await.0, 204);
    assert_eq!(c.patch(users, json!({"status": "ignored", "snooze": {"users": 2}})).await.0, 204);
    assert_eq!(c.patch(time, json!({"status": "ignored", "snooze": {"minutes": 60}})).await.0, 204);
    assert_eq!(c.patch(count, json!({"status": "resolved", "snooze": {"events": 2}})).await.0, 422);
    assert_eq!(c.patch(count, json!({"status": "ignored", "snooze": {"events": 0}})).await.0, 422);

    // One more event each (the same user for "by users"): all stay ignored.
    let with_user = |m: &str, f: &str, u: &str| {
        let mut e = error(m, f);
        e["user"] = json!({"id": u});
        e
    };
    c.send(&error("by count", "a")).await;
    c.send(&with_user("by users", "b", "u-1")).await;
    c.send(&with_user("by users", "b", "u-1")).await;
    c.send(&error("by time", "c")).await;
    c.wait_seen(7).await;
    for id in [count, users, time] {
        assert_eq!(c.status(id).await, "ignored", "issue {id}");
    }
    // The second event, the second user, and the time passing end them.
    c.send(&error("by count", "a")).await;
    c.send(&with_user("by users", "b", "u-2")).await;
    sqlx::query("UPDATE issues SET snooze_until = now() - interval '1 second' WHERE id = $1")
        .bind(time)
        .execute(&c.app.pg)
        .await
        .unwrap();
    c.send(&error("by time", "c")).await;
    c.wait_seen(10).await;
    for id in [count, users, time] {
        assert_eq!(c.status(id).await, "unresolved", "issue {id}");
        let kinds = c.activity_kinds(id).await;
        assert_eq!(kinds.last().map(String::as_str), Some("snooze_expired"), "{kinds:?}");
    }
    let (_, page) = c.b.get(&format!("/api/v1/projects/{}/issues?query=is:unresolved", c.pid)).await;
    assert_eq!(page["total"], 3);
    assert!(page["issues"].as_array().unwrap().iter().all(|i| i["regressed"] == true), "{page}");
}

#[tokio::test]
async fn resolved_in_the_next_release_reopens_only_for_a_newer_release() {
    let c = setup().await;
    let with_release = |r: &str| {
        let mut e = error("cart is undefined", "onCheckout");
        e["release"] = json!(r);
        e["timestamp"] = json!(epoch(0.0) + 1.0);
        e
    };
    c.send(&with_release("shop@1.0")).await;
    c.wait_seen(1).await;
    c.send(&with_release("shop@1.1")).await;
    c.wait_seen(2).await;
    let id = c.issue_id("cart is undefined").await;
    assert_eq!(c.patch(id, json!({"status": "ignored", "in_next_release": true})).await.0, 422);
    assert_eq!(c.patch(id, json!({"status": "resolved", "in_next_release": true})).await.0, 204);
    let (_, detail) = c.b.get(&format!("/api/v1/issues/{id}")).await;
    assert_eq!(detail["issue"]["resolved_in_release"], "shop@1.1");
    // Events of the current and an older release do not re-open it …
    c.send(&with_release("shop@1.1")).await;
    c.send(&with_release("shop@1.0")).await;
    c.wait_seen(4).await;
    assert_eq!(c.status(id).await, "resolved");
    // … one of a release first seen after the resolution does.
    c.send(&with_release("shop@1.2")).await;
    c.wait_seen(5).await;
    assert_eq!(c.status(id).await, "unresolved");
    // The activity entry is written just after the re-opening upsert: allow for that step.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut kinds = c.activity_kinds(id).await;
    while kinds.last().map(String::as_str) != Some("regression") && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        kinds = c.activity_kinds(id).await;
    }
    assert_eq!(kinds.last().map(String::as_str), Some("regression"), "{kinds:?}");
}

#[tokio::test]
async fn similar_issues_find_one_bug_from_two_builds_but_not_another_bug_of_the_file() {
    let c = setup().await;
    let minified = |file: &str, function: &str, message: &str| {
        let mut e = error(message, function);
        e["exception"]["values"][0]["stacktrace"]["frames"] = json!([
            {"filename": format!("https://shop.example.com/assets/{file}"), "function": "renderCart", "lineno": 1, "colno": 880, "in_app": true},
            {"filename": format!("https://shop.example.com/assets/{file}"), "function": function, "lineno": 1, "colno": 4242, "in_app": true},
        ]);
        e
    };
    let price = "Cannot read properties of undefined (reading 'price')";
    c.send(&minified("index-BxK3fL9a.js", "t", price)).await;
    c.send(&minified("index-Dq7pL2mZ.js", "n", price)).await;
    c.send(&minified("index-BxK3fL9a.js", "renderTags", "tags.map is not a function")).await;
    c.wait_seen(3).await;
    let ids: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, fingerprint FROM issues WHERE project_id = $1 ORDER BY id")
            .bind(c.pid)
            .fetch_all(&c.app.pg)
            .await
            .unwrap();
    assert_eq!(ids.len(), 3, "two builds group apart (minified names differ): {ids:?}");
    let mut price_ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM issues WHERE project_id = $1 AND title LIKE '%price%' ORDER BY id")
            .bind(c.pid)
            .fetch_all(&c.app.pg)
            .await
            .unwrap();
    let (first, second) = (price_ids.remove(0), price_ids.remove(0));
    let (s, similar) = c.b.get(&format!("/api/v1/issues/{first}/similar")).await;
    assert_eq!(s, 200, "{similar}");
    let found: Vec<i64> = similar.as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(found, vec![second], "{similar}");
    assert!(similar[0]["score"].as_f64().unwrap() > 0.9, "{similar}");
    // One click merges it in.
    let (s, done) =
        c.b.post(&format!("/api/v1/projects/{}/issues/merge", c.pid), json!({"ids": [first, second], "target": first}))
            .await;
    assert_eq!((s.as_u16(), done["target"].as_i64()), (200, Some(first)));
    let (_, similar) = c.b.get(&format!("/api/v1/issues/{first}/similar")).await;
    assert_eq!(similar, json!([]), "a merged issue is no longer offered");
}
