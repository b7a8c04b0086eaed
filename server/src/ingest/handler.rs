//! The two ingest handlers. Each is extract → authenticate → process →
//! rate-limit → enqueue; the answer is Sentry's `{"id": …}`.

use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderMap, Uri},
    Json,
};
use bytes::Bytes;
use serde::Serialize;
use tokio::sync::OwnedSemaphorePermit;

use super::{
    auth, decode,
    error::IngestError,
    process::{self, Processed, RequestFacts},
    replay_limits,
};
use crate::{
    net::client_ip::ClientIp,
    outcomes,
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

/// Handles `POST /api/{project_id}/envelope/`.
pub async fn envelope(
    state: State<AppState>,
    path: Path<String>,
    client: ClientIp,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<(HeaderMap, Json<Accepted>), IngestError> {
    ingest(state, path, client, uri, headers, body, Kind::Envelope).await
}

/// Handles the legacy `POST /api/{project_id}/store/` (one JSON event).
pub async fn store(
    state: State<AppState>,
    path: Path<String>,
    client: ClientIp,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<(HeaderMap, Json<Accepted>), IngestError> {
    ingest(state, path, client, uri, headers, body, Kind::Store).await
}

#[derive(Clone, Copy)]
enum Kind {
    Envelope,
    Store,
}

async fn ingest(
    State(state): State<AppState>,
    Path(project): Path<String>,
    ClientIp(client_ip): ClientIp,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
    kind: Kind,
) -> Result<(HeaderMap, Json<Accepted>), IngestError> {
    let project_id: u64 = project.parse().map_err(|_| IngestError::InvalidProjectId)?;
    let config = &state.config;
    // Authenticate before reading the body when the request says who it is.
    let request_key = auth::key_from_request(&headers, uri.query())?;
    let mut key = match &request_key {
        Some(k) => Some(auth::authorize(&state.keys, k, project_id)?),
        None if matches!(kind, Kind::Store) => return Err(IngestError::MissingAuth),
        None => None,
    };
    let policy = state.keys.policy(project_id);
    if let Err(origin) = policy.allowed_origins.check(&headers) {
        if let Some(public_key) = &request_key {
            let filtered = outcomes::ItemOutcome::new(outcomes::Outcome::Filtered, "envelope", "disallowed_origin", 1);
            state.outcomes.record(project_id, public_key, &[filtered]);
        }
        return Err(IngestError::ForbiddenOrigin(origin));
    }
    let raw = decode::read_body(body, config.max_envelope_bytes).await?;
    let facts = RequestFacts {
        project_id,
        received_at: chrono::Utc::now(),
        user_agent: header_str(&headers, header::USER_AGENT.as_str()),
        client_ip: Some(client_ip.to_string()),
        max_event_bytes: config.max_event_bytes,
        max_screenshot_bytes: config.max_screenshot_bytes,
        scrubber: policy.scrubber.clone(),
    };
    let encoding = header_str(&headers, header::CONTENT_ENCODING.as_str());
    let cap = config.max_decompressed_bytes;
    let inline = decode::runs_inline(encoding.as_deref(), raw.len());
    let work = move || -> Result<Processed, IngestError> {
        let body: Bytes = decode::decode(encoding.as_deref(), raw, cap)?;
        match kind {
            Kind::Envelope => process::envelope(body, &facts),
            Kind::Store => process::store(body, &facts),
        }
    };
    let processed = if inline {
        work()?
    } else {
        tokio::task::spawn_blocking(work).await.map_err(|e| IngestError::BodyRead(e.to_string()))??
    };
    let (key, public_key) = match (key.take(), request_key) {
        (Some(k), Some(public_key)) => (k, public_key),
        _ => {
            let dsn = processed.dsn.as_deref().ok_or(IngestError::MissingAuth)?;
            let public_key = auth::key_from_dsn(dsn)?;
            (auth::authorize(&state.keys, &public_key, project_id)?, public_key)
        }
    };
    let mut rows = processed.rows;
    if let Some(spans) = processed.spans {
        let joined = state.pageloads.absorb(project_id, spans.facts, &spans.ctx);
        rows.extend(joined.rows.into_iter().map(Row::Transaction));
    }
    let mut outcomes = processed.outcomes;
    let now = chrono::Utc::now().timestamp();
    // The payload budget first, so the quota counts only bytes that can be queued.
    let (held, backlog) =
        replay_limits::reserve(&state.queue, &mut rows, &mut outcomes).map_err(|_| IngestError::QueueFull)?;
    let usage = state.keys.replay_usage();
    let quota = replay_limits::apply_quota(usage, policy.replay_quota(), project_id, now, &mut rows, &mut outcomes);
    let replay_limit = backlog.max(quota);
    let queued = match (backlog, quota) {
        // Nothing but replays, all held back: the 429 SDKs back off on.
        (Some(retry_after), _) if rows.is_empty() => Err(IngestError::ReplayBacklog { retry_after }),
        (_, Some(retry_after)) if rows.is_empty() => Err(IngestError::ReplayQuotaExceeded { retry_after }),
        _ => enqueue(&state, &key, rows, held).await,
    };
    if matches!(queued, Err(IngestError::RateLimited { .. })) {
        outcomes::rate_limited(&mut outcomes);
    }
    // A full queue or log (503) is retried by the SDK: counted when it lands.
    if !matches!(queued, Err(IngestError::QueueFull | IngestError::ShuttingDown | IngestError::LogUnavailable(_))) {
        state.outcomes.record(project_id, &public_key, &outcomes);
    }
    queued?;
    let mut response_headers = HeaderMap::new();
    if let Some(retry_after) = replay_limit {
        // The other items were kept; the header tells the SDK to hold its replays.
        response_headers.insert("x-sentry-rate-limits", replay_limits::rate_limits_header(retry_after));
    }
    Ok((response_headers, Json(Accepted { id: processed.event_id.map(|id| id.simple().to_string()) })))
}

/// Rate-limits, then writes the rows ahead and queues them: the 200 comes
/// only after they are on disk (see [`crate::pipeline::wal`]).
async fn enqueue(
    state: &AppState,
    key: &KeyEntry,
    rows: Vec<Row>,
    held: Option<OwnedSemaphorePermit>,
) -> Result<(), IngestError> {
    if rows.is_empty() {
        return Ok(());
    }
    if let RateDecision::Limited(retry_after) = key.check_rate(rows.len() as u32) {
        return Err(IngestError::RateLimited { retry_after });
    }
    state.queue.push_all(state.log.as_ref(), rows, held).await.map_err(|e| match e {
        QueueError::Full => IngestError::QueueFull,
        QueueError::Closed => IngestError::ShuttingDown,
        QueueError::Log(e) => IngestError::LogUnavailable(e.to_string()),
    })
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}
