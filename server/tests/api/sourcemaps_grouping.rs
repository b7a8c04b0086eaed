//! Symbolication end to end: events carrying the real V8 frames of two
//! different esbuild builds of one bug (tests/fixtures/sourcemaps) are
//! stored with the original file, line, function and source context, keep
//! the minified frame under `raw`, and make one issue; matched by release
//! and URL, or by debug ID whatever the release. Frames that cannot be
//! mapped say why, and their events are stored all the same.

use serde_json::{json, Value};

use crate::{
    fixtures::{event_envelope, new_id},
    helpers::{spawn_app, TestApp},
    sourcemaps_api::{build, files, shop, upload, Build, Shop},
};

/// An error event with a build's frames, as a browser SDK sends it.
fn event(b: &Build, release: &str, debug_meta: bool) -> Value {
    let mut event = json!({
        "event_id": new_id(),
        "platform": "javascript",
        "release": release,
        "exception": {"values": [{"type": "Error", "value": "cart total is negative: -8",
                                  "stacktrace": {"frames": b.stack["frames"]}}]},
        "request": {"url": "http://shop.example/checkout"},
    });
    if debug_meta {
        let images: Vec<Value> = b.stack["debug_ids"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(file, id)| json!({"type": "sourcemap", "code_file": file, "debug_id": id}))
            .collect();
        event["debug_meta"] = json!({"images": images});
    }
    event
}

