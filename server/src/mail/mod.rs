//! Outgoing e-mail (invites, password resets, later alerts). [`Mailer::send`]
//! tries Resend first and falls back to SMTP when Resend answers an error or
//! does not answer within the timeout; the returned [`Delivery`] says which
//! path delivered. Either path alone is a valid setup. With neither, mail is
//! off: messages are logged, not sent, and [`Mailer::is_enabled`] lets the UI
//! say so. Settings are parsed with the rest of the configuration
//! ([`crate::config::mail`]); each path lives in its own file.

mod resend;
mod smtp;

use std::time::Duration;

use lettre::message::Mailbox;

pub use crate::config::mail::{MailConfig, SmtpTls};
pub use smtp::SmtpError;

use self::{resend::ResendPath, smtp::SmtpPath};

/// How long Resend may take before SMTP is tried instead.
pub const DEFAULT_RESEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one SMTP command (connect, greeting, DATA, …) may take.
const SMTP_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// An e-mail to send: plain-text and HTML versions of the same content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Recipients, as `user@example.com` or `Name <user@example.com>`.
    pub to: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// Plain-text body, for clients that do not render HTML.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// Which way a message left the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryPath {
    /// Accepted by the Resend API.
    Resend,
    /// Accepted by the SMTP server.
    Smtp,
    /// Not sent: mail is off, so the message was only logged.
    Logged,
}

impl DeliveryPath {
    /// Returns the lowercase name used in logs and the delivery log.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryPath::Resend => "resend",
            DeliveryPath::Smtp => "smtp",
            DeliveryPath::Logged => "logged",
        }
    }
}

/// The outcome of a successful [`Mailer::send`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The path that accepted the message.
    pub path: DeliveryPath,
    /// Resend's email id, or the Message-ID header sent over SMTP.
    pub id: Option<String>,
}

/// Why the Resend path did not deliver.
#[derive(Debug, thiserror::Error)]
pub enum ResendError {
    /// Resend did not answer in time.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// Resend answered an error, or the request failed.
    #[error(transparent)]
    Api(#[from] resend_rs::Error),
}

// The causes are part of each message (not only `source()`), so a log line
// written with `%err` says what went wrong on every path that was tried.
/// Why a message was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The message names no recipient.
    #[error("no recipients")]
    NoRecipients,
    /// A recipient is not a valid address.
    #[error("invalid recipient {0:?}")]
    InvalidRecipient(String),
    /// The SMTP transport could not be set up (TLS configuration).
    #[error("smtp setup failed: {0}")]
    Setup(lettre::transport::smtp::Error),
    /// Only Resend is configured, and it failed.
    #[error("resend failed: {0}")]
    Resend(ResendError),
    /// Only SMTP is configured, and it failed.
    #[error("smtp failed: {0}")]
    Smtp(SmtpError),
    /// Resend failed, and so did the SMTP fallback.
    #[error("resend failed: {resend}; smtp fallback failed: {smtp}")]
    Both { resend: ResendError, smtp: SmtpError },
}

/// Sends e-mail through Resend, then SMTP; cheap to clone.
#[derive(Debug, Clone)]
pub struct Mailer {
    from: Option<Mailbox>,
    resend: Option<ResendPath>,
    smtp: Option<SmtpPath>,
    resend_timeout: Duration,
}

impl Mailer {
    /// Builds a mailer from validated settings; fails only when the SMTP TLS
    /// setup cannot be prepared.
    pub fn new(config: &MailConfig) -> Result<Self, MailError> {
        let smtp = config
            .smtp
            .as_ref()
            .map(|s| SmtpPath::new(s, SMTP_COMMAND_TIMEOUT))
            .transpose()
            .map_err(MailError::Setup)?;
        Ok(Mailer {
            from: config.from.clone(),
            resend: config.resend.as_ref().map(ResendPath::new),
            smtp,
            resend_timeout: DEFAULT_RESEND_TIMEOUT,
        })
    }

