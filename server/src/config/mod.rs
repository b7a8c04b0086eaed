//! Configuration: every setting is an environment variable with a matching
//! command-line flag (`SIGHTLINE_LISTEN` ⇔ `--listen`). Clap collects the raw
//! strings; [`Config::from_raw`] parses them into typed values so that a bad
//! value produces one error line naming the variable (exit code 2 in `main`).

pub mod mail;
mod raw;
mod subsystems;

use std::{fmt, net::SocketAddr, path::PathBuf, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::net::client_ip::TrustedProxies;

pub use raw::RawConfig;
pub use subsystems::{AlertTiming, SourcemapConfig};

/// Parsed, validated configuration. Its `Debug` hides every secret.
#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub public_url: Url,
    /// The Postgres URL, password included; `Debug` shows it redacted.
    pub database_url: SecretString,
    pub clickhouse_url: Url,
    pub clickhouse_database: String,
    pub clickhouse_user: Option<String>,
    pub clickhouse_password: Option<SecretString>,
    /// Cluster mode (`store::cluster`): the cluster's name in `remote_servers`.
    pub clickhouse_cluster: Option<String>,
    /// Seconds an `ON CLUSTER` migration statement waits for every node.
    pub clickhouse_ddl_timeout: u64,
    /// Proxies whose `X-Forwarded-For` is believed ([`crate::net::client_ip`]).
    pub trusted_proxies: TrustedProxies,
    pub max_envelope_bytes: usize,
    pub max_decompressed_bytes: usize,
    pub max_event_bytes: usize,
    pub queue_capacity: usize,
    /// Bytes of replay recordings and screenshots queued at once ([`crate::pipeline`]).
    pub queue_blob_bytes: usize,
    /// Largest feedback screenshot kept, in bytes.
    pub max_screenshot_bytes: usize,
    /// How long a page load streamed as spans waits for its vitals ([`crate::pageloads`]).
    pub pageload_wait: Duration,
    /// How many such page loads wait at once, at most.
    pub pageload_max_pending: usize,
    pub batch_size: usize,
    pub flush_interval: Duration,
    pub spool_dir: PathBuf,
    /// Most bytes of unretired write-ahead log before ingest answers 503.
    pub wal_max_bytes: u64,
    pub shutdown_timeout: Duration,
    pub drain_delay: Duration,
    pub default_rate_limit: Option<u32>,
    pub key_refresh: Duration,
    pub retention_sweep: Duration,
    pub issue_flush: Duration,
    pub bcrypt_cost: u32,
    /// Who may sign up (`SIGHTLINE_SIGNUP`).
    pub signup: crate::accounts::signup::SignupPolicy,
    /// Mail settings, validated by [`mail::MailConfig::from_raw`].
    pub mail: mail::MailConfig,
    /// Source-map upload limits and cache size.
    pub sourcemaps: SourcemapConfig,
    /// Alert evaluation and delivery timing.
    pub alerts: AlertTiming,
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

pub(crate) const MIB: usize = 1024 * 1024;

impl Config {
    /// Parses raw settings, applying defaults for everything left unset.
    pub fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        let listen: SocketAddr = parse(&raw.listen, "SIGHTLINE_LISTEN", "listen", "127.0.0.1:8000")?;
        let default_public = format!("http://{listen}");
        let public_url = parse_url(&raw.public_url, "SIGHTLINE_PUBLIC_URL", "public-url", &default_public)?;
        let clickhouse_url =
            parse_url(&raw.clickhouse_url, "SIGHTLINE_CLICKHOUSE_URL", "clickhouse-url", "http://127.0.0.1:8123")?;
        let database_url =
            raw.database_url.clone().unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/sightline".into());
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError {
                var: "SIGHTLINE_DATABASE_URL",
                flag: "database-url",
                value: redact(&database_url),
                reason: "expected a postgres:// URL".into(),
            });
        }
        let clickhouse_database = raw.clickhouse_database.clone().unwrap_or_else(|| "sightline".into());
        if clickhouse_database.is_empty() || !clickhouse_database.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(ConfigError {
                var: "SIGHTLINE_CLICKHOUSE_DATABASE",
                flag: "clickhouse-database",
                value: clickhouse_database,
                reason: "use only letters, digits and underscores".into(),
            });
        }
        let clickhouse_cluster = match raw.clickhouse_cluster.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(name) if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => Some(name.to_string()),
            Some(name) => {
                return Err(ConfigError {
                    var: "SIGHTLINE_CLICKHOUSE_CLUSTER",
                    flag: "clickhouse-cluster",
                    value: name.into(),
                    reason: "use only letters, digits and underscores".into(),
                })
            }
        };
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
            database_url: database_url.into(),
            clickhouse_url,
            clickhouse_database,
            clickhouse_user: raw.clickhouse_user.clone().filter(|s| !s.is_empty()),
            clickhouse_password: raw.clickhouse_password.clone().filter(|s| !s.is_empty()).map(SecretString::from),
            clickhouse_cluster,
            clickhouse_ddl_timeout: positive(
                &raw.clickhouse_ddl_timeout_secs,
                "SIGHTLINE_CLICKHOUSE_DDL_TIMEOUT_SECS",
                "clickhouse-ddl-timeout-secs",
                180, // ClickHouse's own distributed_ddl_task_timeout
            )? as u64,
            trusted_proxies: parse(&raw.trusted_proxies, "SIGHTLINE_TRUSTED_PROXIES", "trusted-proxies", "")?,
            max_envelope_bytes: positive(
                &raw.max_envelope_bytes,
                "SIGHTLINE_MAX_ENVELOPE_BYTES",
                "max-envelope-bytes",
                20 * MIB,
            )?,
            max_decompressed_bytes: positive(
                &raw.max_decompressed_bytes,
                "SIGHTLINE_MAX_DECOMPRESSED_BYTES",
                "max-decompressed-bytes",
                40 * MIB,
            )?,
            max_event_bytes: positive(&raw.max_event_bytes, "SIGHTLINE_MAX_EVENT_BYTES", "max-event-bytes", MIB)?,
            queue_capacity: positive(&raw.queue_capacity, "SIGHTLINE_QUEUE_CAPACITY", "queue-capacity", 100_000)?,
            queue_blob_bytes: positive(&raw.queue_max_blob_mb, "SIGHTLINE_QUEUE_MAX_BLOB_MB", "queue-max-blob-mb", 64)?
                .saturating_mul(MIB),
            max_screenshot_bytes: positive(
                &raw.max_screenshot_bytes,
                "SIGHTLINE_MAX_SCREENSHOT_BYTES",
                "max-screenshot-bytes",
                2 * MIB,
            )?,
            pageload_wait: Duration::from_secs(positive(
                &raw.pageload_wait_secs,
                "SIGHTLINE_PAGELOAD_WAIT_SECS",
                "pageload-wait-secs",
                600,
            )? as u64),
            pageload_max_pending: positive(
                &raw.pageload_max_pending,
                "SIGHTLINE_PAGELOAD_MAX_PENDING",
                "pageload-max-pending",
                50_000,
            )?,
            batch_size: positive(&raw.batch_size, "SIGHTLINE_BATCH_SIZE", "batch-size", 20_000)?,
            flush_interval: Duration::from_millis(positive(
                &raw.flush_interval_ms,
                "SIGHTLINE_FLUSH_INTERVAL_MS",
                "flush-interval-ms",
                1000,
            )? as u64),
            spool_dir: PathBuf::from(raw.spool_dir.clone().unwrap_or_else(|| "data/spool".into())),
            wal_max_bytes: positive(&raw.wal_max_bytes, "SIGHTLINE_WAL_MAX_BYTES", "wal-max-bytes", 1024 * MIB)? as u64,
            shutdown_timeout: Duration::from_secs(parse(
                &raw.shutdown_timeout_secs,
                "SIGHTLINE_SHUTDOWN_TIMEOUT_SECS",
                "shutdown-timeout-secs",
                "20",
            )?),
            drain_delay: Duration::from_secs(parse(
                &raw.drain_delay_secs,
                "SIGHTLINE_DRAIN_DELAY_SECS",
                "drain-delay-secs",
                "0",
            )?),
            default_rate_limit: (default_rate_limit > 0).then_some(default_rate_limit),
            key_refresh: Duration::from_secs(positive(
                &raw.key_refresh_secs,
                "SIGHTLINE_KEY_REFRESH_SECS",
                "key-refresh-secs",
                30,
            )? as u64),
            retention_sweep: Duration::from_secs(positive(
                &raw.retention_sweep_secs,
                "SIGHTLINE_RETENTION_SWEEP_SECS",
                "retention-sweep-secs",
                3600,
            )? as u64),
            issue_flush: Duration::from_millis(positive(
                &raw.issue_flush_ms,
                "SIGHTLINE_ISSUE_FLUSH_MS",
                "issue-flush-ms",
                500,
            )? as u64),
            bcrypt_cost,
            signup: parse(&raw.signup, "SIGHTLINE_SIGNUP", "signup", "invite")?,
            mail: mail::MailConfig::from_raw(raw)?,
            sourcemaps: SourcemapConfig::from_raw(raw)?,
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

