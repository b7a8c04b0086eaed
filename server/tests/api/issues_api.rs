//! Issue list, detail, events, tags, status changes and Web Vitals, all
//! checked against events sent through the real envelope endpoint.

use reqwest::Method;
use serde_json::{json, Value};
use sightline_api_types::Vital;

use crate::{
    dashboard_api::Browser,
    fixtures::*,
    helpers::{spawn_app, TestApp},
};

/// A signed-up user with a project created through the API.
async fn setup() -> (TestApp, Browser, i64, String) {
    let app = spawn_app().await;
    let (b, me) = Browser::register(&app, "ada@example.com").await;
    let team = me["teams"][0]["id"].as_i64().unwrap();
    let (_, project) = b.post(&format!("/api/v1/teams/{team}/projects"), json!({"name": "Shop"})).await;
    let pid = project["id"].as_i64().unwrap();
    let key = project["keys"][0]["public_key"].as_str().unwrap().to_string();
    // The key reaches the ingest cache by NOTIFY; reload to skip the wait.
    app.reload_keys().await;
    (app, b, pid, key)
}

async fn send(app: &TestApp, pid: i64, key: &str, item: &str, payload: &Value) {
    let body = envelope(json!({}), &[(item, serde_json::to_vec(payload).unwrap())]);
    let url = format!("{}/api/{pid}/envelope/?sentry_key={key}", app.address);
    let status = app.http.post(url).body(body).send().await.unwrap().status();
    assert_eq!(status, 200);
}

