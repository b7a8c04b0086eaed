//! Mail settings: `SIGHTLINE_RESEND_API_KEY`, `SIGHTLINE_RESEND_BASE_URL`,
//! `SIGHTLINE_SMTP_URL` and `SIGHTLINE_MAIL_FROM`, parsed once at startup so
//! a typo stops the program with a line naming the variable instead of
//! surfacing later as a lost password-reset e-mail. Either path alone is a
//! valid setup; with neither, mail is off and messages are only logged.

use std::fmt;

use lettre::message::Mailbox;
use secrecy::SecretString;
use url::Url;

use crate::config::{ConfigError, RawConfig};

/// Resend's public API, used when only an API key is given.
const RESEND_DEFAULT_BASE_URL: &str = "https://api.resend.com";

/// Validated mail settings; build a [`crate::mail::Mailer`] from them.
#[derive(Clone, Default)]
pub struct MailConfig {
    pub(crate) resend: Option<ResendSettings>,
    pub(crate) smtp: Option<SmtpSettings>,
    pub(crate) from: Option<Mailbox>,
}

/// Where and how Resend is reached.
#[derive(Clone)]
pub(crate) struct ResendSettings {
    pub(crate) api_key: SecretString,
    pub(crate) base_url: Url,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// No TLS at all (`smtp://`): for relays on localhost or a private network.
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed
    /// (`smtp+starttls://` or `smtp://…?tls=starttls`).
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

/// A parsed `SIGHTLINE_SMTP_URL`.
#[derive(Clone)]
pub(crate) struct SmtpSettings {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) tls: SmtpTls,
    /// User name and password.
    pub(crate) credentials: Option<(String, SecretString)>,
}

impl MailConfig {
    /// Parses the mail settings of `raw`; every part is optional, but a
    /// configured delivery path needs `SIGHTLINE_MAIL_FROM`.
    pub fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        let api_key = non_empty(&raw.resend_api_key);
        let base_url = match non_empty(&raw.resend_base_url) {
            Some(text) => parse_resend_base_url(&text)?,
            None => Url::parse(RESEND_DEFAULT_BASE_URL).expect("constant URL"),
        };
        let resend = api_key.map(|api_key| ResendSettings { api_key: api_key.into(), base_url });
        let smtp = non_empty(&raw.smtp_url).map(|text| parse_smtp_url(&text)).transpose()?;
        let from = non_empty(&raw.mail_from)
            .map(|text| {
                text.parse::<Mailbox>().map_err(|e| ConfigError {
                    var: "SIGHTLINE_MAIL_FROM",
                    flag: "mail-from",
                    value: text.clone(),
                    reason: format!("expected `Name <user@example.com>` or `user@example.com` ({e})"),
                })
            })
            .transpose()?;
        if from.is_none() && (resend.is_some() || smtp.is_some()) {
            return Err(ConfigError {
                var: "SIGHTLINE_MAIL_FROM",
                flag: "mail-from",
                value: String::new(),
                reason: "required when Resend or SMTP is configured".into(),
            });
        }
        Ok(MailConfig { resend, smtp, from })
    }

    /// Tells whether any delivery path (Resend or SMTP) is configured.
    pub fn is_enabled(&self) -> bool {
        self.resend.is_some() || self.smtp.is_some()
    }

    /// Returns the sender of every e-mail, if set.
    pub fn from(&self) -> Option<&Mailbox> {
        self.from.as_ref()
    }

    /// Returns the TLS mode of the SMTP path, if SMTP is configured.
    pub fn smtp_tls(&self) -> Option<SmtpTls> {
        self.smtp.as_ref().map(|s| s.tls)
    }
}

// Hand-written so that `{:?}` of the whole `Config` never prints secrets.
impl fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailConfig")
            .field("resend", &self.resend.as_ref().map(|r| r.base_url.as_str()))
            .field("smtp", &self.smtp.as_ref().map(|s| format!("{:?} {}:{}", s.tls, s.host, s.port)))
            .field("from", &self.from.as_ref().map(ToString::to_string))
            .finish()
    }
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn parse_resend_base_url(text: &str) -> Result<Url, ConfigError> {
    let error = |reason: &str| ConfigError {
        var: "SIGHTLINE_RESEND_BASE_URL",
        flag: "resend-base-url",
        value: redact(text),
        reason: reason.into(),
    };
    let url = Url::parse(text).map_err(|e| error(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(error("expected an http(s):// URL"));
    }
    Ok(url)
}

fn parse_smtp_url(text: &str) -> Result<SmtpSettings, ConfigError> {
    let error =
        |reason: String| ConfigError { var: "SIGHTLINE_SMTP_URL", flag: "smtp-url", value: redact(text), reason };
    let url = Url::parse(text).map_err(|e| error(e.to_string()))?;
    let mut tls = match url.scheme() {
        "smtp" => SmtpTls::None,
        "smtp+starttls" => SmtpTls::StartTls,
        "smtps" => SmtpTls::Implicit,
        other => {
            return Err(error(format!(
                "unsupported scheme {other:?}: use smtp:// (no TLS), smtp+starttls:// or smtps://"
            )))
        }
    };
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref(), tls) {
            ("tls", "starttls", SmtpTls::None | SmtpTls::StartTls) => tls = SmtpTls::StartTls,
            _ => return Err(error(format!("unsupported parameter {key}={value}: only tls=starttls on smtp://"))),
        }
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| error("missing host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
        return Err(error("unexpected path: use smtp://user:password@host:port".into()));
    }
    let port = url.port().unwrap_or(match tls {
        SmtpTls::None => 25,
        SmtpTls::StartTls => 587,
        SmtpTls::Implicit => 465,
    });
    let credentials = if url.username().is_empty() {
        None
    } else {
        let user =
            percent_decode(url.username()).ok_or_else(|| error("user is not valid percent-encoded UTF-8".into()))?;
        let password = percent_decode(url.password().unwrap_or(""))
            .ok_or_else(|| error("password is not valid percent-encoded UTF-8".into()))?;
        Some((user, SecretString::from(password)))
    };
    Ok(SmtpSettings { host, port, tls, credentials })
}

