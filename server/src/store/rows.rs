//! Rows as they are written to ClickHouse: one struct per table, field order
//! equal to column order (RowBinary is positional). The same structs are
//! serialised as JSON lines into the on-disk spool, so they derive both.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One error event (`events` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clickhouse::Row)]
pub struct EventRow {
    pub project_id: u64,
    #[serde(with = "clickhouse::serde::uuid")]
    pub event_id: Uuid,
    /// 32 hex chars; the key of the Postgres issue this event belongs to.
    pub fingerprint: String,
    /// Seconds since the Unix epoch (ClickHouse `DateTime`, UTC).
    pub timestamp: u32,
    pub received_at: u32,
    pub level: String,
    pub platform: String,
    pub exception_type: String,
    pub exception_value: String,
    pub message: String,
    /// What the issue list shows: `Type: value` or the message.
    pub title: String,
    /// Where it happened: top in-app frame `function (file)` or the transaction.
    pub culprit: String,
    /// JSON array of the main exception's frames, innermost last (Sentry order).
    pub frames: String,
    pub release: String,
    pub environment: String,
    pub url: String,
    pub transaction_name: String,
    pub browser: String,
    pub browser_version: String,
    pub os: String,
    pub os_version: String,
    pub user_id: String,
    pub user_email: String,
    pub user_ip: String,
    pub tags_key: Vec<String>,
    pub tags_value: Vec<String>,
    /// JSON array of breadcrumbs, oldest first.
    pub breadcrumbs: String,
    /// JSON object of the event's contexts, extra and request (for the detail page).
    pub contexts: String,
    pub sdk_name: String,
    pub sdk_version: String,
    /// The session replay the event happened in (32 hex digits), or empty.
    #[serde(default)]
    pub replay_id: String,
    /// What symbolication needs besides the row; never stored, so not spooled either
    /// (the writer symbolicates a batch before it can be spooled).
    #[serde(skip)]
    pub sourcemap_hints: Option<Box<SourcemapHints>>,
}

/// What the SDK said that source-map symbolication and regrouping need
/// (kept in the write-ahead log, so a replayed row is symbolicated too).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourcemapHints {
    /// `debug_meta.images` of type `sourcemap`: minified file URL and debug ID.
    pub debug_ids: Vec<(String, Uuid)>,
    /// The SDK's `fingerprint` override, if any.
    pub fingerprint: Option<Vec<String>>,
    /// The SDK's `culprit`, if any.
    pub culprit: Option<String>,
}

/// One page load or other transaction (`transactions` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clickhouse::Row)]
pub struct TransactionRow {
    pub project_id: u64,
    #[serde(with = "clickhouse::serde::uuid")]
    pub event_id: Uuid,
    pub timestamp: u32,
    pub received_at: u32,
    /// Route or transaction name (`/products/:id`).
    pub name: String,
    /// Span op of the transaction: `pageload`, `navigation`, `http.server`…
    pub op: String,
    pub url: String,
    pub duration_ms: f64,
    pub lcp: Option<f64>,
    pub fcp: Option<f64>,
    pub cls: Option<f64>,
    pub inp: Option<f64>,
    pub ttfb: Option<f64>,
    pub browser: String,
    pub browser_version: String,
    pub os: String,
    pub os_version: String,
    pub release: String,
    pub environment: String,
    pub user_id: String,
    pub tags_key: Vec<String>,
    pub tags_value: Vec<String>,
    pub sdk_name: String,
    pub sdk_version: String,
    /// CSS path of the LCP element (`body > img#hero`), when the SDK said.
    /// Defaults keep rows spooled before these columns existed readable.
    #[serde(default)]
    pub lcp_element: String,
    /// CSS path of the first node that shifted in the worst CLS window.
    #[serde(default)]
    pub cls_source: String,
    /// CSS path of the element of the slowest interaction (INP).
    #[serde(default)]
    pub inp_target: String,
}

/// One piece of user feedback (`feedback` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clickhouse::Row)]
pub struct FeedbackRow {
    pub project_id: u64,
    #[serde(with = "clickhouse::serde::uuid")]
    pub feedback_id: Uuid,
    pub timestamp: u32,
    pub message: String,
    pub name: String,
    pub email: String,
    /// The page the visitor was on.
    pub url: String,
    /// `widget`, `api`, `user_report`, … as the SDK said.
    pub source: String,
    /// 32 hex digits of the error event the feedback is about, or empty.
    pub associated_event_id: String,
    pub replay_id: String,
    pub release: String,
    pub environment: String,
    pub browser: String,
    pub os: String,
    /// 1 when a screenshot was stored with it (`feedback_screenshots`).
    pub has_screenshot: u8,
}

/// A screenshot sent with a piece of feedback (`feedback_screenshots` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clickhouse::Row)]
pub struct ScreenshotRow {
    pub project_id: u64,
    #[serde(with = "clickhouse::serde::uuid")]
    pub feedback_id: Uuid,
    pub timestamp: u32,
    pub filename: String,
    pub content_type: String,
    /// The image bytes (ClickHouse `Array(UInt8)`: RowBinary writes them as they are).
    pub data: Vec<u8>,
}

