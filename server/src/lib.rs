//! Sightline: self-hosted, Sentry-compatible front-end monitoring.
//!
//! # The path of an event
//! 1. An SDK POSTs an envelope to `/api/{project_id}/envelope/` (or a single
//!    event to the legacy `/store/`); [`routes`] holds the one route table.
//! 2. [`ingest::handler`] authenticates the public key against the in-memory
//!    [`projects::keycache`] (no database I/O on the request path), refuses
//!    pages outside the project's allowed origins ([`projects::origins`]),
//!    reads the body under a size cap and undoes gzip/deflate/br/zstd ([`ingest::decode`]).
//!    The client's address (for `{{auto}}` user IPs) is the TCP peer, or the
//!    `X-Forwarded-For` hop a trusted proxy vouches for ([`net::client_ip`]).
//! 3. [`ingest::envelope`] splits the envelope; [`scrub`] filters secrets,
//!    card numbers and (if asked) IP addresses out of each item; [`event`] normalises `event`
//!    and `transaction` items into ClickHouse rows ([`store::rows`]) and
//!    computes each error's fingerprint. `span` items (page loads as
//!    `@sentry/browser` 10+ streams them) are read by [`event::span`] and
//!    joined across envelopes by [`pageloads`] into the same rows as
//!    transactions. Other item types are skipped.
//! 4. The key's token bucket is charged, room is reserved on the bounded
//!    [`pipeline::Queue`], the rows are appended and synced to the
//!    write-ahead log ([`pipeline::wal`], group commit), queued, and only then
//!    is the request answered `{"id": …}`. A full queue or log answers 503
//!    with `Retry-After`, so SDKs retry instead of losing events.
//! 5. [`pipeline::writer`] inserts batches into ClickHouse (RowBinary), one
//!    table at a time ([`pipeline::insert`]), retrying with backoff what is
//!    retriable, quarantining what is refused for good, spooling to disk
//!    ([`pipeline::spool`]) when ClickHouse stays down, and retiring log
//!    segments once their rows are stored; on SIGTERM it drains everything
//!    before exit. After a crash, leftover segments are replayed.
//!    Just before, [`sourcemaps::symbolicate`] maps minified JavaScript frames
//!    through uploaded source maps and regroups the rows it changed.
//! 6. Stored error events feed the [`issues`] tracker, which upserts one
//!    Postgres issue per fingerprint in batched statements; the same
//!    transaction records new-issue and regression [`alerts`], whose outbox
//!    worker sends them by e-mail and webhook.
//!
//! [`startup`] wires all of this from a [`config::Config`] into the
//! [`state::AppState`] every handler sees; [`cli`] is the
//! command line (`serve`, `migrate`, `project create`, `user create`,
//! `sourcemaps upload`).

pub mod accounts;
pub mod alerts;
pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod event;
pub mod feedback;
// Only the cargo-fuzz crate (fuzz/) turns this on; the server never has it.
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod health;
pub mod ingest;
pub mod issues;
pub mod mail;
pub mod net;
pub mod outcomes;
pub mod pageloads;
pub mod performance;
pub mod pipeline;
pub mod projects;
pub mod releases;
pub mod retention;
pub mod retry;
pub mod routes;
pub mod scrub;
pub mod singleton;
pub mod sourcemaps;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod web;

#[cfg(test)]
mod layering;