    /// Sets how long Resend may take before SMTP is tried instead.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.resend_timeout = timeout;
        self
    }

    /// Tells whether mail is actually sent (false: messages are only logged).
    pub fn is_enabled(&self) -> bool {
        self.resend.is_some() || self.smtp.is_some()
    }

    /// Sends `msg` through Resend, falling back to SMTP; returns the path that
    /// delivered, or logs the message when no path is configured.
    #[tracing::instrument(name = "mail.send", skip_all, fields(to = ?msg.to, subject = %msg.subject))]
    pub async fn send(&self, msg: &Message) -> Result<Delivery, MailError> {
        let to = parse_recipients(&msg.to)?;
        let Some(from) = self.from.as_ref().filter(|_| self.is_enabled()) else {
            tracing::info!(to = ?msg.to, subject = %msg.subject, "mail is off (no Resend or SMTP configured); not sent");
            // The body only at debug level: it may hold reset or invite links.
            tracing::debug!(text = %msg.text, "body of the unsent mail");
            return Ok(Delivery { path: DeliveryPath::Logged, id: None });
        };
        let resend_error = match &self.resend {
            Some(resend) => match tokio::time::timeout(self.resend_timeout, resend.send(from, &to, msg)).await {
                Ok(Ok(id)) => {
                    tracing::info!(id = %id, "mail sent through resend");
                    return Ok(Delivery { path: DeliveryPath::Resend, id: Some(id) });
                }
                Ok(Err(e)) => Some(ResendError::Api(e)),
                Err(_) => Some(ResendError::Timeout(self.resend_timeout)),
            },
            None => None,
        };
        let Some(smtp) = &self.smtp else {
            return Err(MailError::Resend(resend_error.expect("a path is configured")));
        };
        if let Some(e) = &resend_error {
            tracing::warn!(error = %e, "resend failed; falling back to smtp");
        }
        match smtp.send(from, &to, msg).await {
            Ok(id) => {
                tracing::info!(id = %id, "mail sent through smtp");
                Ok(Delivery { path: DeliveryPath::Smtp, id: Some(id) })
            }
            Err(smtp) => Err(match resend_error {
                Some(resend) => MailError::Both { resend, smtp },
                None => MailError::Smtp(smtp),
            }),
        }
    }
}

fn parse_recipients(to: &[String]) -> Result<Vec<Mailbox>, MailError> {
    if to.is_empty() {
        return Err(MailError::NoRecipients);
    }
    to.iter().map(|t| t.trim().parse::<Mailbox>().map_err(|_| MailError::InvalidRecipient(t.clone()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RawConfig;

    fn message(to: &[&str]) -> Message {
        Message {
            to: to.iter().map(|s| s.to_string()).collect(),
            subject: "Hi".into(),
            text: "hello".into(),
            html: "<p>hello</p>".into(),
        }
    }

    #[tokio::test]
    async fn without_a_path_the_message_is_logged() {
        let mailer = Mailer::new(&MailConfig::from_raw(&RawConfig::default()).unwrap()).unwrap();
        assert!(!mailer.is_enabled());
        let delivery = mailer.send(&message(&["ada@example.com"])).await.unwrap();
        assert_eq!(delivery, Delivery { path: DeliveryPath::Logged, id: None });
    }

    #[test]
    fn tls_transports_can_be_prepared_without_connecting() {
        for url in ["smtps://u:p@mail.example.com", "smtp+starttls://mail.example.com", "smtp://h:2525?tls=starttls"] {
            let raw =
                RawConfig { smtp_url: Some(url.into()), mail_from: Some("a@example.com".into()), ..Default::default() };
            let mailer = Mailer::new(&MailConfig::from_raw(&raw).unwrap()).unwrap();
            assert!(mailer.is_enabled(), "{url}");
        }
    }

    #[tokio::test]
    async fn bad_recipients_are_rejected_before_sending() {
        let mailer = Mailer::new(&MailConfig::default()).unwrap();
        assert!(matches!(mailer.send(&message(&[])).await, Err(MailError::NoRecipients)));
        let err = mailer.send(&message(&["ada@example.com", "not an address"])).await.unwrap_err();
        assert!(matches!(err, MailError::InvalidRecipient(ref s) if s == "not an address"), "{err}");
    }
}
