//! Configuration: every setting is an environment variable with a matching
//! command-line flag (`SIGHTLINE_LISTEN` ⇔ `--listen`). Clap collects the raw
//! strings; [`Config::from_raw`] parses them into typed values so that a bad
//! value produces one error line naming the variable (exit code 2 in `main`).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;
use url::Url;

/// Raw settings as given on the command line or in the environment.
#[derive(Debug, Clone, Default, Args)]
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
    /// ClickHouse user.
    #[arg(long, env = "SIGHTLINE_CLICKHOUSE_USER", global = true)]
    pub clickhouse_user: Option<String>,
    /// ClickHouse password.
    #[arg(long, env = "SIGHTLINE_CLICKHOUSE_PASSWORD", global = true, hide_env_values = true)]
    pub clickhouse_password: Option<String>,
    /// Largest request body accepted on ingest endpoints, in bytes, as sent (compressed).
    #[arg(long, env = "SIGHTLINE_MAX_ENVELOPE_BYTES", global = true)]
    pub max_envelope_bytes: Option<String>,
    /// Largest decompressed body, in bytes (protects against decompression bombs).
    #[arg(long, env = "SIGHTLINE_MAX_DECOMPRESSED_BYTES", global = true)]
    pub max_decompressed_bytes: Option<String>,
    /// Largest single event or transaction payload, in bytes.
    #[arg(long, env = "SIGHTLINE_MAX_EVENT_BYTES", global = true)]
    pub max_event_bytes: Option<String>,
    /// Rows held in memory between the endpoint and ClickHouse.
    #[arg(long, env = "SIGHTLINE_QUEUE_CAPACITY", global = true)]
    pub queue_capacity: Option<String>,
    /// Rows per ClickHouse insert, at most.
    #[arg(long, env = "SIGHTLINE_BATCH_SIZE", global = true)]
    pub batch_size: Option<String>,
    /// Longest time a row waits before its batch is written, in milliseconds.
    #[arg(long, env = "SIGHTLINE_FLUSH_INTERVAL_MS", global = true)]
    pub flush_interval_ms: Option<String>,
    /// Directory for batches that could not be written to ClickHouse.
    #[arg(long, env = "SIGHTLINE_SPOOL_DIR", global = true)]
    pub spool_dir: Option<String>,
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
    /// Milliseconds Resend may take before SMTP is tried instead.
    #[arg(long, env = "SIGHTLINE_RESEND_TIMEOUT_MS", global = true)]
    pub resend_timeout_ms: Option<String>,
}

/// Parsed, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub public_url: Url,
    pub database_url: String,
    pub clickhouse_url: Url,
    pub clickhouse_database: String,
    pub clickhouse_user: Option<String>,
    pub clickhouse_password: Option<String>,
    pub max_envelope_bytes: usize,
    pub max_decompressed_bytes: usize,
    pub max_event_bytes: usize,
    pub queue_capacity: usize,
    pub batch_size: usize,
    pub flush_interval: Duration,
    pub spool_dir: PathBuf,
    pub shutdown_timeout: Duration,
    pub drain_delay: Duration,
    pub default_rate_limit: Option<u32>,
    pub key_refresh: Duration,
    pub retention_sweep: Duration,
    pub issue_flush: Duration,
    pub bcrypt_cost: u32,
    /// Mail settings, validated by [`crate::mail::MailConfig::from_raw`].
    pub mail: crate::mail::MailConfig,
    /// Source-map upload limits and cache size.
    pub sourcemaps: SourcemapConfig,
    /// Alert evaluation and delivery timing.
    pub alerts: AlertTiming,
}

/// Source-map settings (see [`crate::sourcemaps`]).
#[derive(Debug, Clone, Copy)]
pub struct SourcemapConfig {
    pub quota_bytes: u64,
    pub max_file_bytes: u64,
    pub max_upload_bytes: usize,
    pub cache_bytes: u64,
}

/// How often alerts are evaluated and delivered, and how failures are retried.
#[derive(Debug, Clone)]
pub struct AlertTiming {
    pub eval_interval: Duration,
    pub poll_interval: Duration,
    pub backoff: crate::alerts::outbox::Backoff,
    pub webhook_timeout: Duration,
    pub resend_timeout: Duration,
}

