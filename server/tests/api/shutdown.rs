//! SIGTERM under load: the real `sightline serve` process stops accepting,
//! drains its queue into ClickHouse and exits 0, and every event it
//! acknowledged with 200 is stored — no more, no fewer.

use std::{
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use nix::{sys::signal, unistd::Pid};
use sightline::projects;

use crate::{
    fixtures::*,
    helpers::{clickhouse_url, fresh_databases},
};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_loses_no_acknowledged_event() {
    let dbs = fresh_databases().await;
    let team = projects::ensure_team(&dbs.pg, "t").await.unwrap();
    let project = projects::ensure_project(&dbs.pg, team, "p").await.unwrap();
    let port = free_port();
    let spool = std::env::temp_dir().join(&dbs.clickhouse_database).join("spool");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_sightline"))
        .arg("serve")
        .env("SIGHTLINE_LISTEN", format!("127.0.0.1:{port}"))
        .env("SIGHTLINE_DATABASE_URL", &dbs.database_url)
        .env("SIGHTLINE_CLICKHOUSE_URL", clickhouse_url())
        .env("SIGHTLINE_CLICKHOUSE_DATABASE", &dbs.clickhouse_database)
        .env("SIGHTLINE_SPOOL_DIR", &spool)
        // A long flush interval keeps rows queued, so SIGTERM has work to drain.
        .env("SIGHTLINE_FLUSH_INTERVAL_MS", "2000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("server binary starts");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "server did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let url = format!("{base}/api/{}/envelope/?sentry_key={}", project.project_id, project.public_key);
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut senders = Vec::new();
    for worker in 0..8 {
        let (http, url, acked) = (http.clone(), url.clone(), acked.clone());
        senders.push(tokio::spawn(async move {
            for i in 0.. {
                let id = new_id();
                let body = event_envelope(&js_error(&id, &format!("load {worker}-{i}"), "f", 1));
                match http.post(&url).body(body).send().await {
                    Ok(r) if r.status() == 200 => acked.lock().unwrap().push(id),
                    // 503 while shutting down, or the listener is gone: not acknowledged.
                    Ok(_) | Err(_) => return,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before_signal = acked.lock().unwrap().len();
    assert!(before_signal > 50, "load is flowing ({before_signal} acknowledged)");
    signal::kill(Pid::from_raw(child.id().unwrap() as i32), signal::Signal::SIGTERM).unwrap();
    let status =
        tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("exits after SIGTERM").unwrap();
    assert!(status.success(), "exit status {status:?}");
    for s in senders {
        s.await.unwrap();
    }

    let acked = acked.lock().unwrap().clone();
    let stored: u64 = dbs.ch.query("SELECT count() FROM events").fetch_one().await.unwrap();
    assert_eq!(stored as usize, acked.len(), "stored rows equal acknowledged events");
    let ids: Vec<String> =
        dbs.ch.query("SELECT lower(replaceAll(toString(event_id), '-', '')) FROM events").fetch_all().await.unwrap();
    let stored_ids: std::collections::HashSet<String> = ids.into_iter().collect();
    assert!(acked.iter().all(|id| stored_ids.contains(id)), "every acknowledged id is stored");
    assert!(std::fs::read_dir(&spool).map(|d| d.count()).unwrap_or(0) == 0, "nothing needed spooling");
}
