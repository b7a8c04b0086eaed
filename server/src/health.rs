//! Liveness and readiness probes for orchestrators: `/healthz` answers while
//! the process runs; `/readyz` also checks that Postgres and ClickHouse
//! answer and that the key cache has loaded, and says which one does not;
//! its `ingest` details show the write-ahead log's size and how many batches
//! ClickHouse refused for good (in the spool's `quarantine/`).
//! After the shutdown signal both answer 503 `draining` (the server still
//! serves for `SIGHTLINE_DRAIN_DELAY_SECS`), which is how a proxy's health
//! check learns to hold requests for the next process. Caddy checks
//! `/healthz`: ingest must keep flowing while ClickHouse is down.

use std::{sync::atomic::Ordering, time::Duration};

use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};

use crate::{state::AppState, store};

fn draining(state: &AppState) -> Option<(StatusCode, Json<Value>)> {
    state
        .draining
        .load(Ordering::SeqCst)
        .then(|| (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "draining" }))))
}

/// Answers 200 while the process is alive and not shutting down.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    draining(&state).unwrap_or((StatusCode::OK, Json(json!({ "status": "ok" }))))
}

/// Answers 200 when every dependency is reachable, else 503 naming the failures.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if let Some(answer) = draining(&state) {
        return answer;
    }
    let timeout = Duration::from_secs(2);
    let pg = tokio::time::timeout(timeout, sqlx::query("SELECT 1").execute(&state.pg)).await;
    let ch = tokio::time::timeout(timeout, store::clickhouse::ping(&state.ch)).await;
    let postgres = matches!(pg, Ok(Ok(_)));
    let clickhouse = matches!(ch, Ok(Ok(())));
    let keys = state.keys.is_loaded();
    let ready = postgres && clickhouse && keys;
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    (
        status,
        Json(json!({
            "status": if ready { "ready" } else { "not ready" },
            "postgres": word(postgres),
            "clickhouse": word(clickhouse),
            "key_cache": if keys { "loaded" } else { "not loaded" },
            "ingest": ingest_details(&state),
        })),
    )
}

/// Describes the write-ahead log and the quarantine (batches ClickHouse refused for good).
fn ingest_details(state: &AppState) -> Value {
    let spool = crate::pipeline::spool::Spool::new(&state.config.spool_dir);
    let log = match &state.log {
        Some(log) => json!(log.status()),
        None => json!("off: spool directory unusable, acknowledged rows are in memory only"),
    };
    json!({ "write_ahead_log": log, "quarantined_batches": spool.quarantined() })
}