// Hand-written so that `{:?}` (a panic message, a debug log) never prints a
// password: the database URL shows with `***` for its password, the
// ClickHouse password not at all; mail hides its own secrets.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url.as_str())
            .field("database_url", &redact(self.database_url.expose_secret()))
            .field("clickhouse_url", &redact(self.clickhouse_url.as_str()))
            .field("clickhouse_database", &self.clickhouse_database)
            .field("clickhouse_user", &self.clickhouse_user)
            .field("clickhouse_password", &self.clickhouse_password.as_ref().map(|_| "***"))
            .field("clickhouse_cluster", &self.clickhouse_cluster)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("max_envelope_bytes", &self.max_envelope_bytes)
            .field("max_decompressed_bytes", &self.max_decompressed_bytes)
            .field("max_event_bytes", &self.max_event_bytes)
            .field("default_rate_limit", &self.default_rate_limit)
            .field("mail", &self.mail)
            .finish_non_exhaustive()
    }
}

pub(crate) fn parse<T: std::str::FromStr>(
    value: &Option<String>,
    var: &'static str,
    flag: &'static str,
    default: &str,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let text = value.as_deref().unwrap_or(default).trim();
    text.parse().map_err(|e: T::Err| ConfigError { var, flag, value: text.to_string(), reason: e.to_string() })
}

