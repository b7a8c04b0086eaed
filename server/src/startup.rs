//! Building and running the application from a [`Config`]: connect the
//! stores, start the key-cache refresher, the batch writer and the issue
//! tracker and the retention sweeper, the alert evaluator and outbox worker,
//! bind the listener, serve until a
//! shutdown signal (and `SIGHTLINE_DRAIN_DELAY_SECS` after it), then drain.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use anyhow::Context;
use secrecy::ExposeSecret;
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

use crate::{
    alerts::{destination::Guard, evaluator, outbox::Outbox},
    auth::{password, throttle::LoginThrottle},
    config::Config,
    issues::IssueTracker,
    mail::Mailer,
    outcomes::Tally,
    pageloads::Joiner,
    pipeline::{spool::Spool, wal::IngestLog, writer::Writer, Queue},
    projects::keycache::KeyCache,
    retention::Retention,
    routes,
    sourcemaps::symbolicate::Symbolicator,
    state::AppState,
    store,
};

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    writer_stop: watch::Sender<bool>,
    tracker_stop: watch::Sender<bool>,
    writer_task: JoinHandle<()>,
    tracker_task: JoinHandle<()>,
    refresher: JoinHandle<()>,
    retention: JoinHandle<()>,
    /// Tasks that keep their state in the databases: aborted at shutdown.
    background: Vec<JoinHandle<()>>,
    pageload_task: JoinHandle<()>,
    outcome_task: JoinHandle<()>,
}

