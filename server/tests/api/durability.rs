//! An acknowledged event is never lost: not while ClickHouse is down, not
//! when the queue fills, not across a restart. ClickHouse outages are made
//! real by putting a TCP proxy between the server and ClickHouse and cutting
//! it.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use tokio::net::{TcpListener, TcpStream};

use crate::{
    fixtures::*,
    helpers::{clickhouse_url, fresh_databases, raw_config, spawn_app_on, Databases, TestApp},
};
use sightline::config::RawConfig;

/// A TCP proxy to the test ClickHouse that can be switched off: while off it
/// accepts connections and closes them at once, as a crashed server would.
pub struct Outage {
    url: String,
    up: Arc<AtomicBool>,
}

impl Outage {
    async fn start(up: bool) -> Outage {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let target = clickhouse_url().trim_start_matches("http://").trim_end_matches('/').to_string();
        let flag = Arc::new(AtomicBool::new(up));
        let state = flag.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !state.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Outage { url, up: flag }
    }

    pub fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }
}

/// Fresh databases, an outage proxy (down), and settings that use it.
pub async fn behind_outage() -> (Databases, Outage, RawConfig) {
    let dbs = fresh_databases().await;
    let outage = Outage::start(false).await;
    let mut raw = raw_config(&dbs);
    raw.clickhouse_url = Some(outage.url.clone());
    (dbs, outage, raw)
}

/// Small queue and batches, so a handful of events fills it.
fn tiny_queue(raw: &mut RawConfig) {
    raw.queue_capacity = Some("8".into());
    raw.batch_size = Some("4".into());
}

async fn stored(ch: &clickhouse::Client) -> u64 {
    ch.query("SELECT count() FROM events").fetch_one().await.unwrap()
}

/// Sends up to 40 events until one is refused with 503 (ClickHouse is down
/// and something fills); returns how many were acknowledged and the refusal.
async fn send_until_refused(app: &TestApp, label: &str) -> (u64, reqwest::Response) {
    let mut acked = 0;
    for i in 0..40 {
        let resp = app.post_envelope(event_envelope(&js_error(&new_id(), &format!("{label} {i}"), "f", 1))).await;
        match resp.status().as_u16() {
            200 => acked += 1,
            503 => return (acked, resp),
            other => panic!("unexpected status {other}"),
        }
    }
    panic!("{acked} of 40 acknowledged: nothing filled while ClickHouse was down");
}

#[tokio::test]
async fn events_acknowledged_during_a_clickhouse_outage_land_when_it_returns() {
    let (dbs, outage, raw) = behind_outage().await;
    let app = spawn_app_on(&dbs, raw).await;
    for i in 0..20 {
        let resp = app.post_envelope(event_envelope(&js_error(&new_id(), &format!("outage {i}"), "f", 1))).await;
        assert_eq!(resp.status(), 200);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(stored(&dbs.ch).await, 0, "ClickHouse is unreachable, nothing can be stored yet");
    outage.set_up(true);
    assert_eq!(app.wait_for_events(20).await, 20);
    // "outage 0" … "outage 19" differ only by a number: one issue.
    assert_eq!(app.wait_for_issues(1).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_full_queue_answers_503_and_keeps_what_it_acknowledged() {
    let (dbs, outage, mut raw) = behind_outage().await;
    tiny_queue(&mut raw);
    // A spool path under a regular file cannot be created: memory is all there is.
    let blocker = std::env::temp_dir().join(format!("sightline-not-a-dir-{}", new_id()));
    std::fs::write(&blocker, b"x").unwrap();
    raw.spool_dir = Some(blocker.join("spool").display().to_string());
    let app = spawn_app_on(&dbs, raw).await;
    let (acked, resp) = send_until_refused(&app, "full").await;
    assert_eq!(resp.headers()["retry-after"], "1");
    assert!(resp.headers()["x-sentry-error"].to_str().unwrap().contains("queue is full"));
    assert!(acked >= 8, "{acked} acknowledged before the queue filled");
    outage.set_up(true);
    assert_eq!(app.wait_for_events(acked).await, acked);
    app.stop().await;
    std::fs::remove_file(blocker).unwrap();
}

#[tokio::test]
async fn batches_spooled_at_shutdown_are_written_after_a_restart() {
    let (dbs, outage, mut raw) = behind_outage().await;
    raw.shutdown_timeout_secs = Some("1".into());
    let spool_dir = std::path::PathBuf::from(raw.spool_dir.clone().unwrap());
    let app = spawn_app_on(&dbs, raw.clone()).await;
    for i in 0..12 {
        let resp = app.post_envelope(event_envelope(&js_error(&new_id(), &format!("spooled {i}"), "f", 1))).await;
        assert_eq!(resp.status(), 200);
    }
    // ClickHouse is still down at shutdown: the server must spool, not drop.
    app.stop().await;
    let files: Vec<_> = std::fs::read_dir(&spool_dir).unwrap().collect();
    assert!(!files.is_empty(), "shutdown left the undeliverable batch in the spool");
    assert_eq!(stored(&dbs.ch).await, 0);

    // Same databases, same spool, ClickHouse back: everything lands.
    outage.set_up(true);
    let app = spawn_app_on(&dbs, raw).await;
    assert_eq!(app.wait_for_events(12).await, 12);
    assert_eq!(app.wait_for_issues(1).await, 1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while std::fs::read_dir(&spool_dir).unwrap().count() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(std::fs::read_dir(&spool_dir).unwrap().count(), 0, "replayed files are removed");
    app.stop().await;
}

#[tokio::test]
async fn queue_pressure_during_an_outage_spills_to_disk_instead_of_refusing() {
    let (dbs, outage, mut raw) = behind_outage().await;
    tiny_queue(&mut raw);
    let app = spawn_app_on(&dbs, raw).await;
    let mut acked = 0u64;
    for i in 0..60 {
        let resp = app.post_envelope(event_envelope(&js_error(&new_id(), &format!("spill {i}"), "f", 1))).await;
        match resp.status().as_u16() {
            200 => acked += 1,
            // The writer may be mid-backoff; an SDK would retry after Retry-After.
            503 => tokio::time::sleep(Duration::from_millis(200)).await,
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(acked > 8, "spooling frees the queue: {acked} acknowledged with room for 8");
    outage.set_up(true);
    assert_eq!(app.wait_for_events(acked).await, acked);
    app.stop().await;
}

#[tokio::test]
async fn a_full_write_ahead_log_answers_503_and_takes_rows_again_once_they_are_stored() {
    let (dbs, outage, mut raw) = behind_outage().await;
    // Room for a few envelopes' rows: ClickHouse being down, none can retire.
    raw.wal_max_bytes = Some("12000".into());
    let app = spawn_app_on(&dbs, raw).await;
    let (acked, resp) = send_until_refused(&app, "log").await;
    assert_eq!(resp.headers()["retry-after"], "1");
    assert!(resp.headers()["x-sentry-error"].to_str().unwrap().contains("write-ahead log is full"));
    assert!(acked >= 1, "{acked} acknowledged before the log filled");
    outage.set_up(true);
    assert_eq!(app.wait_for_events(acked).await, acked);
    // Stored rows retire their segment: the log takes envelopes again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let resp = app.post_envelope(event_envelope(&js_error(&new_id(), "log again", "f", 1))).await;
        if resp.status() == 200 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {} after the rows were stored", resp.status());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.wait_for_events(acked + 1).await, acked + 1);
    app.stop().await;
}
