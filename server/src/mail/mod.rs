//! Outgoing e-mail. (Being written: Resend first, SMTP when Resend fails.)

use crate::config::{ConfigError, RawConfig};

/// Validated mail settings; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct MailConfig {
    pub resend_api_key: Option<String>,
    pub resend_base_url: Option<String>,
    pub smtp_url: Option<String>,
    pub from: Option<String>,
}

impl MailConfig {
    /// Parses the mail settings of `raw`.
    pub fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        Ok(MailConfig {
            resend_api_key: raw.resend_api_key.clone().filter(|s| !s.is_empty()),
            resend_base_url: raw.resend_base_url.clone().filter(|s| !s.is_empty()),
            smtp_url: raw.smtp_url.clone().filter(|s| !s.is_empty()),
            from: raw.mail_from.clone().filter(|s| !s.is_empty()),
        })
    }
}
