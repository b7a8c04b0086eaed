//! What every request handler can reach: the configuration, the stores, the
//! ingest queue and key cache, the mailer and the shutdown flag. It lives
//! apart from [`crate::startup`], which builds it, so that handlers (ingest,
//! the API, the probes) depend on the state and not on the whole application.

use std::sync::{atomic::AtomicBool, Arc};

use sqlx::PgPool;

use crate::{
    auth::throttle::LoginThrottle,
    config::Config,
    mail::Mailer,
    outcomes::Tally,
    pageloads::Joiner,
    pipeline::{wal::IngestLog, Queue},
    projects::keycache::KeyCache,
};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub keys: KeyCache,
    pub queue: Queue,
    /// Page loads streamed as spans, waiting for the rest of their spans.
    pub pageloads: Joiner,
    /// Outcomes counted since the last flush to ClickHouse.
    pub outcomes: Tally,
    /// The write-ahead log; `None` when the spool directory was unusable at
    /// start (rows are then only in memory until stored, as `/readyz` says).
    pub log: Option<IngestLog>,
    pub pg: PgPool,
    pub ch: clickhouse::Client,
    pub login_throttle: Arc<LoginThrottle>,
    /// Verified against when a log-in names an unknown e-mail (equal timing).
    pub dummy_hash: String,
    pub mailer: Mailer,
    /// Set at the shutdown signal: the probes answer 503 from then on.
    pub draining: Arc<AtomicBool>,
}

impl crate::net::client_ip::ProxySettings for AppState {
    fn trusted_proxies(&self) -> &crate::net::client_ip::TrustedProxies {
        &self.config.trusted_proxies
    }
}
