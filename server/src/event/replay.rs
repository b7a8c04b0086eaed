//! Session replay metadata: a `replay_event` item (one per recording
//! segment, as Sentry's SDKs send it) becomes a [`ReplayRow`], and an error
//! event's replay id is read from `contexts.replay.replay_id` (else its
//! `replayId` tag). The recording itself is [`crate::ingest::replay`]'s.
//!
//! The item's common fields (user, release, environment, SDK, contexts,
//! request) are read with the same lenient [`RawEvent`] as errors; the
//! replay's own (`replay_id`, `segment_id`, `replay_type`, `urls`,
//! `error_ids`, `trace_ids`, `replay_start_timestamp`) with a small lenient
//! reader here: a wrong-typed one is dropped, a missing id is an error.

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::limits::{truncate, MAX_NAME, MAX_VALUE};
use super::model::RawEvent;
use super::normalize::{name, timestamp};
use super::{useragent, IngestContext, PayloadError};
use crate::store::rows::ReplayRow;

/// Most URLs, error ids or trace ids kept per segment.
const MAX_LIST: usize = 100;
/// Highest segment id taken: 60 minutes at one segment every 5 s is 720; Sentry's SDK caps sessions at 60 min.
pub const MAX_SEGMENT_ID: u32 = 100_000;

/// The replay-specific fields of a `replay_event`, leniently typed.
#[derive(Deserialize, Default)]
struct ReplayFields {
    #[serde(default)]
    replay_id: Value,
    #[serde(default)]
    segment_id: Value,
    #[serde(default)]
    replay_type: Value,
    #[serde(default)]
    replay_start_timestamp: Value,
    #[serde(default)]
    urls: Value,
    #[serde(default)]
    error_ids: Value,
    #[serde(default)]
    trace_ids: Value,
}

/// Normalises a `replay_event` payload into its row.
pub fn normalize_replay_event(payload: &[u8], ctx: &IngestContext) -> Result<ReplayRow, PayloadError> {
    let event = RawEvent::parse(payload)?;
    let fields: ReplayFields = serde_json::from_slice(payload).map_err(|e| PayloadError::InvalidJson(e.to_string()))?;
    let replay_id = fields
        .replay_id
        .as_str()
        .and_then(parse_id)
        .or(event.event_id)
        .or(ctx.envelope_event_id)
        .ok_or(PayloadError::MissingField("replay_id"))?;
    let segment_id = segment_id(&fields.segment_id).ok_or(PayloadError::MissingField("segment_id"))?;
    let client = useragent::resolve(&event, ctx.client_user_agent.as_deref());
    let started_at = match fields.replay_start_timestamp.as_f64() {
        Some(ts) => timestamp(Some(ts), ctx.received_at),
        None => 0,
    };
    let replay_type = match fields.replay_type.as_str() {
        Some(t @ ("session" | "buffer")) => t.to_owned(),
        _ => "session".to_owned(),
    };
    Ok(ReplayRow {
        project_id: ctx.project_id,
        replay_id,
        segment_id,
        item_id: item_id(replay_id, segment_id),
        timestamp: timestamp(event.timestamp, ctx.received_at),
        started_at,
        replay_type,
        urls: strings(&fields.urls, MAX_VALUE, |s| Some(s.to_owned())),
        error_ids: strings(&fields.error_ids, MAX_NAME, |s| parse_id(s).map(|u| u.simple().to_string())),
        trace_ids: strings(&fields.trace_ids, MAX_NAME, |s| parse_id(s).map(|u| u.simple().to_string())),
        release: name(event.release.as_deref()),
        environment: name(event.environment.as_deref()),
        browser: client.browser,
        os: client.os,
        user_id: name(event.user.id.as_deref()),
        user_name: name(event.user.username.as_deref()),
        user_email: name(event.user.email.as_deref()),
        sdk_name: name(event.sdk_name.as_deref()),
        sdk_version: name(event.sdk_version.as_deref()),
    })
}

/// Reads a segment id: a non-negative integer up to [`MAX_SEGMENT_ID`].
pub fn segment_id(v: &Value) -> Option<u32> {
    v.as_u64().and_then(|n| u32::try_from(n).ok()).filter(|n| *n <= MAX_SEGMENT_ID)
}

