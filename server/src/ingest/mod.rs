//! The ingest endpoints (`/api/{project_id}/envelope/` and the legacy
//! `/api/{project_id}/store/`), which speak the Sentry protocol. A handler
//! authenticates against the in-memory key cache, decodes and splits the
//! body, normalises each item into a row, applies the key's rate limit and
//! queues the rows for the batch writer: no database I/O on the request path.

pub mod auth;
pub mod decode;
pub mod envelope;
pub mod error;
pub mod handler;
pub(crate) mod process;
pub mod replay;
pub mod replay_limits;
pub mod screenshots;
pub mod sessions;