impl AlertTiming {
    fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        let ms = |v: &Option<String>, var: &'static str, flag: &'static str, default: usize| positive(v, var, flag, default).map(|n| Duration::from_millis(n as u64));
        Ok(AlertTiming {
            eval_interval: ms(&raw.alert_eval_ms, "SIGHTLINE_ALERT_EVAL_MS", "alert-eval-ms", 60_000)?,
            poll_interval: ms(&raw.alert_poll_ms, "SIGHTLINE_ALERT_POLL_MS", "alert-poll-ms", 1_000)?,
            backoff: crate::alerts::outbox::Backoff {
                base: ms(&raw.alert_retry_base_ms, "SIGHTLINE_ALERT_RETRY_BASE_MS", "alert-retry-base-ms", 30_000)?,
                max: Duration::from_secs(
                    positive(&raw.alert_retry_max_secs, "SIGHTLINE_ALERT_RETRY_MAX_SECS", "alert-retry-max-secs", 3_600)? as u64,
                ),
                max_attempts: positive(&raw.alert_max_attempts, "SIGHTLINE_ALERT_MAX_ATTEMPTS", "alert-max-attempts", 100)?
                    .min(i32::MAX as usize) as i32,
            },
            webhook_timeout: Duration::from_secs(
                positive(&raw.webhook_timeout_secs, "SIGHTLINE_WEBHOOK_TIMEOUT_SECS", "webhook-timeout-secs", 10)? as u64,
            ),
            resend_timeout: ms(&raw.resend_timeout_ms, "SIGHTLINE_RESEND_TIMEOUT_MS", "resend-timeout-ms", 10_000)?,
        })
    }
}

/// A setting that could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("invalid {var} (--{flag}) value {value:?}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub flag: &'static str,
    pub value: String,
    pub reason: String,
}

const MIB: usize = 1024 * 1024;

impl Config {
    /// Parses raw settings, applying defaults for everything left unset.
    pub fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        let listen: SocketAddr = parse(&raw.listen, "SIGHTLINE_LISTEN", "listen", "127.0.0.1:8000")?;
        let default_public = format!("http://{listen}");
        let public_url = parse_url(&raw.public_url, "SIGHTLINE_PUBLIC_URL", "public-url", &default_public)?;
        let clickhouse_url = parse_url(
            &raw.clickhouse_url,
            "SIGHTLINE_CLICKHOUSE_URL",
            "clickhouse-url",
            "http://127.0.0.1:8123",
        )?;
        let database_url = raw
            .database_url
            .clone()
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/sightline".into());
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError {
                var: "SIGHTLINE_DATABASE_URL",
                flag: "database-url",
                value: redact(&database_url),
                reason: "expected a postgres:// URL".into(),
            });
        }
        let clickhouse_database = raw.clickhouse_database.clone().unwrap_or_else(|| "sightline".into());
        if clickhouse_database.is_empty()
            || !clickhouse_database.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(ConfigError {
                var: "SIGHTLINE_CLICKHOUSE_DATABASE",
                flag: "clickhouse-database",
                value: clickhouse_database,
                reason: "use only letters, digits and underscores".into(),
            });
        }
        let bcrypt_cost: u32 = parse(&raw.bcrypt_cost, "SIGHTLINE_BCRYPT_COST", "bcrypt-cost", "12")?;
        if !(4..=31).contains(&bcrypt_cost) {
            return Err(ConfigError {
                var: "SIGHTLINE_BCRYPT_COST",
                flag: "bcrypt-cost",
                value: bcrypt_cost.to_string(),
                reason: "must be between 4 and 31".into(),
            });
        }
        let default_rate_limit: u32 =
            parse(&raw.default_rate_limit, "SIGHTLINE_DEFAULT_RATE_LIMIT", "default-rate-limit", "0")?;
        Ok(Config {
            listen,
            public_url,
            database_url,
            clickhouse_url,
            clickhouse_database,
            clickhouse_user: raw.clickhouse_user.clone().filter(|s| !s.is_empty()),
            clickhouse_password: raw.clickhouse_password.clone().filter(|s| !s.is_empty()),
            max_envelope_bytes: positive(&raw.max_envelope_bytes, "SIGHTLINE_MAX_ENVELOPE_BYTES", "max-envelope-bytes", 20 * MIB)?,
            max_decompressed_bytes: positive(
                &raw.max_decompressed_bytes,
                "SIGHTLINE_MAX_DECOMPRESSED_BYTES",
                "max-decompressed-bytes",
                40 * MIB,
            )?,
            max_event_bytes: positive(&raw.max_event_bytes, "SIGHTLINE_MAX_EVENT_BYTES", "max-event-bytes", MIB)?,
            queue_capacity: positive(&raw.queue_capacity, "SIGHTLINE_QUEUE_CAPACITY", "queue-capacity", 100_000)?,
            batch_size: positive(&raw.batch_size, "SIGHTLINE_BATCH_SIZE", "batch-size", 20_000)?,
            flush_interval: Duration::from_millis(
                positive(&raw.flush_interval_ms, "SIGHTLINE_FLUSH_INTERVAL_MS", "flush-interval-ms", 1000)? as u64,
            ),
            spool_dir: PathBuf::from(raw.spool_dir.clone().unwrap_or_else(|| "data/spool".into())),
            shutdown_timeout: Duration::from_secs(
                parse(&raw.shutdown_timeout_secs, "SIGHTLINE_SHUTDOWN_TIMEOUT_SECS", "shutdown-timeout-secs", "20")?,
            ),
            drain_delay: Duration::from_secs(parse(&raw.drain_delay_secs, "SIGHTLINE_DRAIN_DELAY_SECS", "drain-delay-secs", "0")?),
            default_rate_limit: (default_rate_limit > 0).then_some(default_rate_limit),
            key_refresh: Duration::from_secs(
                positive(&raw.key_refresh_secs, "SIGHTLINE_KEY_REFRESH_SECS", "key-refresh-secs", 30)? as u64,
            ),
            retention_sweep: Duration::from_secs(
                positive(&raw.retention_sweep_secs, "SIGHTLINE_RETENTION_SWEEP_SECS", "retention-sweep-secs", 3600)? as u64,
            ),
            issue_flush: Duration::from_millis(
                positive(&raw.issue_flush_ms, "SIGHTLINE_ISSUE_FLUSH_MS", "issue-flush-ms", 500)? as u64,
            ),
            bcrypt_cost,
            mail: crate::mail::MailConfig::from_raw(raw)?,
            sourcemaps: SourcemapConfig {
                quota_bytes: positive(&raw.sourcemap_quota_bytes, "SIGHTLINE_SOURCEMAP_QUOTA_BYTES", "sourcemap-quota-bytes", 512 * MIB)?
                    as u64,
                max_file_bytes: positive(
                    &raw.sourcemap_max_file_bytes,
                    "SIGHTLINE_SOURCEMAP_MAX_FILE_BYTES",
                    "sourcemap-max-file-bytes",
                    40 * MIB,
                )? as u64,
                max_upload_bytes: positive(
                    &raw.sourcemap_max_upload_bytes,
                    "SIGHTLINE_SOURCEMAP_MAX_UPLOAD_BYTES",
                    "sourcemap-max-upload-bytes",
                    100 * MIB,
                )?,
                cache_bytes: positive(&raw.sourcemap_cache_bytes, "SIGHTLINE_SOURCEMAP_CACHE_BYTES", "sourcemap-cache-bytes", 256 * MIB)?
                    as u64,
            },
            alerts: AlertTiming::from_raw(raw)?,
        })
    }

    /// Builds the DSN SDKs use to reach `project_id` with `public_key`.
    pub fn dsn(&self, public_key: &str, project_id: i64) -> String {
        let mut url = self.public_url.clone();
        let _ = url.set_username(public_key);
        let base = url.as_str().trim_end_matches('/');
        format!("{base}/{project_id}")
    }
}

