//! Turning a decoded request body into rows: envelope items of type `event`
//! and `transaction` are scrubbed by the project's [`Scrubber`] (before
//! anything else reads them) and normalised, `span` items are read into the
//! page-load facts the handler joins ([`crate::pageloads`]), every other type
//! is accepted and skipped, and a bad item is dropped on its own without
//! poisoning the rest.
//! Pure CPU work, so large bodies can run on the blocking pool.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{envelope, error::IngestError, replay, screenshots};
use crate::{
    event::{self, span::SpanFacts, IngestContext},
    outcomes::{self, ItemOutcome, Outcome},
    scrub::Scrubber,
    store::rows::Row,
};

/// What a body turned into.
#[derive(Debug)]
pub struct Processed {
    pub rows: Vec<Row>,
    /// The DSN's public key from the envelope header, for requests without other auth.
    pub dsn: Option<String>,
    /// The id to answer with.
    pub event_id: Option<Uuid>,
    /// Spans of page loads, to join with their other spans before they become rows.
    pub spans: Option<Spans>,
    /// What became of each item, as far as processing knows (the rate limit comes later).
    pub outcomes: Vec<ItemOutcome>,
}

/// The page-load spans of a request and the context they arrived in.
#[derive(Debug)]
pub struct Spans {
    pub ctx: IngestContext,
    pub facts: Vec<SpanFacts>,
}

/// Request facts the normaliser needs besides the body.
pub struct RequestFacts {
    pub project_id: u64,
    pub received_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub client_ip: Option<String>,
    pub max_event_bytes: usize,
    /// Largest feedback screenshot kept.
    pub max_screenshot_bytes: usize,
    /// The project's data scrubbing; `None` stores payloads as sent.
    pub scrubber: Option<Arc<Scrubber>>,
}

/// Splits and normalises an envelope body.
pub fn envelope(body: Bytes, facts: &RequestFacts) -> Result<Processed, IngestError> {
    let envelope = envelope::parse(body)?;
    let header_id = envelope.header.event_id.as_deref().and_then(parse_uuid);
    let ctx = context(facts, header_id);
    let mut rows = Vec::new();
    let mut first_error = None;
    let mut skipped = 0usize;
    let mut spans = Vec::new();
    let mut outcomes = Vec::new();
    let mut attachments = Vec::new();
    let mut replays = Vec::new();
    for item in &envelope.items {
        let kind = item.ty.as_str();
        let category = match kind {
            "event" => "error",
            "user_report" => "feedback",
            k => k,
        };
        let result = match kind {
            "event" | "transaction" | "span" if item.payload.len() > facts.max_event_bytes => {
                Err(IngestError::ItemTooLarge(kind.to_string(), facts.max_event_bytes))
            }
            "event" => {
                event::normalize_event(&scrubbed(&item.payload, facts), &ctx).map(Row::Event).map_err(Into::into)
            }
            "transaction" => event::normalize_transaction(&scrubbed(&item.payload, facts), &ctx)
                .map(Row::Transaction)
                .map_err(Into::into),
            "span" => match event::span::parse_span_item(&scrubbed(&item.payload, facts)) {
                Ok(item) => {
                    outcomes.push(ItemOutcome::new(Outcome::Accepted, "span", "", item.facts.len() as u64));
                    outcomes.push(ItemOutcome::new(Outcome::Filtered, "span", "not_stored", item.skipped as u64));
                    outcomes.push(ItemOutcome::new(Outcome::Invalid, "span", "invalid_span", item.invalid as u64));
                    spans.extend(item.facts);
                    skipped += 1;
                    continue;
                }
                Err(e) => Err(e.into()),
            },
            "feedback" | "user_report" if item.payload.len() > facts.max_event_bytes => {
                Err(IngestError::ItemTooLarge(kind.to_string(), facts.max_event_bytes))
            }
            "feedback" => event::feedback::normalize_feedback(&scrubbed(&item.payload, facts), &ctx)
                .map(Row::Feedback)
                .map_err(Into::into),
            "user_report" => event::feedback::normalize_user_report(&scrubbed(&item.payload, facts), &ctx)
                .map(Row::Feedback)
                .map_err(Into::into),
            "replay_event" | "replay_recording" | "replay_video" => {
                replays.push(item);
                skipped += 1;
                continue;
            }
            "attachment" => {
                attachments.push(item);
                skipped += 1;
                continue;
            }
            "client_report" => {
                match outcomes::client_report::parse(&item.payload) {
                    Ok(discards) => outcomes.extend(discards),
                    Err(reason) => outcomes.push(ItemOutcome::new(Outcome::Invalid, kind, reason, 1)),
                }
                skipped += 1;
                continue;
            }
            _ => {
                // Counted, never logged: SDKs send these on every page.
                outcomes.push(ItemOutcome::new(Outcome::Filtered, category, "not_stored", 1));
                skipped += 1;
                continue;
            }
        };
        match result {
            Ok(row) => {
                outcomes.push(ItemOutcome::new(Outcome::Accepted, category, "", 1));
                rows.push(row);
            }
            Err(e) => {
                outcomes.push(ItemOutcome::new(Outcome::Invalid, category, invalid_reason(&e), 1));
                first_error.get_or_insert(e);
            }
        }
    }
    screenshots::attach(&attachments, &mut rows, &mut outcomes, facts.max_screenshot_bytes);
    let scrubber = facts.scrubber.as_deref();
    replay::attach(&replays, &ctx, facts.max_event_bytes, scrubber, &mut rows, &mut outcomes);
    if rows.is_empty() && skipped == 0 {
        if let Some(e) = first_error {
            return Err(e);
        }
    }
    let event_id = header_id.or_else(|| rows.first().map(row_id));
    let spans = (!spans.is_empty()).then_some(Spans { ctx, facts: spans });
    outcomes.retain(|o| o.quantity > 0);
    Ok(Processed { rows, dsn: envelope.header.dsn, event_id, spans, outcomes })
}