/// Returns the id naming one segment of one replay (the same on every retry).
pub fn item_id(replay_id: Uuid, segment_id: u32) -> Uuid {
    let mut hash = Sha256::new();
    hash.update(replay_id.as_bytes());
    hash.update(segment_id.to_le_bytes());
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// Returns the replay an error event happened in, as 32 hex digits, or empty.
pub fn event_replay_id(event: &RawEvent) -> String {
    #[derive(Deserialize)]
    struct Contexts {
        replay: Option<ReplayContext>,
    }
    #[derive(Deserialize)]
    struct ReplayContext {
        replay_id: Option<Value>,
    }
    let from_contexts = event
        .contexts
        .raw
        .and_then(|raw| serde_json::from_str::<Contexts>(raw.get()).ok())
        .and_then(|c| c.replay?.replay_id)
        .and_then(|v| v.as_str().and_then(parse_id));
    from_contexts
        .or_else(|| event.tag("replayId").and_then(parse_id))
        .map(|u| u.simple().to_string())
        .unwrap_or_default()
}

fn parse_id(s: &str) -> Option<Uuid> {
    Uuid::try_parse(s.trim()).ok()
}

/// The strings of a JSON array, mapped, bounded in number and length.
fn strings(v: &Value, max_len: usize, map: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let Some(list) = v.as_array() else { return Vec::new() };
    list.iter()
        .filter_map(Value::as_str)
        .filter_map(|s| map(truncate(s, max_len)))
        .filter(|s| !s.is_empty())
        .take(MAX_LIST)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ctx() -> IngestContext {
        IngestContext {
            project_id: 7,
            received_at: chrono::Utc.timestamp_opt(1_796_507_500, 0).unwrap(),
            client_user_agent: Some(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
                    .into(),
            ),
            client_ip: None,
            envelope_event_id: None,
        }
    }

    #[test]
    fn a_sentry_replay_event_becomes_a_row() {
        let payload = br#"{"type":"replay_event","replay_id":"0123456789abcdef0123456789abcdef","segment_id":0,
            "replay_type":"buffer","timestamp":1796507490.5,"replay_start_timestamp":1796507460.1,
            "urls":["https://shop.example/cart?x=1"],"error_ids":["fedcba9876543210fedcba9876543210", 5],
            "trace_ids":[],"user":{"id":"u1","username":"ann","email":"a@example.com","ip_address":"1.2.3.4"},
            "release":"1.0","environment":"prod","sdk":{"name":"sentry.javascript.browser","version":"10.1.0"}}"#;
        let row = normalize_replay_event(payload, &ctx()).unwrap();
        assert_eq!(row.replay_id.simple().to_string(), "0123456789abcdef0123456789abcdef");
        assert_eq!((row.segment_id, row.replay_type.as_str()), (0, "buffer"));
        assert_eq!((row.timestamp, row.started_at), (1_796_507_490, 1_796_507_460));
        assert_eq!(row.urls, ["https://shop.example/cart?x=1"]);
        assert_eq!(row.error_ids, ["fedcba9876543210fedcba9876543210"]);
        assert_eq!((row.user_name.as_str(), row.browser.as_str()), ("ann", "Chrome"));
        assert_eq!(row.item_id, item_id(row.replay_id, 0));
        assert_ne!(row.item_id, item_id(row.replay_id, 1));
    }

    #[test]
    fn a_replay_event_without_ids_is_refused() {
        assert!(normalize_replay_event(br#"{"segment_id":0}"#, &ctx()).is_err());
        let no_segment = br#"{"replay_id":"0123456789abcdef0123456789abcdef","segment_id":"x"}"#;
        assert!(matches!(normalize_replay_event(no_segment, &ctx()), Err(PayloadError::MissingField("segment_id"))));
    }

    #[test]
    fn an_error_event_names_its_replay_by_context_or_tag() {
        let by_context = br#"{"contexts":{"replay":{"replay_id":"0123456789ABCDEF0123456789abcdef"}}}"#;
        let event = RawEvent::parse(by_context).unwrap();
        assert_eq!(event_replay_id(&event), "0123456789abcdef0123456789abcdef");
        let by_tag = br#"{"tags":{"replayId":"01234567-89ab-cdef-0123-456789abcdef"}}"#;
        assert_eq!(event_replay_id(&RawEvent::parse(by_tag).unwrap()), "0123456789abcdef0123456789abcdef");
        assert_eq!(event_replay_id(&RawEvent::parse(br#"{"contexts":{"replay":{}}}"#).unwrap()), "");
    }
}
