//! Settings of the alert and source-map subsystems: how often alerts are
//! evaluated and delivered and how failed deliveries are retried, and how
//! large uploaded source maps and their cache may grow.

use std::time::Duration;

use super::{positive, ConfigError, RawConfig, MIB};

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
    pub backoff: crate::retry::Backoff,
    pub webhook_timeout: Duration,
    /// Whether webhooks may reach the local network (`SIGHTLINE_WEBHOOK_ALLOW_PRIVATE`).
    pub webhook_allow_private: bool,
    pub resend_timeout: Duration,
}

impl SourcemapConfig {
    pub(super) fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        Ok(SourcemapConfig {
            quota_bytes: positive(
                &raw.sourcemap_quota_bytes,
                "SIGHTLINE_SOURCEMAP_QUOTA_BYTES",
                "sourcemap-quota-bytes",
                512 * MIB,
            )? as u64,
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
            cache_bytes: positive(
                &raw.sourcemap_cache_bytes,
                "SIGHTLINE_SOURCEMAP_CACHE_BYTES",
                "sourcemap-cache-bytes",
                256 * MIB,
            )? as u64,
        })
    }
}

impl AlertTiming {
    pub(super) fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        let ms = |v: &Option<String>, var: &'static str, flag: &'static str, default: usize| {
            positive(v, var, flag, default).map(|n| Duration::from_millis(n as u64))
        };
        Ok(AlertTiming {
            eval_interval: ms(&raw.alert_eval_ms, "SIGHTLINE_ALERT_EVAL_MS", "alert-eval-ms", 60_000)?,
            poll_interval: ms(&raw.alert_poll_ms, "SIGHTLINE_ALERT_POLL_MS", "alert-poll-ms", 1_000)?,
            backoff: crate::retry::Backoff {
                base: ms(&raw.alert_retry_base_ms, "SIGHTLINE_ALERT_RETRY_BASE_MS", "alert-retry-base-ms", 30_000)?,
                max: Duration::from_secs(positive(
                    &raw.alert_retry_max_secs,
                    "SIGHTLINE_ALERT_RETRY_MAX_SECS",
                    "alert-retry-max-secs",
                    3_600,
                )? as u64),
                max_attempts: positive(
                    &raw.alert_max_attempts,
                    "SIGHTLINE_ALERT_MAX_ATTEMPTS",
                    "alert-max-attempts",
                    100,
                )?
                .min(i32::MAX as usize) as i32,
            },
            webhook_timeout: Duration::from_secs(positive(
                &raw.webhook_timeout_secs,
                "SIGHTLINE_WEBHOOK_TIMEOUT_SECS",
                "webhook-timeout-secs",
                10,
            )? as u64),
            webhook_allow_private: switch(
                &raw.webhook_allow_private,
                "SIGHTLINE_WEBHOOK_ALLOW_PRIVATE",
                "webhook-allow-private",
            )?,
            resend_timeout: ms(&raw.resend_timeout_ms, "SIGHTLINE_RESEND_TIMEOUT_MS", "resend-timeout-ms", 10_000)?,
        })
    }
}

/// Parses an on/off setting (`1`, `true`, `yes`, `on` or `0`, `false`, `no`,
/// `off`); unset or empty is off.
fn switch(value: &Option<String>, var: &'static str, flag: &'static str) -> Result<bool, ConfigError> {
    match value.as_deref().map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("" | "0" | "false" | "no" | "off") => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some(_) => Err(ConfigError {
            var,
            flag,
            value: value.clone().unwrap_or_default(),
            reason: "expected 1 or 0 (true/false, yes/no, on/off)".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_refuse_private_receivers_unless_allowed() {
        let allow = |v: &str| {
            let raw = RawConfig { webhook_allow_private: Some(v.into()), ..Default::default() };
            AlertTiming::from_raw(&raw).map(|a| a.webhook_allow_private)
        };
        assert!(!AlertTiming::from_raw(&RawConfig::default()).unwrap().webhook_allow_private);
        assert_eq!(
            (allow("1").unwrap(), allow("TRUE").unwrap(), allow("0").unwrap(), allow("").unwrap()),
            (true, true, false, false)
        );
        let err = allow("maybe").unwrap_err().to_string();
        assert!(err.contains("SIGHTLINE_WEBHOOK_ALLOW_PRIVATE") && err.contains("--webhook-allow-private"), "{err}");
    }
}
