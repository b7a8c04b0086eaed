//! The dashboard's numbers on a cluster beside a single node, for the same events.

use super::*;

/// Error events of three kinds from three users, and page loads, fixed once.
fn sample() -> Vec<Vec<u8>> {
    let now = epoch(300.0);
    let mut bodies = Vec::new();
    for i in 0..30u32 {
        let id = new_id();
        let mut event =
            js_error(&id, &format!("sample {i}"), ["checkout", "cart", "search"][(i % 3) as usize], 10 + i % 3);
        event["user"]["id"] = json!(format!("u-{}", i % 4));
        event["timestamp"] = json!(now + f64::from(i));
        bodies.push(event_envelope(&event));
    }
    for i in 0..12 {
        let id = new_id();
        let mut tx = page_load(&id);
        tx["measurements"]["lcp"]["value"] = json!(1500.0 + 300.0 * f64::from(i));
        tx["start_timestamp"] = json!(now + f64::from(i));
        tx["timestamp"] = json!(now + f64::from(i) + 1.5);
        bodies.push(envelope(json!({"event_id": id}), &[("transaction", serde_json::to_vec(&tx).unwrap())]));
    }
    bodies
}

/// The dashboard's view of a project: issue list, each issue's page and tags, performance.
async fn dashboard(app: &TestApp) -> Value {
    let browser = AlertsApp::member_of(app).await;
    let pid = app.project_id;
    let (status, list) = browser.get(&format!("/api/v1/projects/{pid}/issues?period=24h")).await;
    assert_eq!(status, 200, "{list}");
    let mut pages = Vec::new();
    let mut items: Vec<Value> = list["issues"].as_array().cloned().unwrap_or_default();
    items.sort_by_key(|i| i["title"].to_string() + &i["culprit"].to_string());
    for issue in &items {
        let id = &issue["id"];
        let (_, page) = browser.get(&format!("/api/v1/issues/{id}")).await;
        let (_, tags) = browser.get(&format!("/api/v1/issues/{id}/tags")).await;
        pages.push(json!({"page": page, "tags": tags}));
    }
    let (status, performance) = browser.get(&format!("/api/v1/projects/{pid}/performance?period=24h")).await;
    assert_eq!(status, 200, "{performance}");
    strip_ids(json!({"issues": items, "pages": pages, "performance": performance}))
}

/// Drops what differs between two databases by construction (row ids, links).
fn strip_ids(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !matches!(k.as_str(), "id" | "issue_id" | "project_id" | "url" | "permalink"))
                .map(|(k, v)| (k, strip_ids(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_ids).collect()),
        other => other,
    }
}

#[tokio::test]
async fn cluster_dashboard_shows_the_same_numbers_as_a_single_node() {
    let Some(env) = cluster_env() else { return };
    let bodies = sample();
    let cluster_dbs = env.databases().await;
    let single_dbs = crate::helpers::fresh_databases().await;
    let mut single_raw = raw_config(&single_dbs);
    single_raw.signup = Some("open".into());
    let cluster = spawn_app_on(&cluster_dbs, env.raw(&cluster_dbs, 2)).await;
    let single = spawn_app_on(&single_dbs, single_raw).await;
    for body in &bodies {
        assert_eq!(cluster.post_envelope(body.clone()).await.status(), 200);
        assert_eq!(single.post_envelope(body.clone()).await.status(), 200);
    }
    for app in [&cluster, &single] {
        assert_eq!(app.wait_for_events(30).await, 30);
        assert_eq!(app.wait_for_count("SELECT count() FROM transactions", 12).await, 12);
        assert_eq!(app.wait_for_issues(3).await, 3);
    }
    // Issue counts are flushed to Postgres in the background.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (on_cluster, on_single) = (dashboard(&cluster).await, dashboard(&single).await);
    assert_eq!(on_cluster["issues"].as_array().map(Vec::len), Some(3), "{on_cluster}");
    assert_eq!(on_cluster, on_single, "cluster:\n{on_cluster:#}\nsingle node:\n{on_single:#}");
    cluster.stop().await;
    single.stop().await;
}