pub(crate) fn positive(
    value: &Option<String>,
    var: &'static str,
    flag: &'static str,
    default: usize,
) -> Result<usize, ConfigError> {
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
    fn signup_defaults_to_invite_and_a_bad_policy_names_the_variable() {
        let c = Config::from_raw(&RawConfig::default()).unwrap();
        assert_eq!(c.signup, crate::accounts::signup::SignupPolicy::Invite);
        let raw = RawConfig { signup: Some("everyone".into()), ..Default::default() };
        let err = Config::from_raw(&raw).unwrap_err().to_string();
        assert!(err.contains("SIGHTLINE_SIGNUP") && err.contains("--signup"), "{err}");
    }

    #[test]
    fn zero_queue_is_rejected() {
        let raw = RawConfig { queue_capacity: Some("0".into()), ..Default::default() };
        assert!(Config::from_raw(&raw).unwrap_err().to_string().contains("SIGHTLINE_QUEUE_CAPACITY"));
    }

    #[test]
    fn debug_output_hides_every_secret() {
        let raw = RawConfig {
            database_url: Some("postgres://sightline:pg-s3cret@db:5432/sightline".into()),
            clickhouse_url: Some("http://default:url-s3cret@clickhouse:8123".into()),
            clickhouse_password: Some("ch-s3cret".into()),
            resend_api_key: Some("re_s3cret".into()),
            smtp_url: Some("smtps://mailer:smtp-s3cret@mail.example.com:465".into()),
            mail_from: Some("alerts@example.com".into()),
            ..Default::default()
        };
        let c = Config::from_raw(&raw).unwrap();
        for text in [format!("{c:?}"), format!("{c:#?}")] {
            for secret in ["pg-s3cret", "url-s3cret", "ch-s3cret", "re_s3cret", "smtp-s3cret"] {
                assert!(!text.contains(secret), "{secret} printed in {text}");
            }
            assert!(text.contains("postgres://sightline:***@db:5432/sightline"), "{text}");
        }
        assert_eq!(c.database_url.expose_secret(), "postgres://sightline:pg-s3cret@db:5432/sightline");
    }

    #[test]
    fn a_bad_trusted_proxy_names_the_variable() {
        let raw = RawConfig { trusted_proxies: Some("10.0.0.0/8, caddy".into()), ..Default::default() };
        let err = Config::from_raw(&raw).unwrap_err().to_string();
        assert!(err.contains("SIGHTLINE_TRUSTED_PROXIES") && err.contains("caddy"), "{err}");
        let c = Config::from_raw(&RawConfig::default()).unwrap();
        assert!(!c.trusted_proxies.contains("127.0.0.1".parse().unwrap()), "no proxy is trusted by default");
    }

    #[test]
    fn dsn_keeps_a_path_prefix() {
        let raw = RawConfig { public_url: Some("https://errors.example.com/sl/".into()), ..Default::default() };
        let c = Config::from_raw(&raw).unwrap();
        assert_eq!(c.dsn("k", 3), "https://k@errors.example.com/sl/3");
    }
}
