//! Session replays as Sentry's JS SDK sends them (`replay_event` +
//! `replay_recording`, zlib after a `{"segment_id":N}` line): listed and
//! served segment by segment as stored, linked from the error event that
//! happened during them; bad recordings (corrupt zlib, a decompression bomb,
//! an oversize item) dropped alone with their reason; another project's
//! replay id kept apart; the daily quota (429, `replay` category); erasure;
//! retention by `replay_retention_days`.

use std::io::{Read, Write};

use chrono::Utc;
use serde_json::{json, Value};
use sightline::retention::Retention;

use crate::{
    alerts_support::AlertsApp,
    dashboard_api::Browser,
    fixtures::*,
    helpers::{spawn_app, TestApp},
};

/// Two clicks between a meta event, a full snapshot and a mouse move.
pub const EVENTS: &str = r#"[{"type":4,"data":{"href":"https://shop.example/cart?step=2","width":800,"height":600},"timestamp":1700000000000},{"type":2,"data":{"node":{"type":0,"childNodes":[],"id":1},"initialOffset":{"left":0,"top":0}},"timestamp":1700000000010},{"type":3,"data":{"source":2,"type":2,"id":12,"x":5,"y":6},"timestamp":1700000001000},{"type":3,"data":{"source":1,"positions":[]},"timestamp":1700000001500},{"type":3,"data":{"source":2,"type":2,"id":13},"timestamp":1700000004000}]"#;

/// Compresses with zlib, as the JS SDK does.
pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn inflate(data: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::ZlibDecoder::new(data).read_to_string(&mut out).unwrap();
    out
}

pub fn replay_event(replay_id: &str, segment: u32, error_ids: &[&str]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "replay_event", "replay_id": replay_id, "event_id": replay_id, "segment_id": segment,
        "replay_type": "buffer", "timestamp": epoch(1.0), "replay_start_timestamp": epoch(30.0),
        "urls": ["https://shop.example/cart?step=2"], "error_ids": error_ids, "trace_ids": [],
        "user": {"id": "u-17", "email": "ann@example.com"}, "release": "shop@1.4.2", "environment": "production",
        "sdk": {"name": "sentry.javascript.browser", "version": "10.0.0"},
        "contexts": {"browser": {"name": "Chrome", "version": "120"}, "os": {"name": "Linux"}}
    }))
    .unwrap()
}

pub fn recording(segment: u32, body: &[u8]) -> Vec<u8> {
    let mut out = format!("{{\"segment_id\":{segment}}}\n").into_bytes();
    out.extend_from_slice(body);
    out
}

/// An envelope of one replay segment: metadata and recording.
pub fn replay_envelope(replay_id: &str, segment: u32, body: &[u8]) -> Vec<u8> {
    envelope(
        json!({"event_id": replay_id, "sent_at": "2026-12-06T00:00:00Z"}),
        &[("replay_event", replay_event(replay_id, segment, &[])), ("replay_recording", recording(segment, body))],
    )
}

async fn segments_of(app: &TestApp, replay_id: &str, want: u64) {
    let sql = format!(
        "SELECT count() FROM replay_segments WHERE project_id = {} AND replaceAll(toString(replay_id), '-', '') = '{replay_id}'",
        app.project_id
    );
    assert_eq!(app.wait_for_count(&sql, want).await, want);
}

/// Waits until the outcome line reaches `want`.
async fn outcome(app: &TestApp, outcome: &str, reason: &str, want: u64) {
    let sql = format!(
        "SELECT sum(quantity) FROM outcomes WHERE project_id = {} AND category = 'replay' \
         AND outcome = '{outcome}' AND reason = '{reason}'",
        app.project_id
    );
    assert_eq!(app.wait_for_count(&sql, want).await, want, "{outcome}/{reason}");
}

async fn get_raw(browser: &Browser, path: &str) -> reqwest::Response {
    browser.http.get(format!("{}{path}", browser.base)).send().await.unwrap()
}