/// Names why an item was refused, for its `invalid` outcome.
fn invalid_reason(e: &IngestError) -> &'static str {
    match e {
        IngestError::ItemTooLarge(..) => "too_large",
        IngestError::Payload(crate::event::PayloadError::NotAnObject) => "not_an_object",
        IngestError::Payload(crate::event::PayloadError::MissingField(field)) => match *field {
            "message" | "comments" => "missing_message",
            _ => "missing_field",
        },
        _ => "invalid_payload",
    }
}

/// Normalises a legacy `store` body: one JSON event (or transaction).
pub fn store(body: Bytes, facts: &RequestFacts) -> Result<Processed, IngestError> {
    if body.len() > facts.max_event_bytes {
        return Err(IngestError::ItemTooLarge("event".into(), facts.max_event_bytes));
    }
    let ctx = context(facts, None);
    let body = scrubbed(&body, facts);
    let is_transaction =
        serde_json::from_slice::<TypeProbe>(&body).is_ok_and(|p| p.r#type.as_deref() == Some("transaction"));
    let row = if is_transaction {
        Row::Transaction(event::normalize_transaction(&body, &ctx)?)
    } else {
        Row::Event(event::normalize_event(&body, &ctx)?)
    };
    let event_id = Some(row_id(&row));
    let category = if is_transaction { "transaction" } else { "error" };
    let outcomes = vec![ItemOutcome::new(Outcome::Accepted, category, "", 1)];
    Ok(Processed { rows: vec![row], dsn: None, event_id, spans: None, outcomes })
}

#[derive(serde::Deserialize)]
struct TypeProbe {
    #[serde(default)]
    r#type: Option<String>,
}

/// Returns the payload with the project's scrubbing applied.
fn scrubbed<'a>(payload: &'a [u8], facts: &RequestFacts) -> std::borrow::Cow<'a, [u8]> {
    match &facts.scrubber {
        Some(scrubber) => scrubber.scrub_payload(payload),
        None => std::borrow::Cow::Borrowed(payload),
    }
}

fn context(facts: &RequestFacts, envelope_event_id: Option<Uuid>) -> IngestContext {
    let drop_ip = facts.scrubber.as_ref().is_some_and(|s| s.drops_ip_addresses());
    IngestContext {
        project_id: facts.project_id,
        received_at: facts.received_at,
        client_user_agent: facts.user_agent.clone(),
        // Not even `{{auto}}` gets the address when the project keeps none.
        client_ip: if drop_ip { None } else { facts.client_ip.clone() },
        envelope_event_id,
    }
}

fn row_id(row: &Row) -> Uuid {
    match row {
        Row::Event(e) => e.event_id,
        Row::Feedback(f) => f.feedback_id,
        Row::Screenshot(s) => s.feedback_id,
        Row::Transaction(t) => t.event_id,
        Row::Replay(r) => r.replay_id,
        Row::ReplaySegment(r) => r.replay_id,
    }
}

fn parse_uuid(s: &str) -> Option<Uuid> {
    Uuid::try_parse(s.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Times `envelope` on the bench fixture; a fast feedback loop for the hot path:
    /// `cargo test --release -p sightline --lib -- --ignored --nocapture times_the_bench_fixture`
    #[test]
    #[ignore = "timing loop, run by hand in release"]
    fn times_the_bench_fixture() {
        let fixture = include_str!("../../../bench/fixtures/envelope-error.txt");
        let now = chrono::Utc::now();
        let body = fixture
            .replace("{uuid}", &Uuid::new_v4().simple().to_string())
            .replace("{timestamp}", &now.timestamp().to_string())
            .replace("{sent_at}", &now.to_rfc3339());
        let body = Bytes::from(body);
        let facts = RequestFacts {
            project_id: 1,
            received_at: now,
            user_agent: Some("sentry-loadgen".into()),
            client_ip: Some("127.0.0.1".into()),
            max_event_bytes: 1 << 20,
            max_screenshot_bytes: 1 << 20,
            scrubber: crate::scrub::Scrubber::new(&Default::default()).map(Arc::new),
        };
        let iterations = 20_000u32;
        for _ in 0..iterations / 10 {
            assert_eq!(envelope(body.clone(), &facts).unwrap().rows.len(), 1);
        }
        let start = std::time::Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(envelope(body.clone(), &facts).unwrap());
        }
        let per = start.elapsed() / iterations;
        eprintln!("process::envelope on the bench fixture: {per:?} per envelope");
    }
}
