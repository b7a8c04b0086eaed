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
}

/// A row on its way to ClickHouse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "table", content = "row", rename_all = "snake_case")]
// Most rows are events: boxing them would add an allocation per row on the ingest path.
#[allow(clippy::large_enum_variant)]
pub enum Row {
    Event(EventRow),
    Transaction(TransactionRow),
}