#[tokio::test]
async fn a_replay_is_listed_served_segment_by_segment_as_stored_and_linked_from_its_error() {
    let app = spawn_app().await;
    let browser = AlertsApp::member_of(&app).await;
    let replay_id = new_id();
    let mut error = js_error(&new_id(), "cart is undefined", "checkout", 3);
    error["contexts"] = json!({"replay": {"replay_id": replay_id}});
    error["tags"] = json!({"replayId": replay_id});
    let error_id = error["event_id"].as_str().unwrap().to_string();
    assert_eq!(app.post_envelope(event_envelope(&error)).await.status(), 200);

    // Segment 0 zlib (as the SDK sends it, and with the error's id), 1 gzip, 2 plain JSON.
    let zlib_body = zlib(EVENTS.as_bytes());
    let first = envelope(
        json!({"event_id": replay_id}),
        &[("replay_event", replay_event(&replay_id, 0, &[&error_id])), ("replay_recording", recording(0, &zlib_body))],
    );
    assert_eq!(app.post_envelope(first).await.status(), 200);
    assert_eq!(app.post_envelope(replay_envelope(&replay_id, 1, &gzip(b"[]"))).await.status(), 200);
    assert_eq!(
        app.post_envelope(replay_envelope(
            &replay_id,
            2,
            br#"[{"type":3,"data":{"source":2,"type":2},"timestamp":1700000009000}]"#
        ))
        .await
        .status(),
        200
    );
    segments_of(&app, &replay_id, 3).await;
    app.wait_for_events(1).await;

    let (status, page) = browser.get(&format!("/api/v1/projects/{}/replays", app.project_id)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!((page["total"].as_u64(), page["page"].as_u64()), (Some(1), Some(1)), "{page:#}");
    let r = &page["replays"][0];
    assert_eq!(r["id"], replay_id);
    assert_eq!(
        (r["segment_count"].as_u64(), r["click_count"].as_u64(), r["error_count"].as_u64()),
        (Some(3), Some(3), Some(1))
    );
    assert_eq!(r["duration_secs"].as_u64(), Some(9), "rrweb clock: 0 s to 9 s");
    assert_eq!(
        (r["url"].as_str(), r["browser"].as_str(), r["replay_type"].as_str()),
        (Some("/cart?step=2"), Some("Chrome"), Some("buffer"))
    );
    assert_eq!((r["user"].as_str(), r["release"].as_str()), (Some("ann@example.com"), Some("shop@1.4.2")));

    let base = format!("/api/v1/projects/{}/replays/{replay_id}", app.project_id);
    let (status, detail) = browser.get(&base).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["segments"], json!([0, 1, 2]));
    assert_eq!(detail["error_ids"], json!([error_id]));
    assert_eq!(detail["urls"], json!(["https://shop.example/cart?step=2"]));
    let segment = get_raw(&browser, &format!("{base}/segments/0")).await;
    assert_eq!(segment.status(), 200);
    assert_eq!(
        (segment.headers()["content-encoding"].to_str().unwrap(), segment.headers()["content-type"].to_str().unwrap()),
        ("deflate", "application/json")
    );
    assert_eq!(segment.bytes().await.unwrap().to_vec(), zlib_body, "zlib is served exactly as the SDK sent it");
    let segment = get_raw(&browser, &format!("{base}/segments/1")).await;
    assert_eq!(inflate(&segment.bytes().await.unwrap()), "[]", "gzip is stored as zlib");
    assert_eq!(get_raw(&browser, &format!("{base}/segments/3")).await.status(), 404);
    assert_eq!(browser.get(&format!("/api/v1/projects/{}/replays/nonsense", app.project_id)).await.0, 404);

    // Filters.
    for (query, n) in [
        ("has_errors=true", 1),
        ("has_errors=false", 0),
        ("url=CART", 1),
        ("url=%25", 0),
        ("user=ann", 1),
        ("release=other", 0),
        ("browser=Chrome", 1),
    ] {
        let (status, page) = browser.get(&format!("/api/v1/projects/{}/replays?{query}", app.project_id)).await;
        assert_eq!((status.as_u16(), page["total"].as_u64()), (200, Some(n)), "{query}: {page}");
    }
    assert_eq!(browser.get(&format!("/api/v1/projects/{}/replays?period=nope", app.project_id)).await.0, 422);

    // The error event links to its replay.
    let issue: i64 = sqlx::query_scalar("SELECT id FROM issues WHERE project_id = $1")
        .bind(app.project_id)
        .fetch_one(&app.pg)
        .await
        .unwrap();
    let (_, issue) = browser.get(&format!("/api/v1/issues/{issue}")).await;
    assert_eq!(issue["latest_event"]["replay_id"], replay_id);
    app.stop().await;
}