fn parse<T: std::str::FromStr>(
    value: &Option<String>,
    var: &'static str,
    flag: &'static str,
    default: &str,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let text = value.as_deref().unwrap_or(default).trim();
    text.parse().map_err(|e: T::Err| ConfigError {
        var,
        flag,
        value: text.to_string(),
        reason: e.to_string(),
    })
}

fn positive(value: &Option<String>, var: &'static str, flag: &'static str, default: usize) -> Result<usize, ConfigError> {
    let n: usize = parse(value, var, flag, &default.to_string())?;
    if n == 0 {
        return Err(ConfigError { var, flag, value: "0".into(), reason: "must be greater than 0".into() });
    }
    Ok(n)
}

fn parse_url(value: &Option<String>, var: &'static str, flag: &'static str, default: &str) -> Result<Url, ConfigError> {
    let url: Url = parse(value, var, flag, default)?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError { var, flag, value: url.to_string(), reason: "expected an http(s):// URL".into() });
    }
    Ok(url)
}

fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        let c = Config::from_raw(&RawConfig::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8000");
        assert_eq!(c.dsn("abc", 7), "http://abc@127.0.0.1:8000/7");
    }

    #[test]
    fn bad_listen_names_the_variable() {
        let raw = RawConfig { listen: Some("nope".into()), ..Default::default() };
        let err = Config::from_raw(&raw).unwrap_err().to_string();
        assert!(err.contains("SIGHTLINE_LISTEN"), "{err}");
        assert!(err.contains("--listen"), "{err}");
    }

    #[test]
    fn zero_queue_is_rejected() {
        let raw = RawConfig { queue_capacity: Some("0".into()), ..Default::default() };
        assert!(Config::from_raw(&raw).unwrap_err().to_string().contains("SIGHTLINE_QUEUE_CAPACITY"));
    }

    #[test]
    fn dsn_keeps_a_path_prefix() {
        let raw = RawConfig { public_url: Some("https://errors.example.com/sl/".into()), ..Default::default() };
        let c = Config::from_raw(&raw).unwrap();
        assert_eq!(c.dsn("k", 3), "https://k@errors.example.com/sl/3");
    }
}
