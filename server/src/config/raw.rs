//! The raw settings: one clap argument per environment variable, kept as
//! strings so that [`super::Config::from_raw`] can name the variable in the
//! error when a value does not parse.

use std::fmt;

use clap::Args;

/// Raw settings as given on the command line or in the environment.
#[derive(Clone, Default, Args)]
pub struct RawConfig {
    /// Address the HTTP server binds to.
    #[arg(long, env = "SIGHTLINE_LISTEN", global = true)]
    pub listen: Option<String>,
    /// Public base URL users and SDKs reach the server at (used in DSNs and links).
    #[arg(long, env = "SIGHTLINE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Postgres connection URL.
    #[arg(long, env = "SIGHTLINE_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// ClickHouse HTTP interface URL.
    #[arg(long, env = "SIGHTLINE_CLICKHOUSE_URL", global = true)]
    pub clickhouse_url: Option<String>,
    /// ClickHouse database name.
    #[arg(long, env = "SIGHTLINE_CLICKHOUSE_DATABASE", global = true)]
    pub clickhouse_database: Option<String>,
    /// ClickHouse cluster (in `remote_servers`) to create and use replicated, sharded tables on; empty = one node.
    #[arg(long, env = "SIGHTLINE_CLICKHOUSE_CLUSTER", global = true)]
    pub clickhouse_cluster: Option<String>,
    /// Cluster mode: seconds an `ON CLUSTER` migration statement waits for
    /// every node before `migrate` stops (it resumes when run again).
    #[arg(long, env = "SIGHTLINE_CLICKHOUSE_DDL_TIMEOUT_SECS", global = true)]
    pub clickhouse_ddl_timeout_secs: Option<String>,
    /// ClickHouse user.
    #[arg(long, env = "SIGHTLINE_CLICKHOUSE_USER", global = true)]
    pub clickhouse_user: Option<String>,
    /// ClickHouse password.
    #[arg(long, env = "SIGHTLINE_CLICKHOUSE_PASSWORD", global = true, hide_env_values = true)]
    pub clickhouse_password: Option<String>,
    /// Reverse proxies (comma-separated CIDRs) whose `X-Forwarded-For` gives the client address; empty = none.
    #[arg(long, env = "SIGHTLINE_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,
    /// Largest request body accepted on ingest endpoints, in bytes, as sent (compressed).
    #[arg(long, env = "SIGHTLINE_MAX_ENVELOPE_BYTES", global = true)]
    pub max_envelope_bytes: Option<String>,
    /// Largest decompressed body, in bytes (protects against decompression bombs).
    #[arg(long, env = "SIGHTLINE_MAX_DECOMPRESSED_BYTES", global = true)]
    pub max_decompressed_bytes: Option<String>,
    /// Largest single event or transaction payload, in bytes.
    #[arg(long, env = "SIGHTLINE_MAX_EVENT_BYTES", global = true)]
    pub max_event_bytes: Option<String>,
    /// Largest feedback screenshot (an attachment item), in bytes.
    #[arg(long, env = "SIGHTLINE_MAX_SCREENSHOT_BYTES", global = true)]
    pub max_screenshot_bytes: Option<String>,
    /// Seconds a page load streamed as spans waits for its LCP and CLS spans.
    #[arg(long, env = "SIGHTLINE_PAGELOAD_WAIT_SECS", global = true)]
    pub pageload_wait_secs: Option<String>,
    /// Page loads (streamed as spans) held at once while they wait for their vitals.
    #[arg(long, env = "SIGHTLINE_PAGELOAD_MAX_PENDING", global = true)]
    pub pageload_max_pending: Option<String>,
    /// Rows held in memory between the endpoint and ClickHouse.
    #[arg(long, env = "SIGHTLINE_QUEUE_CAPACITY", global = true)]
    pub queue_capacity: Option<String>,
    /// Mebibytes of replay recordings and feedback screenshots held between
    /// the endpoint and ClickHouse; past it replays get 429 (category replay).
    #[arg(long, env = "SIGHTLINE_QUEUE_MAX_BLOB_MB", global = true)]
    pub queue_max_blob_mb: Option<String>,
    /// Rows per ClickHouse insert, at most.
    #[arg(long, env = "SIGHTLINE_BATCH_SIZE", global = true)]
    pub batch_size: Option<String>,
    /// Longest time a row waits before its batch is written, in milliseconds.
    #[arg(long, env = "SIGHTLINE_FLUSH_INTERVAL_MS", global = true)]
    pub flush_interval_ms: Option<String>,
    /// Directory for batches that could not be written to ClickHouse.
    #[arg(long, env = "SIGHTLINE_SPOOL_DIR", global = true)]
    pub spool_dir: Option<String>,
    /// Most bytes of write-ahead log (acknowledged rows not yet stored) kept
    /// in the spool directory before ingest answers 503.
    #[arg(long, env = "SIGHTLINE_WAL_MAX_BYTES", global = true)]
    pub wal_max_bytes: Option<String>,
    /// Seconds to keep retrying ClickHouse on shutdown before spooling to disk.
    #[arg(long, env = "SIGHTLINE_SHUTDOWN_TIMEOUT_SECS", global = true)]
    pub shutdown_timeout_secs: Option<String>,
    /// Events per minute per key when the key sets no limit (0 = unlimited).
    #[arg(long, env = "SIGHTLINE_DEFAULT_RATE_LIMIT", global = true)]
    pub default_rate_limit: Option<String>,
    /// Seconds between full reloads of the project-key cache (changes also arrive by NOTIFY).
    #[arg(long, env = "SIGHTLINE_KEY_REFRESH_SECS", global = true)]
    pub key_refresh_secs: Option<String>,
    /// Seconds between SIGTERM and closing the listener, while /healthz and
    /// /readyz answer 503 so a proxy stops sending (0 = close at once).
    #[arg(long, env = "SIGHTLINE_DRAIN_DELAY_SECS", global = true)]
    pub drain_delay_secs: Option<String>,
    /// Seconds between retention sweeps (old partitions dropped, projects trimmed).
    #[arg(long, env = "SIGHTLINE_RETENTION_SWEEP_SECS", global = true)]
    pub retention_sweep_secs: Option<String>,
    /// Milliseconds between writes of issue sightings to Postgres.
    #[arg(long, env = "SIGHTLINE_ISSUE_FLUSH_MS", global = true)]
    pub issue_flush_ms: Option<String>,
    /// bcrypt cost for password hashes (4–31).
    #[arg(long, env = "SIGHTLINE_BCRYPT_COST", global = true)]
    pub bcrypt_cost: Option<String>,
    /// Who may sign up from the dashboard: `open`, `invite` (default: with an invitation) or `closed`.
    #[arg(long, env = "SIGHTLINE_SIGNUP", global = true)]
    pub signup: Option<String>,
    /// Resend API key; mail goes through Resend first when set.
    #[arg(long, env = "SIGHTLINE_RESEND_API_KEY", global = true, hide_env_values = true)]
    pub resend_api_key: Option<String>,
    /// Resend API base URL (for a proxy or a local stand-in).
    #[arg(long, env = "SIGHTLINE_RESEND_BASE_URL", global = true)]
    pub resend_base_url: Option<String>,
    /// SMTP server, e.g. `smtps://user:pass@mail.example.com:465` or `smtp://127.0.0.1:2525`.
    #[arg(long, env = "SIGHTLINE_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of every e-mail, e.g. `Sightline <alerts@example.com>`.
    #[arg(long, env = "SIGHTLINE_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// Bytes of source-map artifacts a project may store.
    #[arg(long, env = "SIGHTLINE_SOURCEMAP_QUOTA_BYTES", global = true)]
    pub sourcemap_quota_bytes: Option<String>,
    /// Largest single uploaded file (a map or minified file, also inside a zip), in bytes.
    #[arg(long, env = "SIGHTLINE_SOURCEMAP_MAX_FILE_BYTES", global = true)]
    pub sourcemap_max_file_bytes: Option<String>,
    /// Largest source-map upload request body, in bytes.
    #[arg(long, env = "SIGHTLINE_SOURCEMAP_MAX_UPLOAD_BYTES", global = true)]
    pub sourcemap_max_upload_bytes: Option<String>,
    /// Bytes of parsed source maps kept in memory for symbolication.
    #[arg(long, env = "SIGHTLINE_SOURCEMAP_CACHE_BYTES", global = true)]
    pub sourcemap_cache_bytes: Option<String>,
    // --- alerts ---
    /// Milliseconds between evaluations of frequency and Web-Vital alert rules.
    #[arg(long, env = "SIGHTLINE_ALERT_EVAL_MS", global = true)]
    pub alert_eval_ms: Option<String>,
    /// Milliseconds between looks at the alert outbox for due notifications.
    #[arg(long, env = "SIGHTLINE_ALERT_POLL_MS", global = true)]
    pub alert_poll_ms: Option<String>,
    /// Milliseconds before the first retry of a failed notification (doubles each time).
    #[arg(long, env = "SIGHTLINE_ALERT_RETRY_BASE_MS", global = true)]
    pub alert_retry_base_ms: Option<String>,
    /// Longest wait between two retries of a notification, in seconds.
    #[arg(long, env = "SIGHTLINE_ALERT_RETRY_MAX_SECS", global = true)]
    pub alert_retry_max_secs: Option<String>,
    /// Attempts after which a notification is given up.
    #[arg(long, env = "SIGHTLINE_ALERT_MAX_ATTEMPTS", global = true)]
    pub alert_max_attempts: Option<String>,
    /// Seconds a webhook receiver may take to answer.
    #[arg(long, env = "SIGHTLINE_WEBHOOK_TIMEOUT_SECS", global = true)]
    pub webhook_timeout_secs: Option<String>,
    /// Allow webhooks to private, loopback and link-local receivers (`1`/`0`),
    /// for on-premise installs; cloud metadata addresses stay refused.
    #[arg(long, env = "SIGHTLINE_WEBHOOK_ALLOW_PRIVATE", global = true)]
    pub webhook_allow_private: Option<String>,
    /// Milliseconds Resend may take before SMTP is tried instead.
    #[arg(long, env = "SIGHTLINE_RESEND_TIMEOUT_MS", global = true)]
    pub resend_timeout_ms: Option<String>,
}

// Hand-written: the raw strings hold passwords and keys, and `Cli` (which
// derives `Debug`) contains this struct, so nothing of it is printed.
impl fmt::Debug for RawConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawConfig").finish_non_exhaustive()
    }
}
