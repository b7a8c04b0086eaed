//! The SMTP path: a `lettre` transport built from `SIGHTLINE_SMTP_URL`,
//! sending a multipart/alternative message (plain text first, then HTML, so
//! clients that can render HTML pick the last part they understand).

use std::time::Duration;

use lettre::{
    message::{Mailbox, MultiPart},
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
        AsyncSmtpTransport,
    },
    AsyncTransport, Tokio1Executor,
};

use secrecy::ExposeSecret;

use super::Message;
use crate::config::mail::{SmtpSettings, SmtpTls};

/// A configured SMTP transport (one connection per message; mail is rare).
#[derive(Debug, Clone)]
pub(super) struct SmtpPath {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

/// Why the SMTP path did not deliver.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// The message could not be assembled (e.g. a header lettre rejects).
    #[error("could not build the message: {0}")]
    Build(#[from] lettre::error::Error),
    /// The server refused or the connection failed.
    #[error(transparent)]
    Transport(#[from] lettre::transport::smtp::Error),
}

impl SmtpPath {
    /// Builds the transport; TLS settings are prepared now, connections later.
    pub(super) fn new(settings: &SmtpSettings, timeout: Duration) -> Result<Self, lettre::transport::smtp::Error> {
        let tls = match settings.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls => Tls::Required(TlsParameters::new(settings.host.clone())?),
            SmtpTls::Implicit => Tls::Wrapper(TlsParameters::new(settings.host.clone())?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose_secret().to_owned()));
        }
        Ok(SmtpPath { transport: builder.build() })
    }

    /// Sends `msg`; returns the Message-ID header it carried.
    pub(super) async fn send(&self, from: &Mailbox, to: &[Mailbox], msg: &Message) -> Result<String, SmtpError> {
        // Our own Message-ID, so the delivery can be matched to the copy in
        // the recipient's mailbox (the SMTP reply carries no stable id).
        let message_id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), from.email.domain());
        let mut builder = lettre::Message::builder()
            .from(from.clone())
            .subject(msg.subject.clone())
            .message_id(Some(message_id.clone()));
        for mailbox in to {
            builder = builder.to(mailbox.clone());
        }
        let email = builder.multipart(MultiPart::alternative_plain_html(msg.text.clone(), msg.html.clone()))?;
        self.transport.send(email).await?;
        Ok(message_id)
    }
}
