//! The queue's payload budget (`SIGHTLINE_QUEUE_MAX_BLOB_MB`) against a
//! ClickHouse that takes connections and never answers, so the writer holds
//! the recordings it is sending: past the budget, new replay items are
//! refused with a 429 for the `replay` category alone (the SDKs pause
//! replays), an error beside them is still accepted, and once ClickHouse
//! answers again everything accepted is stored.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

use crate::{
    fixtures::*,
    helpers::{clickhouse_url, fresh_databases, raw_config, spawn_app_on},
    replays::{noisy_events, recording, replay_envelope, replay_event, zlib},
};

/// A TCP proxy to the test ClickHouse that, while holding, accepts
/// connections and leaves them unanswered; [`Hold::release`] closes those
/// and forwards from then on.
struct Hold {
    url: String,
    forward: Arc<AtomicBool>,
    held: Arc<Mutex<Vec<TcpStream>>>,
}

impl Hold {
    async fn start() -> Hold {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let target = clickhouse_url().trim_start_matches("http://").trim_end_matches('/').to_string();
        let (forward, held) = (Arc::new(AtomicBool::new(false)), Arc::new(Mutex::new(Vec::new())));
        let (flag, sockets) = (forward.clone(), held.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !flag.load(Ordering::SeqCst) {
                    sockets.lock().unwrap().push(inbound);
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
        Hold { url, forward, held }
    }

    fn release(&self) {
        self.forward.store(true, Ordering::SeqCst);
        self.held.lock().unwrap().clear();
    }
}

async fn replay_outcomes(ch: &clickhouse::Client, project_id: i64, reason: &str) -> u64 {
    let sql = format!(
        "SELECT toUInt64(sum(quantity)) FROM outcomes WHERE project_id = {project_id} AND category = 'replay' \
         AND outcome = 'rate_limited' AND reason = '{reason}'"
    );
    ch.query(&sql).fetch_one().await.unwrap()
}

#[tokio::test]
async fn recordings_waiting_for_clickhouse_past_the_budget_turn_new_replays_away_and_keep_errors() {
    let dbs = fresh_databases().await;
    let hold = Hold::start().await;
    let mut raw = raw_config(&dbs);
    raw.clickhouse_url = Some(hold.url.clone());
    raw.queue_max_blob_mb = Some("1".into());
    let app = spawn_app_on(&dbs, raw).await;

    // ~600 KB stored per segment: the first fits the 1 MiB budget, a second does not.
    let body = zlib(&noisy_events(1_200_000));
    assert!(body.len() > 550_000 && body.len() < 1 << 20, "{}", body.len());
    let (first, second) = (new_id(), new_id());
    assert_eq!(app.post_envelope(replay_envelope(&first, 0, &body)).await.status(), 200);
    // The first is still on its way to ClickHouse (twice: an SDK retrying is turned away too).
    for _ in 0..2 {
        let refused = app.post_envelope(replay_envelope(&second, 0, &body)).await;
        assert_eq!(refused.status(), 429);
        assert_eq!(refused.headers()["x-sentry-rate-limits"], "60:replay:project");
        assert_eq!(refused.headers()["retry-after"], "60");
    }

    // A large replay beside an error: the error is accepted, the replay held back; small replays fit.
    let event_id = new_id();
    let mixed = envelope(
        json!({"event_id": event_id}),
        &[
            ("event", serde_json::to_vec(&js_error(&event_id, "kept while replays wait", "f", 1)).unwrap()),
            ("replay_event", replay_event(&second, 1, &[])),
            ("replay_recording", recording(1, &body)),
        ],
    );
    let kept = app.post_envelope(mixed).await;
    assert_eq!(kept.status(), 200);
    assert_eq!(kept.headers()["x-sentry-rate-limits"], "60:replay:project");
    let small = zlib(crate::replays::EVENTS.as_bytes());
    assert_eq!(app.post_envelope(replay_envelope(&new_id(), 0, &small)).await.status(), 200, "room for small ones");

    // ClickHouse answers again: everything accepted lands, nothing refused does.
    hold.release();
    let segments = |replay: &str| {
        format!("SELECT count() FROM replay_segments WHERE replaceAll(toString(replay_id), '-', '') = '{replay}'")
    };
    assert_eq!(app.wait_for_count(&segments(&first), 1).await, 1);
    assert_eq!(app.wait_for_events(1).await, 1);
    assert_eq!(app.wait_for_count("SELECT count() FROM replay_segments", 2).await, 2);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while replay_outcomes(&dbs.ch, app.project_id, "replay_backlog").await < 6 && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        replay_outcomes(&dbs.ch, app.project_id, "replay_backlog").await,
        6,
        "two items each of three envelopes"
    );
    assert_eq!(app.wait_for_count(&segments(&second), 0).await, 0, "refused segments are not stored");
    app.stop().await;
}