#[tokio::test]
async fn bad_recordings_are_dropped_alone_with_their_reason() {
    let app = spawn_app().await;
    let replay_id = new_id();
    let good = zlib(EVENTS.as_bytes());
    // A whole stream whose Adler-32 check fails: the JSON reads, the zlib does not.
    let mut corrupt = good.clone();
    *corrupt.last_mut().unwrap() ^= 0x55;
    // 200 MiB of JSON whitespace inside an array, about 200 KB compressed.
    let mut bomb = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    bomb.write_all(b"[").unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..200 {
        bomb.write_all(&spaces).unwrap();
    }
    bomb.write_all(b"]").unwrap();
    let bomb = bomb.finish().unwrap();
    // Incompressible bytes past 10 MiB.
    let oversize: Vec<u8> = (0..(10 << 20) + 1024).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for (segment, body) in [(0, &corrupt), (1, &bomb), (2, &oversize)] {
        let event = js_error(&new_id(), &format!("kept beside bad recording {segment}"), "f", segment);
        let body = envelope(
            json!({"event_id": replay_id}),
            &[
                ("event", serde_json::to_vec(&event).unwrap()),
                ("replay_event", replay_event(&replay_id, segment, &[])),
                ("replay_recording", recording(segment, body)),
            ],
        );
        let r = app.post_envelope(body).await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    // Every error event and replay_event is kept; no recording is.
    assert_eq!(app.wait_for_events(3).await, 3);
    let metadata = format!("SELECT count() FROM replays WHERE project_id = {}", app.project_id);
    assert_eq!(app.wait_for_count(&metadata, 3).await, 3);
    outcome(&app, "invalid", "invalid_compression", 1).await;
    outcome(&app, "invalid", "too_large", 2).await;
    outcome(&app, "accepted", "unknown", 3).await;
    segments_of(&app, &replay_id, 0).await;
    app.stop().await;
}

/// Adds a second project (with its own key) to the test app's team.
async fn second_project(app: &TestApp) -> (i64, String) {
    let team: i64 = sqlx::query_scalar("SELECT team_id FROM projects WHERE id = $1")
        .bind(app.project_id)
        .fetch_one(&app.pg)
        .await
        .unwrap();
    let other = sightline::projects::ensure_project(&app.pg, team, "other project").await.unwrap();
    app.reload_keys().await;
    (other.project_id, other.public_key)
}

#[tokio::test]
async fn a_segment_sent_for_another_projects_replay_stays_with_its_sender() {
    let app = spawn_app().await;
    let browser = AlertsApp::member_of(&app).await;
    let (other, other_key) = second_project(&app).await;
    let replay_id = new_id();
    assert_eq!(app.post_envelope(replay_envelope(&replay_id, 0, &zlib(EVENTS.as_bytes()))).await.status(), 200);
    let url = format!("{}/api/{other}/envelope/?sentry_key={other_key}", app.address);
    let intruder = replay_envelope(&replay_id, 1, &zlib(b"[]"));
    assert_eq!(app.http.post(url).body(intruder).send().await.unwrap().status(), 200);
    let all =
        format!("SELECT count() FROM replay_segments WHERE replaceAll(toString(replay_id), '-', '') = '{replay_id}'");
    assert_eq!(app.wait_for_count(&all, 2).await, 2);

    let (_, mine) = browser.get(&format!("/api/v1/projects/{}/replays/{replay_id}", app.project_id)).await;
    assert_eq!(mine["segments"], json!([0]), "the other project's segment is not in this replay: {mine}");
    assert_eq!(
        get_raw(&browser, &format!("/api/v1/projects/{}/replays/{replay_id}/segments/1", app.project_id))
            .await
            .status(),
        404
    );
    let (_, theirs) = browser.get(&format!("/api/v1/projects/{other}/replays/{replay_id}")).await;
    assert_eq!(theirs["segments"], json!([1]), "{theirs}");
    app.stop().await;
}

/// A recording of `n` bytes that zlib cannot shrink much (hex of a hash chain).
pub fn noisy_events(n: usize) -> Vec<u8> {
    let mut payload = String::with_capacity(n);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while payload.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        payload.push_str(&format!("{x:016x}"));
    }
    format!(r#"[{{"type":5,"timestamp":1700000000000,"data":{{"tag":"noise","payload":"{payload}"}}}}]"#).into_bytes()
}

#[tokio::test]
async fn past_the_daily_quota_replays_are_refused_with_429_and_other_items_kept() {
    let app = spawn_app().await;
    sqlx::query("UPDATE projects SET replay_daily_quota_mb = 1 WHERE id = $1")
        .bind(app.project_id)
        .execute(&app.pg)
        .await
        .unwrap();
    app.reload_keys().await;
    let replay_id = new_id();
    // Each segment is ~600 KB stored: the first fits in 1 MiB, the second does not.
    let body = zlib(&noisy_events(1_200_000));
    assert!(body.len() > 550_000 && body.len() < 1 << 20, "{}", body.len());
    assert_eq!(app.post_envelope(replay_envelope(&replay_id, 0, &body)).await.status(), 200);
    let refused = app.post_envelope(replay_envelope(&replay_id, 1, &body)).await;
    assert_eq!(refused.status(), 429);
    let limits = refused.headers()["x-sentry-rate-limits"].to_str().unwrap().to_string();
    assert!(limits.ends_with(":replay:project"), "{limits}");
    let secs: u64 = limits.split(':').next().unwrap().parse().unwrap();
    assert!((1..=86_400).contains(&secs), "{limits}");
    assert!(refused.headers().contains_key("retry-after"));

    // With an error beside it, the error is stored and the answer says to hold replays.
    let event = js_error(&new_id(), "kept despite the quota", "f", 1);
    let mixed = envelope(
        json!({"event_id": replay_id}),
        &[
            ("event", serde_json::to_vec(&event).unwrap()),
            ("replay_event", replay_event(&replay_id, 2, &[])),
            ("replay_recording", recording(2, &body)),
        ],
    );
    let r = app.post_envelope(mixed).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["x-sentry-rate-limits"].to_str().unwrap().ends_with(":replay:project"));
    assert_eq!(app.wait_for_events(1).await, 1);
    segments_of(&app, &replay_id, 1).await;
    outcome(&app, "rate_limited", "replay_quota", 4).await;
    app.stop().await;
}

