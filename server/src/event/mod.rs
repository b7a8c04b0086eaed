//! From an SDK's event payload to the rows Sightline stores.
//!
//! Real SDKs disagree on details (timestamps as strings or floats, tags as
//! objects or pairs, `message` as a string or an object), so payloads are read
//! leniently into [`model::RawEvent`], which borrows from the request body: a
//! wrong-typed optional field is dropped, never fatal; only a payload that is
//! not a JSON object (or nests deeper than serde_json allows) is rejected. The raw
//! event is then normalised into an [`EventRow`] (errors, with a grouping
//! fingerprint from [`fingerprint`]) or a [`TransactionRow`] (page loads with web
//! vitals). Browser and OS come from the event's contexts or, failing that, from
//! its User-Agent ([`useragent`]). Everything here is pure: no I/O, no clock
//! except the `received_at` the caller passes in.

mod blobs;
pub mod feedback;
pub mod fingerprint;
mod interfaces;
pub(crate) mod lenient;
pub(crate) mod limits;
pub mod model;
mod normalize;
mod pairs;
mod rawjson;
pub mod regroup;
pub mod replay;
pub mod span;
mod transaction;
pub mod useragent;
mod useragent_cache;

use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use normalize::normalize_event;
pub use transaction::normalize_transaction;

pub use crate::store::rows::{EventRow, TransactionRow};

/// What the ingest endpoint knows about a payload besides its bytes.
#[derive(Debug, Clone)]
pub struct IngestContext {
    pub project_id: u64,
    /// When the request arrived; the fallback and upper bound for event timestamps.
    pub received_at: DateTime<Utc>,
    /// User-Agent of the HTTP request (the browser, for browser SDKs).
    pub client_user_agent: Option<String>,
    /// Address of the client, substituted for `{{auto}}` in `user.ip_address`.
    pub client_ip: Option<String>,
    /// The envelope header's `event_id`, used when the payload has none.
    pub envelope_event_id: Option<Uuid>,
}

/// Why a payload could not become a row.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("invalid event payload: {0}")]
    InvalidJson(String),
    #[error("invalid event payload: not a json object")]
    NotAnObject,
    #[error("invalid payload: {0} is missing")]
    MissingField(&'static str),
}
