//! Error events: from a lenient [`RawEvent`] to the stored [`EventRow`].
//!
//! Besides copying and bounding fields, this derives what the issue list and
//! detail page show without further processing: the title (`Type: value`), the
//! culprit (innermost in-app frame), the grouping fingerprint, browser and OS,
//! and three JSON blobs (frames, breadcrumbs, and contexts/extra/request/all
//! chained exceptions). Values that only make sense for this server (ids,
//! timestamps) fall back to the ingest context when the SDK omits them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::blobs::{breadcrumbs_json, contexts_json, frames_json};
use super::fingerprint::{self, frame_file, strip_location};
use super::limits::{self, truncate, truncate_with_ellipsis, MAX_NAME, MAX_VALUE};
use super::model::{Frame, RawEvent};
use super::{useragent, EventRow, IngestContext, PayloadError};

/// Events dated further in the future than this are dated when received (as Relay).
const MAX_SECS_IN_FUTURE: i64 = 60;
/// Events dated further in the past than this are dated when received (as Relay).
const MAX_SECS_IN_PAST: i64 = 30 * 24 * 3600;

/// Normalises an error event payload into the row stored in ClickHouse.
pub fn normalize_event(payload: &[u8], ctx: &IngestContext) -> Result<EventRow, PayloadError> {
    let event = RawEvent::parse(payload)?;
    let client = useragent::resolve(&event, ctx.client_user_agent.as_deref());
    let main = event.main_exception();
    let url = event_url(&event);
    let (tags_key, tags_value) = tags(&event);
    Ok(EventRow {
        project_id: ctx.project_id,
        event_id: event_id(&event, ctx),
        fingerprint: fingerprint::compute(&event),
        timestamp: timestamp(event.timestamp, ctx.received_at),
        received_at: epoch_secs(ctx.received_at.timestamp()),
        level: level(event.level.as_deref()),
        platform: name(event.platform.as_deref().map(str::to_ascii_lowercase).as_deref()).if_empty("other"),
        exception_type: name(main.and_then(|e| e.ty.as_deref())),
        exception_value: value(main.and_then(|e| e.value.as_deref())),
        message: value(event.message.as_deref()),
        title: title(&event),
        culprit: culprit(&event, &url),
        frames: main.map_or_else(|| "[]".to_owned(), |e| frames_json(&e.frames)),
        release: name(event.release.as_deref()),
        environment: name(event.environment.as_deref()),
        url,
        transaction_name: name(event.transaction.as_deref()),
        browser: client.browser,
        browser_version: client.browser_version,
        os: client.os,
        os_version: client.os_version,
        user_id: name(event.user.id.as_deref()),
        user_email: name(event.user.email.as_deref()),
        user_ip: user_ip(&event, ctx),
        tags_key,
        tags_value,
        breadcrumbs: breadcrumbs_json(&event.breadcrumbs)?,
        contexts: contexts_json(&event)?,
        sdk_name: name(event.sdk_name.as_deref()),
        sdk_version: name(event.sdk_version.as_deref()),
        replay_id: super::replay::event_replay_id(&event),
        sourcemap_hints: super::regroup::hints(&event),
    })
}

/// Fallbacks for empty strings, so defaults read naturally at the call site.
trait IfEmpty {
    fn if_empty(self, default: &str) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, default: &str) -> String {
        if self.is_empty() {
            default.to_owned()
        } else {
            self
        }
    }
}

/// Returns a bounded name (type, release, …) or the empty string.
pub(super) fn name(s: Option<&str>) -> String {
    s.map_or_else(String::new, |s| truncate(s, MAX_NAME).to_owned())
}

/// Returns a bounded free-text value (message, URL, …) or the empty string.
pub(super) fn value(s: Option<&str>) -> String {
    s.map_or_else(String::new, |s| truncate(s, MAX_VALUE).to_owned())
}

/// Picks the payload's event id, else the envelope's, else a fresh one.
pub(super) fn event_id(event: &RawEvent, ctx: &IngestContext) -> Uuid {
    event.event_id.or(ctx.envelope_event_id).unwrap_or_else(Uuid::new_v4)
}