#[tokio::test]
async fn an_erased_replay_is_hidden_at_once_and_its_rows_are_deleted() {
    let app = spawn_app().await;
    let browser = AlertsApp::member_of(&app).await;
    let (keep, gone) = (new_id(), new_id());
    for id in [&keep, &gone] {
        assert_eq!(app.post_envelope(replay_envelope(id, 0, &zlib(EVENTS.as_bytes()))).await.status(), 200);
        segments_of(&app, id, 1).await;
    }
    let path = format!("/api/v1/projects/{}/replays/{gone}", app.project_id);
    let (status, _) = browser.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    assert_eq!(browser.get(&path).await.0, 404);
    assert_eq!(get_raw(&browser, &format!("{path}/segments/0")).await.status(), 404);
    let (_, page) = browser.get(&format!("/api/v1/projects/{}/replays", app.project_id)).await;
    let ids: Vec<&Value> = page["replays"].as_array().unwrap().iter().map(|r| &r["id"]).collect();
    assert_eq!(ids, [&json!(keep)]);
    // The mutations remove the rows themselves.
    for table in ["replays", "replay_segments"] {
        let sql = format!("SELECT count() FROM {table} WHERE replaceAll(toString(replay_id), '-', '') = '{gone}'");
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
        while app.ch.query(&sql).fetch_one::<u64>().await.unwrap() > 0 {
            assert!(tokio::time::Instant::now() < deadline, "{table} rows of the erased replay remain");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    segments_of(&app, &keep, 1).await;
    app.stop().await;
}

#[tokio::test]
async fn replays_leave_after_their_projects_replay_retention() {
    let app = spawn_app().await;
    let (other, other_key) = second_project(&app).await;
    sqlx::query("UPDATE projects SET replay_retention_days = 5 WHERE id = $1")
        .bind(app.project_id)
        .execute(&app.pg)
        .await
        .unwrap();
    sqlx::query("UPDATE projects SET replay_retention_days = 60 WHERE id = $1")
        .bind(other)
        .execute(&app.pg)
        .await
        .unwrap();
    let (short, long) = (new_id(), new_id());
    assert_eq!(app.post_envelope(replay_envelope(&short, 0, &zlib(EVENTS.as_bytes()))).await.status(), 200);
    let url = format!("{}/api/{other}/envelope/?sentry_key={other_key}", app.address);
    let r = app.http.post(url).body(replay_envelope(&long, 0, &zlib(EVENTS.as_bytes()))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let all = "SELECT count() FROM replay_segments".to_string();
    assert_eq!(app.wait_for_count(&all, 2).await, 2);

    // Ten days on, the 5-day project's replay goes and the 60-day one's stays.
    let later = Utc::now() + chrono::Duration::days(10);
    let sweep = Retention::default().sweep(&app.pg, &app.ch, later).await.unwrap();
    assert_eq!(sweep.replay_trimmed_projects, vec![app.project_id], "{sweep:?}");
    let left = |id: &str| {
        format!("SELECT count() FROM replay_segments WHERE replaceAll(toString(replay_id), '-', '') = '{id}'")
    };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    while app.ch.query(&left(&short)).fetch_one::<u64>().await.unwrap() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the short-lived replay remains");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.ch.query(&left(&long)).fetch_one::<u64>().await.unwrap(), 1);
    // Seventy days on, whole partitions go.
    let sweep = Retention::default().sweep(&app.pg, &app.ch, Utc::now() + chrono::Duration::days(70)).await.unwrap();
    assert!(sweep.dropped_partitions.iter().any(|p| p.starts_with("replay_segments/")), "{sweep:?}");
    assert_eq!(app.ch.query(&left(&long)).fetch_one::<u64>().await.unwrap(), 0);
    app.stop().await;
}
