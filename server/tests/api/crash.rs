//! `kill -9` under a steady stream of envelopes: the real `sightline serve`
//! process dies without any chance to drain, a new one starts on the same
//! spool directory, and every event id answered 200 is in ClickHouse exactly
//! once, with no tolerance window: the 200 came only after the rows were
//! synced to the write-ahead log, which the new process replays.

use std::{collections::HashSet, time::Duration};

use nix::{sys::signal, unistd::Pid};
use sightline::projects;

use crate::{
    helpers::fresh_databases,
    restart::{acked_ids, free_port, spawn_server, wait_ok, Outcome, Stream},
};

fn log_segments(spool: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(spool)
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with("wal-") || n.starts_with("recovered-"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_a_steady_stream_loses_and_duplicates_no_acknowledged_event() {
    let dbs = fresh_databases().await;
    let team = projects::ensure_team(&dbs.pg, "t").await.unwrap();
    let project = projects::ensure_project(&dbs.pg, team, "p").await.unwrap();
    let work = std::env::temp_dir().join(&dbs.clickhouse_database);
    let spool = work.join("spool");
    let port = free_port();
    let http = reqwest::Client::new();
    // Rows wait up to a second for their batch: the kill finds acknowledged
    // rows that only the log holds.
    let mut server = spawn_server(&dbs, port, &spool, 0);
    wait_ok(&http, &format!("http://127.0.0.1:{port}/readyz")).await;

    let stream = Stream::start(port, &project);

    tokio::time::sleep(Duration::from_millis(2500)).await;
    signal::kill(Pid::from_raw(server.id().unwrap() as i32), signal::Signal::SIGKILL).unwrap();
    server.wait().await.unwrap();
    let left = log_segments(&spool);
    assert!(!left.is_empty(), "the killed process left unretired log segments (rows it had not stored yet)");
    let acked_before = stream.acked_so_far();

    let mut server = spawn_server(&dbs, port, &spool, 0);
    wait_ok(&http, &format!("http://127.0.0.1:{port}/readyz")).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let log = stream.finish().await;
    signal::kill(Pid::from_raw(server.id().unwrap() as i32), signal::Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), server.wait()).await.unwrap().unwrap();
    assert!(status.success(), "exit status {status:?}");

    let acked = acked_ids(&log);
    let lost: HashSet<&str> =
        log.iter().filter(|s| matches!(s.outcome, Outcome::Lost)).map(|s| s.id.as_str()).collect();
    let ids: Vec<String> =
        dbs.ch.query("SELECT lower(replaceAll(toString(event_id), '-', '')) FROM events").fetch_all().await.unwrap();
    let stored: HashSet<&str> = ids.iter().map(String::as_str).collect();
    println!(
        "kill -9: {} sent, {} acknowledged ({acked_before} before the kill), {} answers lost, {} segments left \
         by the killed process, {} rows stored",
        log.len(),
        acked.len(),
        lost.len(),
        left.len(),
        ids.len()
    );
    assert!(acked_before > 50, "the stream was flowing before the kill ({acked_before} acknowledged)");
    assert_eq!(ids.len(), stored.len(), "no event stored twice");
    let missing: Vec<&&str> = acked.difference(&stored).collect();
    assert!(missing.is_empty(), "{} acknowledged events are not stored, e.g. {:?}", missing.len(), missing.first());
    // A row nobody acknowledged can only come from a request whose answer the kill cut.
    let unacked: Vec<&&str> = stored.difference(&acked).collect();
    assert!(unacked.iter().all(|id| lost.contains(**id)), "stored but refused: {unacked:?}");
    // The count never exceeds the stored events: replayed rows already
    // stored are not counted again.
    let times_seen: i64 =
        sqlx::query_scalar("SELECT COALESCE(sum(times_seen), 0)::bigint FROM issues").fetch_one(&dbs.pg).await.unwrap();
    assert!(times_seen <= ids.len() as i64, "issues count {times_seen} sightings for {} stored events", ids.len());
    assert!(times_seen > 0, "the issue tracker counted the stream");
    assert!(log_segments(&spool).is_empty(), "every segment is retired after the clean stop");
    std::fs::remove_dir_all(&work).ok();
}
