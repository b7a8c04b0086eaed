//! User feedback: what a visitor wrote through an SDK's feedback widget or
//! `captureFeedback`.
//!
//! Current SDKs send a `feedback` item: an event whose `contexts.feedback`
//! holds `message`, `name`, `contact_email`, `url`, `source` and
//! `associated_event_id` (the error it is about); the replay id may sit there
//! or in `contexts.replay.replay_id`; a screenshot rides in the same envelope
//! as an `attachment` item. Older SDKs send a `user_report` item: `event_id`
//! (the error), `name`, `email`, `comments`. Both become a [`FeedbackRow`];
//! one without a message is refused ([`PayloadError::MissingField`]).

use serde_json::Value;
use uuid::Uuid;

use super::limits::truncate;
use super::model::RawEvent;
use super::normalize::{name, timestamp};
use super::{useragent, IngestContext, PayloadError};
use crate::store::rows::FeedbackRow;

/// The image types stored and served back as screenshots.
pub const SCREENSHOT_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// Returns a screenshot's file name as stored: its last path part, bounded.
pub fn file_name(name: Option<&str>) -> String {
    let base = name.unwrap_or("screenshot").rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String =
        base.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).take(100).collect();
    if clean.is_empty() {
        "screenshot".into()
    } else {
        clean
    }
}

/// Longest message kept, in bytes (Sentry's widget allows 4096 characters).
const MAX_MESSAGE: usize = 16 * 1024;

/// Reads a `feedback` item.
pub fn normalize_feedback(payload: &[u8], ctx: &IngestContext) -> Result<FeedbackRow, PayloadError> {
    let event = object(payload)?;
    let feedback = event.pointer("/contexts/feedback").unwrap_or(&Value::Null);
    let message = text(feedback, "message").ok_or(PayloadError::MissingField("message"))?;
    let replay =
        text(feedback, "replay_id").or_else(|| event.pointer("/contexts/replay/replay_id").and_then(Value::as_str));
    let ua = event.pointer("/request/headers/User-Agent").and_then(Value::as_str).or(ctx.client_user_agent.as_deref());
    let client = useragent::resolve(&RawEvent::default(), ua);
    let url = text(feedback, "url").or_else(|| event.pointer("/request/url").and_then(Value::as_str));
    Ok(FeedbackRow {
        project_id: ctx.project_id,
        feedback_id: uuid_of(event.get("event_id")).or(ctx.envelope_event_id).unwrap_or_else(Uuid::new_v4),
        timestamp: timestamp(event.get("timestamp").and_then(seconds), ctx.received_at),
        message: truncate(message, MAX_MESSAGE).to_owned(),
        name: name(text(feedback, "name").or_else(|| event.pointer("/user/username").and_then(Value::as_str))),
        email: name(text(feedback, "contact_email").or_else(|| event.pointer("/user/email").and_then(Value::as_str))),
        url: name(url),
        source: name(text(feedback, "source")),
        associated_event_id: id_text(feedback.get("associated_event_id")),
        replay_id: id_text(replay.map(|s| Value::String(s.into())).as_ref()),
        release: name(text(&event, "release")),
        environment: name(text(&event, "environment")),
        browser: client.browser,
        os: client.os,
        has_screenshot: 0,
    })
}

/// Reads a legacy `user_report` item (`comments` is the message).
pub fn normalize_user_report(payload: &[u8], ctx: &IngestContext) -> Result<FeedbackRow, PayloadError> {
    let report = object(payload)?;
    let field = |key: &str| text(&report, key);
    let message = field("comments").ok_or(PayloadError::MissingField("comments"))?;
    let client = useragent::resolve(&RawEvent::default(), ctx.client_user_agent.as_deref());
    Ok(FeedbackRow {
        project_id: ctx.project_id,
        feedback_id: Uuid::new_v4(),
        timestamp: timestamp(None, ctx.received_at),
        message: truncate(message, MAX_MESSAGE).to_owned(),
        name: name(field("name")),
        email: name(field("email")),
        url: String::new(),
        source: "user_report".into(),
        associated_event_id: id_text(report.get("event_id")),
        replay_id: String::new(),
        release: String::new(),
        environment: String::new(),
        browser: client.browser,
        os: client.os,
        has_screenshot: 0,
    })
}

