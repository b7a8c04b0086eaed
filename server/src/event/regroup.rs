//! Grouping again after symbolication: source maps turn minified frames into
//! original ones off the request path (see `crate::sourcemaps`), and the
//! fingerprint and culprit must then come from the original frames, so that
//! one bug in two differently minified builds is one issue. This keeps the
//! few things of the payload that grouping needs besides the stored row
//! ([`SourcemapHints`]) and recomputes both with the same code as ingest.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::model::{Exception, Frame, RawEvent};
use super::{fingerprint, normalize, EventRow};
use crate::store::rows::SourcemapHints;

#[derive(Deserialize)]
struct DebugMeta {
    #[serde(default)]
    images: Vec<Value>,
}

/// Returns what regrouping needs of an error event with frames; `None` without frames.
pub fn hints(event: &RawEvent) -> Option<Box<SourcemapHints>> {
    if event.main_exception().is_none_or(|e| e.frames.is_empty()) {
        return None;
    }
    let images = event
        .debug_meta
        .and_then(|raw| serde_json::from_str::<DebugMeta>(raw.get()).ok())
        .map(|m| m.images)
        .unwrap_or_default();
    let debug_ids = images
        .iter()
        .filter(|i| i.get("type").and_then(Value::as_str) == Some("sourcemap"))
        .filter_map(|i| {
            let file = i.get("code_file").and_then(Value::as_str)?;
            let id = i.get("debug_id").and_then(Value::as_str).and_then(|s| Uuid::try_parse(s).ok())?;
            Some((file.to_string(), id))
        })
        .take(1000)
        .collect();
    Some(Box::new(SourcemapHints {
        debug_ids,
        fingerprint: event.fingerprint.as_ref().map(|f| f.iter().map(|p| p.to_string()).collect()),
        culprit: event.culprit.as_ref().map(|c| c.to_string()),
    }))
}

/// Stores `frames` as the row's frames and recomputes its fingerprint and culprit from them.
pub fn regroup(row: &mut EventRow, frames: &[Value], hints: &SourcemapHints) {
    let text = |f: &Value, k: &str| f.get(k).and_then(Value::as_str).map(|s| Cow::Owned(s.to_string()));
    let parsed: Vec<Frame> = frames
        .iter()
        .map(|f| Frame {
            filename: text(f, "filename"),
            abs_path: text(f, "abs_path"),
            function: text(f, "function"),
            module: text(f, "module"),
            lineno: f.get("lineno").and_then(Value::as_u64),
            colno: f.get("colno").and_then(Value::as_u64),
            in_app: f.get("in_app").and_then(Value::as_bool),
            ..Frame::default()
        })
        .collect();
    let event = RawEvent {
        message: (!row.message.is_empty()).then_some(Cow::Borrowed(row.message.as_str())),
        exceptions: vec![Exception {
            ty: (!row.exception_type.is_empty()).then_some(Cow::Borrowed(row.exception_type.as_str())),
            value: (!row.exception_value.is_empty()).then_some(Cow::Borrowed(row.exception_value.as_str())),
            frames: parsed,
            ..Exception::default()
        }],
        transaction: (!row.transaction_name.is_empty()).then_some(Cow::Borrowed(row.transaction_name.as_str())),
        culprit: hints.culprit.as_deref().map(Cow::Borrowed),
        fingerprint: hints.fingerprint.as_ref().map(|f| f.iter().map(|p| Cow::Borrowed(p.as_str())).collect()),
        ..RawEvent::default()
    };
    let fingerprint = fingerprint::compute(&event);
    let culprit = normalize::culprit(&event, &row.url);
    row.fingerprint = fingerprint;
    row.culprit = culprit;
    row.frames = Value::Array(frames.to_vec()).to_string();
}
