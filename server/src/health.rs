//! Liveness and readiness probes for orchestrators: `/healthz` answers while
//! the process runs; `/readyz` also checks that Postgres and ClickHouse
//! answer and that the key cache has loaded, and says which one does not.

use std::time::Duration;

use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};

use crate::{startup::AppState, store};

/// Answers 200 while the process is alive.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Answers 200 when every dependency is reachable, else 503 naming the failures.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
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
        })),
    )
}