async fn wait_issues(app: &TestApp, pid: i64, want: i64, times_seen: i64) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let (n, seen): (i64, Option<i64>) =
            sqlx::query_as("SELECT count(*), sum(times_seen)::bigint FROM issues WHERE project_id = $1")
                .bind(pid)
                .fetch_one(&app.pg)
                .await
                .unwrap();
        if (n == want && seen.unwrap_or(0) == times_seen) || tokio::time::Instant::now() > deadline {
            assert_eq!((n, seen.unwrap_or(0)), (want, times_seen));
            // The rollups' views write just after the events table.
            for rollup in ["issue_hourly", "issue_daily"] {
                let sql = format!("SELECT countMerge(events) FROM {rollup} WHERE project_id = {pid}");
                assert_eq!(app.wait_for_count(&sql, times_seen as u64).await, times_seen as u64, "{rollup}");
            }
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn error_a(user: &str) -> Value {
    let mut e = js_error(&new_id(), "cart is undefined", "onCheckout", 10);
    e["user"]["id"] = json!(user);
    e
}

#[tokio::test]
async fn the_issue_list_counts_filters_sorts_and_pages_what_was_ingested() {
    let (app, b, pid, key) = setup().await;
    for user in ["u-1", "u-2", "u-1"] {
        send(&app, pid, &key, "event", &error_a(user)).await;
    }
    let mut other = js_error(&new_id(), "price is NaN", "renderTotals", 5);
    other["environment"] = json!("staging");
    send(&app, pid, &key, "event", &other).await;
    wait_issues(&app, pid, 2, 4).await;

    let (status, page) = b.get(&format!("/api/v1/projects/{pid}/issues?sort=events")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 2);
    let first = &page["issues"][0];
    assert_eq!(first["title"], "TypeError: cart is undefined");
    assert_eq!((first["events"].as_u64(), first["users"].as_u64()), (Some(3), Some(2)));
    let series: Vec<u64> = serde_json::from_value(first["series"].clone()).unwrap();
    assert_eq!((series.len(), series.iter().sum::<u64>()), (24, 3), "hourly sparkline of the last day");
    assert_eq!(page["issues"][1]["events"], 1);

    let (_, staging) = b.get(&format!("/api/v1/projects/{pid}/issues?environment=staging")).await;
    assert_eq!(staging["total"], 1);
    assert_eq!(staging["issues"][0]["title"], "TypeError: price is NaN");
    let (_, found) = b.get(&format!("/api/v1/projects/{pid}/issues?query=CART")).await;
    assert_eq!(found["total"], 1);
    let (_, paged) = b.get(&format!("/api/v1/projects/{pid}/issues?per_page=1&page=2&sort=events")).await;
    assert_eq!((paged["total"].as_u64(), paged["issues"].as_array().unwrap().len()), (Some(2), 1));
    assert_eq!(paged["issues"][0]["events"], 1);
    // A short period reads the hourly rollup, a long one the daily rollup: same numbers.
    for period in ["1h", "24h", "30d"] {
        let (_, p) = b.get(&format!("/api/v1/projects/{pid}/issues?period={period}&sort=users")).await;
        assert_eq!(p["total"], 2, "{period}");
        let counts = |i: usize| (p["issues"][i]["events"].as_u64(), p["issues"][i]["users"].as_u64());
        assert_eq!((counts(0), counts(1)), ((Some(3), Some(2)), (Some(1), Some(1))), "{period}: most users first");
    }
    let (status, far) = b.get(&format!("/api/v1/projects/{pid}/issues?page={}&per_page=100", u32::MAX)).await;
    assert_eq!(
        (status.as_u16(), far["issues"].as_array().map(Vec::len)),
        (200, Some(0)),
        "a page past the end is empty"
    );
    let (_, daily) = b.get(&format!("/api/v1/projects/{pid}/issues?series=14d")).await;
    assert_eq!(daily["issues"][0]["series"].as_array().unwrap().len(), 14);
    let (_, project) = b.get(&format!("/api/v1/projects/{pid}")).await;
    assert_eq!(project["environments"], json!(["production", "staging"]), "environments seen");
    let (status, err) = b.get(&format!("/api/v1/projects/{pid}/issues?period=forever")).await;
    assert_eq!((status.as_u16(), err["error"]["code"].as_str()), (422, Some("validation")));
    app.stop().await;
}

#[tokio::test]
async fn sorting_by_users_pages_through_issues_whose_event_order_differs() {
    let (app, b, pid, key) = setup().await;
    // (message, the user of each event): by events A > B > C > D, by users B > C > A > D.
    let issues = [
        ("A", vec!["u1", "u1", "u1", "u1", "u1", "u2"]),
        ("B", vec!["u1", "u2", "u3", "u4", "u5"]),
        ("C", vec!["u1", "u2", "u3", "u3"]),
        ("D", vec!["u9"]),
    ];
    for (message, users) in &issues {
        for user in users {
            let mut e = js_error(&new_id(), &format!("issue {message}"), &format!("fn{message}"), 3);
            e["user"]["id"] = json!(user);
            send(&app, pid, &key, "event", &e).await;
        }
    }
    // 50 more issues of one event each, so the pages are cut from a longer list.
    for i in 0..50 {
        let mut e = js_error(&new_id(), &format!("filler {i}"), &format!("filler{i}"), 3);
        e["user"]["id"] = json!(format!("f{i}"));
        send(&app, pid, &key, "event", &e).await;
    }
    wait_issues(&app, pid, 54, 66).await;
    let mut order = vec![];
    for page in [1, 2, 3, 4] {
        let (status, p) = b.get(&format!("/api/v1/projects/{pid}/issues?sort=users&per_page=1&page={page}")).await;
        assert_eq!((status.as_u16(), p["total"].as_u64()), (200, Some(54)), "{p}");
        let issue = &p["issues"][0];
        let title = issue["title"].as_str().unwrap().trim_start_matches("TypeError: issue ").to_string();
        order.push((title, issue["events"].as_u64().unwrap(), issue["users"].as_u64().unwrap()));
    }
    let want = [("B", 5, 5), ("C", 4, 3), ("A", 6, 2)].map(|(t, e, u)| (t.to_string(), e, u));
    assert_eq!(order[..3], want);
    assert_eq!(order[3].1..=order[3].2, 1..=1, "then an issue of one event and one user: {order:?}");
    app.stop().await;
}

#[tokio::test]
async fn issue_detail_shows_the_latest_event_its_events_and_tags() {
    let (app, b, pid, key) = setup().await;
    for user in ["u-1", "u-2"] {
        send(&app, pid, &key, "event", &error_a(user)).await;
    }
    wait_issues(&app, pid, 1, 2).await;
    let (_, page) = b.get(&format!("/api/v1/projects/{pid}/issues")).await;
    let id = page["issues"][0]["id"].as_i64().unwrap();

    let (status, detail) = b.get(&format!("/api/v1/issues/{id}")).await;
    assert_eq!(status, 200, "{detail}");
    let latest = &detail["latest_event"];
    assert_eq!(latest["exception_type"], "TypeError");
    assert_eq!(latest["browser"], "Chrome");
    assert_eq!(latest["frames"].as_array().unwrap().last().unwrap()["function"], "onCheckout");
    assert!(latest["breadcrumbs"].as_array().unwrap().len() >= 2);
    assert_eq!(detail["issue"]["events"], 2);

    let (_, events) = b.get(&format!("/api/v1/issues/{id}/events?per_page=1")).await;
    assert_eq!((events["total"].as_u64(), events["events"].as_array().unwrap().len()), (Some(2), 1));
    let event_id = events["events"][0]["event_id"].as_str().unwrap();
    let (status, one) = b.get(&format!("/api/v1/issues/{id}/events/{event_id}")).await;
    assert_eq!((status.as_u16(), one["event_id"].as_str()), (200, Some(event_id)));
    assert_eq!(b.get(&format!("/api/v1/issues/{id}/events/{}", new_id())).await.0, 404);

    let (status, tags) = b.get(&format!("/api/v1/issues/{id}/tags")).await;
    assert_eq!(status, 200, "{tags}");
    let tag = |key: &str| tags.as_array().unwrap().iter().find(|t| t["key"] == key).cloned().unwrap();
    assert_eq!(tag("browser")["values"][0], json!({"value": "Chrome", "count": 2}));
    assert_eq!(tag("plan")["values"][0], json!({"value": "pro", "count": 2}));
    assert_eq!(tag("environment")["total"], 2);
    app.stop().await;
}

#[tokio::test]
async fn resolving_hides_an_issue_and_a_later_event_regresses_it() {
    let (app, b, pid, key) = setup().await;
    send(&app, pid, &key, "event", &error_a("u-1")).await;
    send(&app, pid, &key, "event", &js_error(&new_id(), "other", "f", 1)).await;
    wait_issues(&app, pid, 2, 2).await;
    let (_, page) = b.get(&format!("/api/v1/projects/{pid}/issues")).await;
    let ids: Vec<i64> = page["issues"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    let a = page["issues"].as_array().unwrap().iter().find(|i| i["title"] == "TypeError: cart is undefined").unwrap()
        ["id"]
        .as_i64()
        .unwrap();

    let (status, _) = b.call(Method::PATCH, &format!("/api/v1/issues/{a}"), Some(json!({"status": "resolved"}))).await;
    assert_eq!(status, 204);
    let (_, open) = b.get(&format!("/api/v1/projects/{pid}/issues")).await;
    assert_eq!(open["total"], 1);
    let (_, resolved) = b.get(&format!("/api/v1/projects/{pid}/issues?status=resolved")).await;
    assert_eq!(resolved["issues"][0]["id"], a);

    // The bug is back: an event newer than the resolution re-opens the issue.
    let mut again = error_a("u-3");
    again["timestamp"] = json!(epoch(-1.0));
    send(&app, pid, &key, "event", &again).await;
    wait_issues(&app, pid, 2, 3).await;
    let (_, detail) = b.get(&format!("/api/v1/issues/{a}")).await;
    assert_eq!(detail["issue"]["status"], "unresolved");
    assert_eq!(detail["issue"]["regressed"], true);

    // Bulk: ignore both.
    let (status, body) = b
        .call(Method::PATCH, &format!("/api/v1/projects/{pid}/issues"), Some(json!({"ids": ids, "status": "ignored"})))
        .await;
    assert_eq!((status.as_u16(), body["updated"].as_u64()), (200, Some(2)));
    let (_, open) = b.get(&format!("/api/v1/projects/{pid}/issues")).await;
    assert_eq!(open["total"], 0, "{open}");
    app.stop().await;
}

#[tokio::test]
async fn performance_reports_vitals_percentiles_ratings_and_pages() {
    let (app, b, pid, key) = setup().await;
    for (lcp, cls) in [(1000.0, 0.01), (2000.0, 0.05), (3000.0, 0.2), (5000.0, 0.3)] {
        let mut t = page_load(&new_id());
        t["measurements"]["lcp"]["value"] = json!(lcp);
        t["measurements"]["cls"]["value"] = json!(cls);
        send(&app, pid, &key, "transaction", &t).await;
    }
    let mut other = page_load(&new_id());
    other["transaction"] = json!("/checkout");
    send(&app, pid, &key, "transaction", &other).await;
    let sql = format!("SELECT count() FROM transactions WHERE project_id = {pid}");
    assert_eq!(app.wait_for_count(&sql, 5).await, 5);
    for rollup in ["vitals_hourly", "vitals_daily", "vitals_site_hourly", "vitals_site_daily"] {
        let sql = format!("SELECT countMerge(loads) FROM {rollup} WHERE project_id = {pid}");
        assert_eq!(app.wait_for_count(&sql, 5).await, 5, "{rollup}");
    }

    let (status, perf) = b.get(&format!("/api/v1/projects/{pid}/performance?period=24h")).await;
    assert_eq!(status, 200, "{perf}");
    let vital = |name: &str| perf["vitals"].as_array().unwrap().iter().find(|v| v["name"] == name).cloned().unwrap();
    let lcp = vital("lcp");
    assert_eq!(lcp["samples"], 5);
    // 1000, 2000, 2300.5 (fixture), 3000, 5000: two good + 2300.5 good, one poor.
    assert!((lcp["good"].as_f64().unwrap() - 0.6).abs() < 1e-9, "{lcp}");
    assert!((lcp["poor"].as_f64().unwrap() - 0.2).abs() < 1e-9, "{lcp}");
    let p75 = lcp["p75"].as_f64().unwrap();
    assert!((2300.5..=5000.0).contains(&p75), "{p75}");
    assert_eq!(lcp["rating"], if p75 <= Vital::Lcp.thresholds().poor { "needs-improvement" } else { "poor" });
    let cls = vital("cls");
    assert!((cls["poor"].as_f64().unwrap() - 0.2).abs() < 1e-9, "{cls}");
    assert_eq!(perf["series"].as_array().unwrap().iter().map(|p| p["samples"].as_u64().unwrap()).sum::<u64>(), 5);
    assert_eq!(perf["pages"][0]["name"], "/products/:id");
    assert_eq!(perf["pages"][0]["samples"], 4);
    assert_eq!(perf["pages"][1]["name"], "/checkout");
    app.stop().await;
}

#[tokio::test]
async fn event_navigation_steps_through_every_event_of_an_issue_in_page_order() {
    let (app, b, pid, key) = setup().await;
    // Two events share a second: the id breaks the tie, the same way in the
    // event list and in the navigation.
    let now = epoch(0.0);
    for ago in [300.0, 200.0, 100.0, 50.0, 50.0] {
        let mut e = error_a("u-1");
        e["timestamp"] = json!(now - ago);
        send(&app, pid, &key, "event", &e).await;
    }
    wait_issues(&app, pid, 1, 5).await;
    let issue: i64 =
        sqlx::query_scalar("SELECT id FROM issues WHERE project_id = $1").bind(pid).fetch_one(&app.pg).await.unwrap();
    let (_, page) = b.get(&format!("/api/v1/issues/{issue}/events?per_page=100")).await;
    let listed: Vec<String> =
        page["events"].as_array().unwrap().iter().map(|e| e["event_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(listed.len(), 5);

    let (status, detail) = b.get(&format!("/api/v1/issues/{issue}")).await;
    assert_eq!(status, 200, "{detail}");
    let mut nav = detail["latest_event"]["navigation"].clone();
    assert_eq!(detail["latest_event"]["event_id"], listed[0].as_str());
    let mut walked = vec![listed[0].clone()];
    for position in 1..=5u64 {
        assert_eq!((nav["position"].as_u64(), nav["total"].as_u64()), (Some(position), Some(5)), "{nav}");
        assert_eq!(nav["latest"], listed[0].as_str());
        assert_eq!(nav["oldest"], listed[4].as_str());
        let newer = if position == 1 { Value::Null } else { json!(listed[position as usize - 2]) };
        assert_eq!(nav["newer"], newer, "newer of event {position}");
        let Some(older) = nav["older"].as_str() else {
            assert_eq!(position, 5, "only the oldest event has no older one");
            break;
        };
        let (status, event) = b.get(&format!("/api/v1/issues/{issue}/events/{older}")).await;
        assert_eq!(status, 200, "{event}");
        walked.push(older.to_string());
        nav = event["navigation"].clone();
    }
    assert_eq!(walked, listed, "stepping older visits the events in the list's order");
}