/// One session update, or one group of pre-aggregated sessions
/// (`release_sessions` table; see [`crate::event::session`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clickhouse::Row)]
pub struct SessionRow {
    pub project_id: u64,
    /// Names the row for exactly-once writes; a session has several rows.
    #[serde(with = "clickhouse::serde::uuid")]
    pub row_id: Uuid,
    /// When the session started (the aggregate's minute or hour), seconds since the epoch.
    pub timestamp: u32,
    pub received_at: u32,
    pub release: String,
    pub environment: String,
    /// 32 hex digits; empty for aggregates.
    pub session_id: String,
    /// The user (`did`), or empty.
    pub distinct_id: String,
    /// The update's status; empty for aggregates.
    pub status: String,
    pub seq: u64,
    pub errors: u32,
    /// Sessions this row starts: 1 for an `init` update, the group's total for aggregates.
    pub n_started: u32,
    /// Sessions with errors (crashed and abnormal ones included).
    pub n_errored: u32,
    pub n_abnormal: u32,
    /// Sessions that crashed or ended in an unhandled error (what crash-free rates count).
    pub n_crashed: u32,
    /// Of those, the ones that ended `unhandled` (an unhandled error the app survived).
    pub n_unhandled: u32,
}

/// A row on its way to ClickHouse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "table", content = "row", rename_all = "snake_case")]
// Most rows are events: boxing them would add an allocation per row on the ingest path.
#[allow(clippy::large_enum_variant)]
pub enum Row {
    Event(EventRow),
    Transaction(TransactionRow),
    Feedback(FeedbackRow),
    Screenshot(ScreenshotRow),
    Session(SessionRow),
    Replay(ReplayRow),
    ReplaySegment(ReplaySegmentRow),
}

impl Row {
    /// Bytes of the large payload the row carries (a replay recording, a
    /// screenshot), counted against the queue's payload budget; 0 for the rest.
    pub fn blob_bytes(&self) -> usize {
        match self {
            Row::ReplaySegment(s) => s.data.len(),
            Row::Screenshot(s) => s.data.len(),
            _ => 0,
        }
    }
}

/// One `replay_event` item: a segment's metadata (`replays` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clickhouse::Row)]
pub struct ReplayRow {
    pub project_id: u64,
    #[serde(with = "clickhouse::serde::uuid")]
    pub replay_id: Uuid,
    pub segment_id: u32,
    /// Names the row for exactly-once inserts: a hash of replay and segment ids.
    #[serde(with = "clickhouse::serde::uuid")]
    pub item_id: Uuid,
    pub timestamp: u32,
    /// `replay_start_timestamp` (segment 0), else 0.
    pub started_at: u32,
    pub replay_type: String,
    pub urls: Vec<String>,
    pub error_ids: Vec<String>,
    pub trace_ids: Vec<String>,
    pub release: String,
    pub environment: String,
    pub browser: String,
    pub os: String,
    pub user_id: String,
    pub user_name: String,
    pub user_email: String,
    pub sdk_name: String,
    pub sdk_version: String,
}

/// One `replay_recording` item: a segment's rrweb events (`replay_segments` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clickhouse::Row)]
pub struct ReplaySegmentRow {
    pub project_id: u64,
    #[serde(with = "clickhouse::serde::uuid")]
    pub replay_id: Uuid,
    pub segment_id: u32,
    #[serde(with = "clickhouse::serde::uuid")]
    pub item_id: Uuid,
    pub timestamp: u32,
    /// First and last rrweb event time, milliseconds since the epoch (0 when none).
    pub first_ms: u64,
    pub last_ms: u64,
    /// rrweb mouse clicks in the segment.
    pub clicks: u32,
    /// The page of the segment's first rrweb meta event, or empty.
    pub url: String,
    /// Size of the JSON array, inflated.
    pub raw_bytes: u64,
    /// Size of `data`.
    pub stored_bytes: u64,
    /// The rrweb event array, zlib (RFC 1950); base64 in the write-ahead log's JSON.
    #[serde(with = "blob")]
    pub data: Vec<u8>,
}

/// Bytes as themselves in RowBinary (a ClickHouse `String`) and as base64 in
/// human-readable formats (the write-ahead log's JSON lines), instead of
/// serde's array of numbers, four times the size.
pub mod blob {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use serde::{de, Deserialize, Deserializer, Serializer};

    /// Writes the bytes (RowBinary) or their base64 (JSON).
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&STANDARD.encode(v))
        } else {
            s.serialize_bytes(v)
        }
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            STANDARD.decode(text).map_err(de::Error::custom)
        } else {
            d.deserialize_byte_buf(Bytes)
        }
    }

    struct Bytes;

    impl de::Visitor<'_> for Bytes {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("bytes")
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }

        fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
            Ok(v.as_bytes().to_vec())
        }
    }
}
