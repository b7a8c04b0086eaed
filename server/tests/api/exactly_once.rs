//! Exactly-once inserts (issue 18): an insert whose answer is cut after
//! ClickHouse committed it is retried without storing anything twice or
//! counting it twice in the issue; a batch ClickHouse refuses for good is
//! quarantined (shown on `/readyz`) while other tables and later batches land.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::{
    durability::behind_outage,
    fixtures::*,
    helpers::{clickhouse_url, fresh_databases, raw_config, spawn_app_on, TestApp},
};

/// A TCP proxy to the test ClickHouse that, while `cut` is on, forwards
/// every request but drops the connection instead of passing the answer on:
/// ClickHouse has done the work, the client never learns it.
pub struct CutProxy {
    pub url: String,
    pub cut: Arc<AtomicBool>,
}

impl CutProxy {
    async fn start() -> CutProxy {
        CutProxy::start_to(&clickhouse_url()).await
    }

    /// Starts a proxy to the ClickHouse at `target` (an HTTP URL).
    pub async fn start_to(target: &str) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let target = target.trim_start_matches("http://").trim_end_matches('/').to_string();
        let cut = Arc::new(AtomicBool::new(false));
        let flag = cut.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let (target, flag) = (target.clone(), flag.clone());
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(&target).await else { return };
                    let (mut client_read, mut client_write) = inbound.into_split();
                    let (mut server_read, mut server_write) = outbound.into_split();
                    let up = tokio::spawn(async move { tokio::io::copy(&mut client_read, &mut server_write).await });
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match server_read.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if flag.load(Ordering::SeqCst) || client_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    up.abort();
                });
            }
        });
        CutProxy { url, cut }
    }
}

async fn count(ch: &clickhouse::Client, sql: &str) -> u64 {
    ch.query(sql).fetch_one().await.unwrap()
}

/// Polls `sql` on ClickHouse (directly, not through a proxy) until it reaches `want`.
async fn wait_count(ch: &clickhouse::Client, sql: &str, want: u64) -> u64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let n = count(ch, sql).await;
        if n >= want || tokio::time::Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn readyz(app: &TestApp) -> Value {
    app.http.get(format!("{}/readyz", app.address)).send().await.unwrap().json().await.unwrap()
}

/// An envelope with one error event and one page load.
fn mixed_envelope(message: &str) -> Vec<u8> {
    let (event, tx) = (new_id(), new_id());
    envelope(
        json!({"event_id": event}),
        &[
            ("event", serde_json::to_vec(&js_error(&event, message, "f", 1)).unwrap()),
            ("transaction", serde_json::to_vec(&page_load(&tx)).unwrap()),
        ],
    )
}

