//! The Resend path: one `POST /emails` through `resend-rs`, against
//! `SIGHTLINE_RESEND_BASE_URL` (Resend itself unless a proxy or a test
//! stand-in is configured). The caller bounds it with a timeout, so a hung
//! Resend falls through to SMTP instead of blocking the mail.

use lettre::message::Mailbox;
use resend_rs::{types::CreateEmailBaseOptions, ConfigBuilder, Resend};
use secrecy::ExposeSecret;

use super::Message;
use crate::config::mail::ResendSettings;

/// A Resend client bound to one API key and base URL.
#[derive(Debug, Clone)]
pub(super) struct ResendPath {
    client: Resend,
}

impl ResendPath {
    /// Builds the client; no request is made until [`ResendPath::send`].
    pub(super) fn new(settings: &ResendSettings) -> Self {
        // The base URL is always passed explicitly so resend-rs never falls
        // back to reading (and panicking on a bad) `RESEND_BASE_URL`.
        let config =
            ConfigBuilder::new(settings.api_key.expose_secret().to_owned()).base_url(settings.base_url.clone()).build();
        ResendPath { client: Resend::with_config(config) }
    }

    /// Sends `msg` to `to`; returns the id Resend assigned.
    pub(super) async fn send(&self, from: &Mailbox, to: &[Mailbox], msg: &Message) -> Result<String, resend_rs::Error> {
        let to: Vec<String> = to.iter().map(ToString::to_string).collect();
        let email = CreateEmailBaseOptions::new(from.to_string(), to, msg.subject.clone())
            .with_text(&msg.text)
            .with_html(&msg.html);
        let response = self.client.emails.send(email).await?;
        let id: &str = &response.id;
        Ok(id.to_owned())
    }
}