/// Undoes `%XX` escapes (the URL crate leaves userinfo encoded); `+` stays `+`.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Replaces the password of a URL so error messages can quote it.
fn redact(text: &str) -> String {
    match Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) if text.contains('@') => "***".into(),
        Err(_) => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(smtp: Option<&str>, from: Option<&str>) -> RawConfig {
        RawConfig { smtp_url: smtp.map(Into::into), mail_from: from.map(Into::into), ..Default::default() }
    }

    fn smtp(url: &str) -> SmtpSettings {
        MailConfig::from_raw(&raw(Some(url), Some("a@example.com"))).unwrap().smtp.unwrap()
    }

    #[test]
    fn nothing_configured_means_mail_is_off() {
        let config = MailConfig::from_raw(&RawConfig::default()).unwrap();
        assert!(!config.is_enabled());
        let config = MailConfig::from_raw(&raw(Some("  "), Some(""))).unwrap();
        assert!(!config.is_enabled());
    }

    #[test]
    fn schemes_choose_tls_mode_and_default_port() {
        let s = smtp("smtp://127.0.0.1");
        assert_eq!((s.tls, s.port, s.host.as_str()), (SmtpTls::None, 25, "127.0.0.1"));
        let s = smtp("smtp+starttls://mail.example.com");
        assert_eq!((s.tls, s.port), (SmtpTls::StartTls, 587));
        let s = smtp("smtp://mail.example.com:2525?tls=starttls");
        assert_eq!((s.tls, s.port), (SmtpTls::StartTls, 2525));
        let s = smtp("smtps://mail.example.com");
        assert_eq!((s.tls, s.port), (SmtpTls::Implicit, 465));
        assert_eq!(smtp("smtp://[::1]:2525").host, "::1");
    }

    #[test]
    fn credentials_are_percent_decoded() {
        let s = smtp("smtps://alerts%40example.com:p%3Ass+w%2Fd@mail.example.com");
        let (user, password) = s.credentials.unwrap();
        assert_eq!(
            (user.as_str(), secrecy::ExposeSecret::expose_secret(&password)),
            ("alerts@example.com", "p:ss+w/d")
        );
        assert!(smtp("smtp://127.0.0.1:2525").credentials.is_none());
    }

    #[test]
    fn bad_smtp_scheme_names_the_variable_and_hides_the_password() {
        let err = MailConfig::from_raw(&raw(Some("http://user:hunter2@mail.example.com"), Some("a@example.com")))
            .unwrap_err();
        assert_eq!(err.var, "SIGHTLINE_SMTP_URL");
        let text = err.to_string();
        assert!(text.contains("--smtp-url") && text.contains("scheme"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn smtp_url_without_host_or_with_unknown_parameter_is_rejected() {
        for bad in
            ["smtp://", "smtps://mail.example.com?tls=starttls", "smtp://h?verify=no", "smtp://h/path", "nonsense"]
        {
            let err = MailConfig::from_raw(&raw(Some(bad), Some("a@example.com"))).unwrap_err();
            assert_eq!(err.var, "SIGHTLINE_SMTP_URL", "{bad}");
        }
    }

    #[test]
    fn bad_from_address_names_the_variable() {
        for bad in ["not an address", "Sightline <nope>", "@example.com"] {
            let err = MailConfig::from_raw(&raw(None, Some(bad))).unwrap_err();
            assert_eq!(err.var, "SIGHTLINE_MAIL_FROM", "{bad}");
            assert!(err.to_string().contains("--mail-from"));
        }
        let ok = MailConfig::from_raw(&raw(Some("smtp://h"), Some("Sightline <alerts@example.com>"))).unwrap();
        assert_eq!(ok.from().unwrap().email.to_string(), "alerts@example.com");
    }

    #[test]
    fn a_delivery_path_without_from_is_an_error() {
        let err = MailConfig::from_raw(&raw(Some("smtp://127.0.0.1:2525"), None)).unwrap_err();
        assert_eq!(err.var, "SIGHTLINE_MAIL_FROM");
        let resend_only = RawConfig { resend_api_key: Some("re_123".into()), ..Default::default() };
        assert_eq!(MailConfig::from_raw(&resend_only).unwrap_err().var, "SIGHTLINE_MAIL_FROM");
    }

    #[test]
    fn resend_base_url_must_be_http() {
        let bad = RawConfig {
            resend_api_key: Some("re_123".into()),
            resend_base_url: Some("ftp://example.com".into()),
            mail_from: Some("a@example.com".into()),
            ..Default::default()
        };
        assert_eq!(MailConfig::from_raw(&bad).unwrap_err().var, "SIGHTLINE_RESEND_BASE_URL");
        let only_key = RawConfig { resend_base_url: None, ..bad };
        let config = MailConfig::from_raw(&only_key).unwrap();
        assert_eq!(config.resend.unwrap().base_url.as_str(), "https://api.resend.com/");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = MailConfig::from_raw(&RawConfig {
            resend_api_key: Some("re_secret".into()),
            smtp_url: Some("smtps://u:hunter2@mail.example.com".into()),
            mail_from: Some("a@example.com".into()),
            ..Default::default()
        })
        .unwrap();
        let text = format!("{config:?}");
        assert!(!text.contains("re_secret") && !text.contains("hunter2"), "{text}");
    }
}