#[tokio::test]
async fn a_retried_insert_whose_answer_was_cut_stores_and_counts_nothing_twice() {
    let dbs = fresh_databases().await;
    let proxy = CutProxy::start().await;
    let mut raw = raw_config(&dbs);
    raw.clickhouse_url = Some(proxy.url.clone());
    let app = spawn_app_on(&dbs, raw).await;
    proxy.cut.store(true, Ordering::SeqCst);
    for i in 0..10 {
        assert_eq!(app.post_envelope(mixed_envelope(&format!("cut {i}"))).await.status(), 200);
    }
    // ClickHouse stored both tables' parts, but the writer saw its inserts fail.
    assert_eq!(wait_count(&dbs.ch, "SELECT count() FROM events", 10).await, 10);
    assert_eq!(wait_count(&dbs.ch, "SELECT count() FROM transactions", 10).await, 10);
    tokio::time::sleep(Duration::from_millis(800)).await;
    proxy.cut.store(false, Ordering::SeqCst);

    // The retry finds the rows stored: it sends nothing again, and the tracker counts them once.
    assert_eq!(app.wait_for_issues(1).await, 1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut seen = 0i64;
    while seen < 10 && tokio::time::Instant::now() < deadline {
        seen = sqlx::query_scalar("SELECT times_seen FROM issues").fetch_one(&dbs.pg).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count(&dbs.ch, "SELECT count() FROM events").await, 10, "no event stored twice");
    assert_eq!(count(&dbs.ch, "SELECT uniqExact(event_id) FROM events").await, 10);
    assert_eq!(count(&dbs.ch, "SELECT count() FROM transactions").await, 10, "no transaction stored twice");
    let seen: i64 = sqlx::query_scalar("SELECT times_seen FROM issues").fetch_one(&dbs.pg).await.unwrap();
    assert_eq!(seen, 10, "the issue counts each event once");
    app.stop().await;
}

#[tokio::test]
async fn a_batch_clickhouse_refuses_for_good_is_quarantined_and_later_batches_land() {
    let dbs = fresh_databases().await;
    let raw = raw_config(&dbs);
    let spool = std::path::PathBuf::from(raw.spool_dir.clone().unwrap());
    let app = spawn_app_on(&dbs, raw).await;
    // The server's rows no longer match the table: every transactions insert is refused.
    dbs.ch.query("ALTER TABLE transactions DROP COLUMN sdk_version").execute().await.unwrap();
    assert_eq!(app.post_envelope(mixed_envelope("poison")).await.status(), 200);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut details = readyz(&app).await;
    while details["ingest"]["quarantined_batches"] != 1 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        details = readyz(&app).await;
    }
    assert_eq!(details["ingest"]["quarantined_batches"], 1, "/readyz: {details}");
    // The events part of the same batch was stored on its own.
    assert_eq!(app.wait_for_events(1).await, 1);
    let quarantine = spool.join("quarantine");
    let notes: Vec<_> = std::fs::read_dir(&quarantine)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".error.txt"))
        .collect();
    assert_eq!(notes.len(), 1);
    let note = std::fs::read_to_string(&notes[0]).unwrap();
    assert!(note.contains("table: transactions") && note.contains("Code:"), "{note}");

    // Later batches are not blocked by it: fixed schema, next page load lands.
    dbs.ch.query("ALTER TABLE transactions ADD COLUMN sdk_version String").execute().await.unwrap();
    assert_eq!(app.post_envelope(mixed_envelope("after")).await.status(), 200);
    assert_eq!(wait_count(&dbs.ch, "SELECT count() FROM transactions", 1).await, 1);
    assert_eq!(app.wait_for_events(2).await, 2);
    assert_eq!(readyz(&app).await["ingest"]["quarantined_batches"], 1);
    app.stop().await;
    std::fs::remove_dir_all(spool).ok();
}

#[tokio::test]
async fn a_refused_spool_file_is_quarantined_and_the_files_after_it_replay() {
    let (dbs, outage, mut raw) = behind_outage().await;
    raw.shutdown_timeout_secs = Some("1".into());
    let spool = std::path::PathBuf::from(raw.spool_dir.clone().unwrap());
    // ClickHouse down: each run spools what it acknowledged at shutdown, a page load then an error.
    let app = spawn_app_on(&dbs, raw.clone()).await;
    let tx = new_id();
    let body = envelope(json!({"event_id": tx}), &[("transaction", serde_json::to_vec(&page_load(&tx)).unwrap())]);
    assert_eq!(app.post_envelope(body).await.status(), 200);
    app.stop().await;
    let app = spawn_app_on(&dbs, raw.clone()).await;
    assert_eq!(app.post_envelope(event_envelope(&js_error(&new_id(), "after", "f", 1))).await.status(), 200);
    app.stop().await;
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 2, "two spooled batches");

    // The first file can never be stored; the second must not wait behind it.
    dbs.ch.query("ALTER TABLE transactions DROP COLUMN sdk_version").execute().await.unwrap();
    outage.set_up(true);
    let app = spawn_app_on(&dbs, raw).await;
    assert_eq!(app.wait_for_events(1).await, 1);
    assert_eq!(readyz(&app).await["ingest"]["quarantined_batches"], 1);
    // The replayed file is removed just after its rows are stored: allow for that step.
    let left_in_spool =
        || -> Vec<_> { std::fs::read_dir(&spool).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect() };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while left_in_spool().len() > 1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(left_in_spool(), vec![std::ffi::OsString::from("quarantine")], "both files left the spool");
    app.stop().await;
    std::fs::remove_dir_all(spool).ok();
}