impl Application {
    /// Connects, loads the key cache (if Postgres is up), starts workers and binds.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let pg = store::postgres::connect_lazy(config.database_url.expose_secret())?;
        let ch = store::clickhouse::client(
            &config.clickhouse_url,
            &config.clickhouse_database,
            config.clickhouse_user.as_deref(),
            config.clickhouse_password.as_ref().map(ExposeSecret::expose_secret),
        );
        let ch = if config.clickhouse_cluster.is_some() { store::clickhouse::for_cluster(ch) } else { ch };
        let keys = KeyCache::new(config.default_rate_limit);
        if let Err(e) = keys.reload(&pg).await {
            tracing::warn!(error = %e, "Postgres unreachable at start; ingest accepts keys once it answers");
        }
        let (queue, rx) = Queue::with_blob_budget(config.queue_capacity, config.queue_blob_bytes);
        let log = match IngestLog::open(&config.spool_dir, segment_bytes(config.wal_max_bytes), config.wal_max_bytes) {
            Ok(log) => Some(log),
            Err(e) => {
                tracing::error!(
                    error = format!("{e:#}"),
                    "write-ahead log unavailable: acknowledged rows wait in memory only until stored"
                );
                None
            }
        };
        let (writer_stop, writer_stop_rx) = watch::channel(false);
        let (tracker_stop, tracker_stop_rx) = watch::channel(false);
        let tracker = IssueTracker::default().with_alerts(config.public_url.clone());
        let writer = Writer {
            client: ch.clone(),
            spool: Spool::new(&config.spool_dir),
            tracker: tracker.clone(),
            queue: queue.clone(),
            log: log.clone(),
            batch_size: config.batch_size,
            flush_interval: config.flush_interval,
            shutdown_timeout: config.shutdown_timeout,
            symbolicator: Some(Symbolicator::new(pg.clone(), config.sourcemaps.cache_bytes)),
        };
        let writer_task = tokio::spawn(writer.run(rx, writer_stop_rx));
        let tracker_task = tokio::spawn(tracker.run(pg.clone(), config.issue_flush, tracker_stop_rx));
        let refresher = tokio::spawn(keys.clone().run_refresher(pg.clone(), config.key_refresh));
        let retention = tokio::spawn(Retention::default().on_cluster(cluster(&config)).run(
            pg.clone(),
            ch.clone(),
            config.retention_sweep,
        ));
        let pageloads = Joiner::new(queue.clone(), config.pageload_wait, config.pageload_max_pending);
        let pageload_task = tokio::spawn(pageloads.clone().run(Duration::from_secs(5)));
        let outcomes = Tally::default();
        let outcome_task = tokio::spawn(outcomes.clone().run(ch.clone(), Duration::from_secs(5)));
        let listener =
            TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
        let mailer =
            Mailer::new(&config.mail).context("cannot set up mail")?.with_timeout(config.alerts.resend_timeout);
        if !mailer.is_enabled() {
            tracing::warn!(
                "no mail path configured (SIGHTLINE_RESEND_API_KEY or SIGHTLINE_SMTP_URL): e-mails are only logged"
            );
        }
        // Alerts: both tasks keep their state in Postgres, so aborting them at
        // shutdown loses nothing (an interrupted delivery is retried).
        let guard = Guard::new(config.alerts.webhook_allow_private);
        if guard.allows_private() {
            tracing::warn!("SIGHTLINE_WEBHOOK_ALLOW_PRIVATE is on: webhooks may reach the local network");
        }
        let outbox =
            Outbox::new(pg.clone(), mailer.clone(), config.alerts.backoff, config.alerts.webhook_timeout, guard)
                .context("cannot set up webhook delivery")?;
        let background = vec![
            // Replay quotas: today's stored bytes of every server, from ClickHouse.
            tokio::spawn(keys.replay_usage().clone().run_refresher(ch.clone(), REPLAY_QUOTA_REFRESH)),
            tokio::spawn(outbox.run(config.alerts.poll_interval)),
            tokio::spawn(evaluator::run(
                pg.clone(),
                ch.clone(),
                config.public_url.clone(),
                config.alerts.eval_interval,
            )),
        ];
        let cost = config.bcrypt_cost;
        let dummy_hash = tokio::task::spawn_blocking(move || password::dummy_hash(cost)).await?;
        let state = AppState {
            config: Arc::new(config),
            keys,
            queue,
            pageloads,
            outcomes,
            log,
            pg,
            ch,
            login_throttle: Arc::new(LoginThrottle::default()),
            dummy_hash,
            mailer,
            draining: Arc::new(AtomicBool::new(false)),
        };
        Ok(Application {
            listener,
            state,
            writer_stop,
            tracker_stop,
            writer_task,
            tracker_task,
            refresher,
            retention,
            background,
            pageload_task,
            outcome_task,
        })
    }

    /// Returns the address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// Returns the shared state (tests use it to reload keys).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `signal` resolves, then stops accepting, lets in-flight
    /// requests finish, and writes every queued row before returning.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Application {
            listener,
            state,
            writer_stop,
            tracker_stop,
            writer_task,
            tracker_task,
            refresher,
            retention,
            background,
            pageload_task,
            outcome_task,
        } = self;
        // Between the signal and closing the listener the probes answer 503, so a
        // proxy with health checks (the repo's Caddyfile) holds new requests for
        // the next server instead of sending them into a closing one.
        let (draining, delay) = (state.draining.clone(), state.config.drain_delay);
        let signal = async move {
            signal.await;
            draining.store(true, Ordering::SeqCst);
            if !delay.is_zero() {
                tracing::info!(?delay, "draining: probes answer 503, still serving");
                tokio::time::sleep(delay).await;
            }
        };
        let app = routes::router(state.clone());
        let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(signal)
            .await;
        tracing::info!("no longer accepting requests; draining the ingest queue");
        // Page loads still waiting for spans are written as they are, before the queue drains.
        pageload_task.abort();
        let flushed = state.pageloads.flush(&state.queue);
        if flushed > 0 {
            tracing::info!(flushed, "wrote page loads still waiting for their spans");
        }
        // Writer first: the tracker's last flush must include the last batch.
        writer_stop.send_replace(true);
        if let Err(e) = writer_task.await {
            tracing::error!(error = %e, "batch writer failed while draining");
        }
        tracker_stop.send_replace(true);
        if let Err(e) = tracker_task.await {
            tracing::error!(error = %e, "issue tracker failed while draining");
        }
        outcome_task.abort();
        if let Err(e) = state.outcomes.flush(&state.ch).await {
            tracing::warn!(error = %e, "cannot write the last outcomes");
        }
        refresher.abort();
        retention.abort();
        background.iter().for_each(JoinHandle::abort);
        served.context("HTTP server failed")
    }
}

/// How often each server learns the replay bytes all servers stored today.
const REPLAY_QUOTA_REFRESH: Duration = Duration::from_secs(30);

/// Returns the size at which log segments rotate: an eighth of the log's
/// cap, at most 32 MiB (a replayed segment is read whole).
fn segment_bytes(max_bytes: u64) -> u64 {
    (max_bytes / 8).clamp(1, 32 << 20)
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received"),
        _ = term => tracing::info!("SIGTERM received"),
    }
}

/// Returns the ClickHouse cluster in cluster mode (`SIGHTLINE_CLICKHOUSE_CLUSTER`), None on one node.
pub fn cluster(config: &Config) -> Option<store::cluster::Cluster> {
    let name = config.clickhouse_cluster.as_deref()?;
    Some(
        store::cluster::Cluster::new(name, &config.clickhouse_database).with_ddl_timeout(config.clickhouse_ddl_timeout),
    )
}