/// Dates an event, replacing absent or implausible timestamps with `received_at`.
pub(super) fn timestamp(ts: Option<f64>, received_at: DateTime<Utc>) -> u32 {
    let received = received_at.timestamp();
    let secs = match ts {
        Some(t) if t >= 0.0 && t < i64::MAX as f64 => t as i64,
        _ => received,
    };
    if secs > received + MAX_SECS_IN_FUTURE || secs < received - MAX_SECS_IN_PAST {
        return epoch_secs(received);
    }
    epoch_secs(secs)
}

fn epoch_secs(secs: i64) -> u32 {
    u32::try_from(secs.max(0)).unwrap_or(u32::MAX)
}

fn level(raw: Option<&str>) -> String {
    let level = match raw.map(str::to_ascii_lowercase).as_deref() {
        Some("fatal" | "critical") => "fatal",
        Some("warning" | "warn") => "warning",
        Some("info" | "log") => "info",
        Some("debug" | "trace") => "debug",
        _ => "error",
    };
    level.to_owned()
}

/// Returns the page or request URL: `request.url`, else the `url` tag.
pub(super) fn event_url(event: &RawEvent) -> String {
    value(event.request.url.as_deref().or(event.tag("url")))
}

/// Splits tags into bounded key and value columns, keeping the last value of a
/// repeated key.
pub(super) fn tags(event: &RawEvent) -> (Vec<String>, Vec<String>) {
    let mut keys: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    for (k, v) in &event.tags {
        let k = truncate(k.trim(), limits::MAX_TAG_VALUE);
        if k.is_empty() {
            continue;
        }
        let v = truncate(v, limits::MAX_TAG_VALUE).to_owned();
        match keys.iter().position(|existing| existing == k) {
            Some(i) => values[i] = v,
            None if keys.len() < limits::MAX_TAGS => {
                keys.push(k.to_owned());
                values.push(v);
            }
            None => {}
        }
    }
    (keys, values)
}

fn user_ip(event: &RawEvent, ctx: &IngestContext) -> String {
    match event.user.ip_address.as_deref().map(str::trim) {
        Some("{{auto}}" | "{{ auto }}") => name(ctx.client_ip.as_deref()),
        other => name(other),
    }
}

fn title(event: &RawEvent) -> String {
    let first_line = |s: &str| s.lines().next().unwrap_or("").to_owned();
    let exc_title = event.main_exception().and_then(|e| {
        let value = e.value.as_deref().map(first_line).filter(|v| !v.is_empty());
        let value = value.map(|v| truncate_with_ellipsis(&v, limits::MAX_TITLE_VALUE));
        match (e.ty.as_deref(), value) {
            (Some(ty), Some(value)) => Some(format!("{}: {value}", truncate(ty, MAX_NAME))),
            (Some(ty), None) => Some(truncate(ty, MAX_NAME).to_owned()),
            (None, Some(value)) => Some(value),
            (None, None) => None,
        }
    });
    exc_title
        .or_else(|| {
            let message = first_line(event.message.as_deref()?);
            (!message.is_empty()).then(|| truncate_with_ellipsis(&message, limits::MAX_TITLE_VALUE))
        })
        .unwrap_or_else(|| "<unlabeled event>".to_owned())
}

pub(super) fn culprit(event: &RawEvent, url: &str) -> String {
    if let Some(culprit) = &event.culprit {
        return name(Some(culprit));
    }
    let in_app = event
        .main_exception()
        .and_then(|e| e.frames.iter().rev().find(|f| f.in_app == Some(true)))
        .and_then(frame_label);
    match in_app {
        Some(label) => name(Some(&label)),
        None => name(Some(event.transaction.as_deref().unwrap_or(url))),
    }
}

/// Renders a frame as `function (file)`, or whichever of the two it has.
fn frame_label(frame: &Frame) -> Option<String> {
    let file = frame_file(frame).map(strip_location).filter(|f| !f.is_empty());
    match (frame.function.as_deref(), file) {
        (Some(function), Some(file)) => Some(format!("{function} ({file})")),
        (Some(function), None) => Some(function.to_owned()),
        (None, Some(file)) => Some(file.to_owned()),
        (None, None) => None,
    }
}

#[cfg(test)]
#[path = "normalize_tests.rs"]
mod tests;