/// Returns a non-blank string field, trimmed.
fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn object(payload: &[u8]) -> Result<Value, PayloadError> {
    match serde_json::from_slice(payload).map_err(|e| PayloadError::InvalidJson(e.to_string()))? {
        v @ Value::Object(_) => Ok(v),
        _ => Err(PayloadError::NotAnObject),
    }
}

fn seconds(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp() as f64),
        _ => None,
    }
}

fn uuid_of(v: Option<&Value>) -> Option<Uuid> {
    v.and_then(Value::as_str).and_then(|s| Uuid::try_parse(s.trim()).ok())
}

/// An event or replay id as 32 lowercase hex digits, or empty.
fn id_text(v: Option<&Value>) -> String {
    uuid_of(v).map(|u| u.simple().to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ctx() -> IngestContext {
        IngestContext {
            project_id: 4,
            received_at: chrono::Utc.timestamp_opt(1_796_507_500, 0).unwrap(),
            client_user_agent: Some(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
                    .into(),
            ),
            client_ip: None,
            envelope_event_id: None,
        }
    }

    #[test]
    fn reads_a_feedback_item_as_sentry_browser_sends_it() {
        let payload = br#"{"contexts":{"feedback":{"contact_email":"ada@example.com","name":"Ada",
            "message":"The checkout button does nothing","url":"https://shop.example.com/checkout",
            "source":"widget","associated_event_id":"9ec79c33-ec99-42ab-8353-589fcb2e04dc"},
            "replay":{"replay_id":"0123456789abcdef0123456789abcdef"}},
            "type":"feedback","level":"info","event_id":"4c4bd3e1b6a04d5c9e1a3f4f2b6c7d8e",
            "timestamp":1796507490.5,"environment":"production","release":"shop@2"}"#;
        let row = normalize_feedback(payload, &ctx()).unwrap();
        assert_eq!(row.feedback_id.simple().to_string(), "4c4bd3e1b6a04d5c9e1a3f4f2b6c7d8e");
        assert_eq!(row.message, "The checkout button does nothing");
        assert_eq!((row.name.as_str(), row.email.as_str()), ("Ada", "ada@example.com"));
        assert_eq!((row.url.as_str(), row.source.as_str()), ("https://shop.example.com/checkout", "widget"));
        assert_eq!(row.associated_event_id, "9ec79c33ec9942ab8353589fcb2e04dc");
        assert_eq!(row.replay_id, "0123456789abcdef0123456789abcdef");
        assert_eq!((row.release.as_str(), row.environment.as_str()), ("shop@2", "production"));
        assert_eq!(row.timestamp, 1_796_507_490);
        assert_eq!(row.browser, "Chrome");
    }

    #[test]
    fn feedback_without_a_message_is_refused() {
        let err = normalize_feedback(br#"{"contexts":{"feedback":{"message":"  ","name":"x"}}}"#, &ctx()).unwrap_err();
        assert!(matches!(err, PayloadError::MissingField("message")), "{err}");
        assert!(normalize_feedback(b"[]", &ctx()).is_err());
        assert!(normalize_feedback(br#"{"type":"feedback"}"#, &ctx()).is_err());
    }

    #[test]
    fn reads_a_legacy_user_report() {
        let row = normalize_user_report(
            br#"{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","name":"Bob","email":"bob@example.com","comments":"It crashed"}"#,
            &ctx(),
        )
        .unwrap();
        assert_eq!((row.message.as_str(), row.source.as_str()), ("It crashed", "user_report"));
        assert_eq!(row.associated_event_id, "9ec79c33ec9942ab8353589fcb2e04dc");
        assert!(normalize_user_report(br#"{"name":"Bob"}"#, &ctx()).is_err());
    }
}