async fn send(app: &TestApp, shop: &Shop, event: &Value) -> String {
    let url = format!("{}/api/{}/envelope/?sentry_key={}", app.address, shop.id, shop.public_key);
    let resp = app.http.post(url).body(event_envelope(event)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    event["event_id"].as_str().unwrap().to_string()
}

/// Waits for `n` stored events of the shop; returns `(fingerprint, frames)` by event id order of `ids`.
async fn stored(app: &TestApp, shop: &Shop, ids: &[String]) -> Vec<(String, Vec<Value>)> {
    let sql = format!("SELECT count() FROM events WHERE project_id = {}", shop.id);
    assert!(app.wait_for_count(&sql, ids.len() as u64).await >= ids.len() as u64, "all events stored");
    let rows: Vec<(String, String, String)> = app
        .ch
        .query(&format!("SELECT toString(event_id), fingerprint, frames FROM events WHERE project_id = {}", shop.id))
        .fetch_all()
        .await
        .unwrap();
    ids.iter()
        .map(|id| {
            let id = uuid::Uuid::parse_str(id).unwrap().to_string();
            let row = rows.iter().find(|r| r.0 == id).expect("event stored");
            (row.1.clone(), serde_json::from_str(&row.2).unwrap())
        })
        .collect()
}

fn upload_build(b: &Build) -> reqwest::multipart::Form {
    let name = format!("~/static/{}", b.file);
    files(&[(&name, &b.js), (&format!("{name}.map"), &b.map)])
}

#[tokio::test]
async fn two_minified_builds_of_one_bug_map_to_the_original_frames_and_one_issue() {
    let app = spawn_app().await;
    let shop = shop(&app, &["project:releases"]).await;
    let (a, b) = (build("plain-a"), build("plain-b"));
    assert_eq!(upload(&app, &shop, "shop@1.0", upload_build(&a)).await.0, 201);
    assert_eq!(upload(&app, &shop, "shop@1.1", upload_build(&b)).await.0, 201);
    let ids = [
        send(&app, &shop, &event(&a, "shop@1.0", false)).await,
        send(&app, &shop, &event(&b, "shop@1.1", false)).await,
    ];
    let events = stored(&app, &shop, &ids).await;
    for ((_, frames), build) in events.iter().zip([&a, &b]) {
        let top = frames.last().unwrap();
        assert_eq!(top["filename"], "src/cart.ts", "{top}");
        assert_eq!(top["lineno"], 12);
        assert_eq!(top["function"], "cartTotal");
        assert!(top["context_line"].as_str().unwrap().contains("throw new Error(`cart total is negative"), "{top}");
        assert_eq!(top["pre_context"].as_array().unwrap().len(), 5);
        let minified = build.stack["frames"].as_array().unwrap().last().unwrap();
        assert_eq!(top["raw"]["function"], minified["function"], "the minified frame is kept");
        assert_ne!(minified["function"], "cartTotal", "the fixture is minified");
        assert!(top["raw"]["abs_path"].as_str().unwrap().starts_with("http://shop.example/static/app."));
        let caller = &frames[frames.len() - 2];
        assert_eq!(
            (caller["filename"].as_str(), caller["function"].as_str()),
            (Some("src/checkout.ts"), Some("checkout"))
        );
        assert_eq!(caller["lineno"], 4);
    }
    assert_eq!(events[0].0, events[1].0, "same fingerprint for both builds");
    // One issue, titled and placed by the original code.
    let (_, page) = shop.browser.get(&format!("/api/v1/projects/{}/issues", shop.id)).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    let mut page = page;
    while page["issues"].as_array().is_none_or(|i| i.is_empty()) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        page = shop.browser.get(&format!("/api/v1/projects/{}/issues", shop.id)).await.1;
    }
    let issues = page["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 1, "{page}");
    assert_eq!(issues[0]["culprit"], "cartTotal (src/cart.ts)");
    app.stop().await;
}

#[tokio::test]
async fn debug_ids_find_the_map_whatever_the_release_and_unmapped_frames_say_why() {
    let app = spawn_app().await;
    let shop = shop(&app, &["project:releases"]).await;
    let (a, b) = (build("debugid-a"), build("debugid-b"));
    assert_eq!(upload(&app, &shop, "uploaded-as", upload_build(&a)).await.0, 201);
    // Mapped by debug ID although the event's release has no artifacts.
    let by_id = send(&app, &shop, &event(&a, "sent-as", true)).await;
    // Build b's debug ID was never uploaded.
    let unknown = send(&app, &shop, &event(&b, "sent-as", true)).await;
    // No debug ID and a release without maps.
    let no_map = send(&app, &shop, &event(&b, "shop@9", false)).await;
    // A line the minified file does not have.
    let mut far = event(&a, "uploaded-as", true);
    far["exception"]["values"][0]["stacktrace"]["frames"][2]["lineno"] = json!(40);
    let out_of_range = send(&app, &shop, &far).await;
    let events = stored(&app, &shop, &[by_id, unknown, no_map, out_of_range]).await;

    let top = |i: usize| events[i].1.last().unwrap().clone();
    assert_eq!((top(0)["filename"].as_str(), top(0)["function"].as_str()), (Some("src/cart.ts"), Some("cartTotal")));
    assert_eq!(top(0)["lineno"], 12);
    let reason = |i: usize| top(i)["sourcemap_error"].as_str().unwrap_or("").to_string();
    assert!(
        reason(1).contains(&format!("debug ID {} is unknown", b.stack["debug_id"].as_str().unwrap())),
        "{}",
        top(1)
    );
    assert!(reason(2).contains("no source map for release shop@9"), "{}", top(2));
    assert!(reason(3).contains("line 40 column") && reason(3).contains("out of range"), "{}", top(3));
    let minified = b.stack["frames"].as_array().unwrap().last().unwrap();
    assert!(top(1)["raw"].is_null() && top(1)["function"] == minified["function"], "unmapped frames stay minified");
    app.stop().await;
}

#[tokio::test]
async fn a_failing_source_map_lookup_stores_the_event_unmapped() {
    let app = spawn_app().await;
    let shop = shop(&app, &["project:releases"]).await;
    let a = build("plain-a");
    assert_eq!(upload(&app, &shop, "shop@1.0", upload_build(&a)).await.0, 201);
    // The artifact table disappears under the running server: every look-up fails.
    sqlx::query("ALTER TABLE sourcemap_artifacts RENAME TO sourcemap_artifacts_away").execute(&app.pg).await.unwrap();
    let id = send(&app, &shop, &event(&a, "shop@1.0", false)).await;
    let events = stored(&app, &shop, &[id]).await;
    let top = events[0].1.last().unwrap();
    let minified = a.stack["frames"].as_array().unwrap().last().unwrap();
    assert_eq!(top["function"], minified["function"], "stored as the SDK sent it: {top}");
    assert_eq!(top["abs_path"], minified["abs_path"]);
    sqlx::query("ALTER TABLE sourcemap_artifacts_away RENAME TO sourcemap_artifacts").execute(&app.pg).await.unwrap();
    // And the next event is mapped again.
    let id = send(&app, &shop, &event(&a, "shop@1.0", false)).await;
    let sql = format!("SELECT count() FROM events WHERE project_id = {}", shop.id);
    assert_eq!(app.wait_for_count(&sql, 2).await, 2);
    let events = stored(&app, &shop, &[id]).await;
    assert_eq!(events[0].1.last().unwrap()["function"], "cartTotal");
    app.stop().await;
}

#[tokio::test]
async fn a_stalled_lookup_pauses_symbolication_instead_of_stalling_every_batch() {
    let app = spawn_app().await;
    let shop = shop(&app, &["project:releases"]).await;
    let a = build("plain-a");
    assert_eq!(upload(&app, &shop, "shop@1.0", upload_build(&a)).await.0, 201);
    // Another session holds the artifact table: look-ups wait until they time out.
    let mut lock = app.pg.begin().await.unwrap();
    sqlx::query("LOCK TABLE sourcemap_artifacts IN ACCESS EXCLUSIVE MODE").execute(&mut *lock).await.unwrap();
    let id = send(&app, &shop, &event(&a, "shop@1.0", false)).await;
    let events = stored(&app, &shop, &[id]).await;
    let minified = a.stack["frames"].as_array().unwrap().last().unwrap();
    assert_eq!(events[0].1.last().unwrap()["function"], minified["function"], "stored unmapped after the time-out");
    lock.rollback().await.unwrap();
    // Postgres answers again, but the writer does not ask it for a while: the
    // next event is stored as sent (without the pause it would be mapped).
    let id = send(&app, &shop, &event(&a, "shop@1.0", false)).await;
    let sql = format!("SELECT count() FROM events WHERE project_id = {}", shop.id);
    assert_eq!(app.wait_for_count(&sql, 2).await, 2);
    let events = stored(&app, &shop, &[id]).await;
    assert_eq!(events[0].1.last().unwrap()["function"], minified["function"], "paused after a time-out");
    app.stop().await;
}
