//! The two ingest handlers. Each is extract → authenticate → process →
//! rate-limit → enqueue; the answer is Sentry's `{"id": …}`.

use std::net::SocketAddr;

use axum::{
    body::Body,
    extract::{ConnectInfo, Path, State},
    http::{header, HeaderMap, Uri},
    Json,
};
use bytes::Bytes;
use serde::Serialize;

use super::{
    auth, decode,
    error::IngestError,
    process::{self, Processed, RequestFacts},
};
use crate::{
    pipeline::QueueError,
    projects::keycache::{KeyEntry, RateDecision},
    state::AppState,
    store::rows::Row,
};

/// Sentry's success body.
#[derive(Debug, Serialize)]
pub struct Accepted {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Bodies above this size are processed on the blocking pool.
const INLINE_LIMIT: usize = 64 * 1024;

/// Handles `POST /api/{project_id}/envelope/`.
pub async fn envelope(
    state: State<AppState>,
    path: Path<String>,
    peer: ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Accepted>, IngestError> {
    ingest(state, path, peer, uri, headers, body, Kind::Envelope).await
}

/// Handles the legacy `POST /api/{project_id}/store/` (one JSON event).
pub async fn store(
    state: State<AppState>,
    path: Path<String>,
    peer: ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Accepted>, IngestError> {
    ingest(state, path, peer, uri, headers, body, Kind::Store).await
}

#[derive(Clone, Copy)]
enum Kind {
    Envelope,
    Store,
}

async fn ingest(
    State(state): State<AppState>,
    Path(project): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
    kind: Kind,
) -> Result<Json<Accepted>, IngestError> {
    let project_id: u64 = project.parse().map_err(|_| IngestError::InvalidProjectId)?;
    let config = &state.config;
    // Authenticate before reading the body when the request says who it is.
    let request_key = auth::key_from_request(&headers, uri.query())?;
    let mut key = match &request_key {
        Some(k) => Some(auth::authorize(&state.keys, k, project_id)?),
        None if matches!(kind, Kind::Store) => return Err(IngestError::MissingAuth),
        None => None,
    };
    let raw = decode::read_body(body, config.max_envelope_bytes).await?;
    let facts = RequestFacts {
        project_id,
        received_at: chrono::Utc::now(),
        user_agent: header_str(&headers, header::USER_AGENT.as_str()),
        client_ip: Some(client_ip(&headers, peer)),
        max_event_bytes: config.max_event_bytes,
    };
    let encoding = header_str(&headers, header::CONTENT_ENCODING.as_str());
    let cap = config.max_decompressed_bytes;
    let large = raw.len() > INLINE_LIMIT;
    let work = move || -> Result<Processed, IngestError> {
        let body: Bytes = decode::decode(encoding.as_deref(), raw, cap)?;
        match kind {
            Kind::Envelope => process::envelope(body, &facts),
            Kind::Store => process::store(body, &facts),
        }
    };
    let processed = if large {
        tokio::task::spawn_blocking(work).await.map_err(|e| IngestError::BodyRead(e.to_string()))??
    } else {
        work()?
    };
    let key = match key.take() {
        Some(k) => k,
        None => {
            let dsn = processed.dsn.as_deref().ok_or(IngestError::MissingAuth)?;
            auth::authorize(&state.keys, &auth::key_from_dsn(dsn)?, project_id)?
        }
    };
    enqueue(&state, &key, processed.rows)?;
    Ok(Json(Accepted { id: processed.event_id.map(|id| id.simple().to_string()) }))
}

fn enqueue(state: &AppState, key: &KeyEntry, rows: Vec<Row>) -> Result<(), IngestError> {
    if rows.is_empty() {
        return Ok(());
    }
    if let RateDecision::Limited(retry_after) = key.check_rate(rows.len() as u32) {
        return Err(IngestError::RateLimited { retry_after });
    }
    state.queue.try_push_all(rows).map_err(|e| match e {
        QueueError::Full => IngestError::QueueFull,
        QueueError::Closed => IngestError::ShuttingDown,
    })
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// Returns the client address: the first `X-Forwarded-For` hop when a proxy
/// (Caddy) sets one, else the TCP peer.
fn client_ip(headers: &HeaderMap, peer: SocketAddr) -> String {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|s| s.trim().to_string())
        .filter(|s| s.parse::<std::net::IpAddr>().is_ok())
        .unwrap_or_else(|| peer.ip().to_string())
}
