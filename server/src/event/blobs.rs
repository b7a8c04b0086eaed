//! The three JSON blobs of an error row: the main exception's frames, the
//! breadcrumbs, and the contexts blob (contexts, extra, the scrubbed request,
//! user and all chained exceptions) that the detail page shows.
//!
//! They are written straight into a byte buffer: our own fields through
//! serde (keys in the sorted order a `serde_json::Map` gave them), the
//! SDK's objects copied from the payload ([`rawjson`]). Only a blob over its
//! size limit is parsed back into a `Value` and shrunk ([`limits`]).

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::lenient::{reparse, Entries, List, Scalar, Text};
use super::limits::{self, truncate, Shape, MAX_VALUE};
use super::model::{Exception, Frame, RawEvent, Request};
use super::{rawjson, PayloadError};

/// Request headers whose values are secrets and never stored.
const SENSITIVE_HEADERS: [&str; 6] =
    ["authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key", "x-sentry-auth"];
const FILTERED: &[u8] = b"\"[Filtered]\"";
/// Limits of each stored breadcrumb.
const BREADCRUMB: Shape = Shape { max_string: 2048, max_items: 50, max_depth: 5 };

/// Renders frames as a JSON array, innermost last, dropping the middle of
/// overly deep stacks (recursion) while keeping both ends.
pub fn frames_json(frames: &[Frame]) -> String {
    let mut out = Vec::with_capacity(128 * frames.len().min(limits::MAX_FRAMES) + 2);
    write_frames(&mut out, frames);
    into_string(out)
}

fn write_frames(out: &mut Vec<u8>, frames: &[Frame]) {
    const KEEP_OUTER: usize = 50;
    let (outer, inner) = if frames.len() > limits::MAX_FRAMES {
        let inner = limits::MAX_FRAMES - KEEP_OUTER;
        (&frames[..KEEP_OUTER], &frames[frames.len() - inner..])
    } else {
        (frames, &frames[..0])
    };
    out.push(b'[');
    for (i, frame) in outer.iter().chain(inner).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, &FrameOut::new(frame));
    }
    out.push(b']');
}

/// A stored frame; fields in alphabetical order, as the `Value` map had them.
#[derive(Serialize)]
struct FrameOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    abs_path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    colno: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context_line: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    function: Option<&'a str>,
    in_app: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    lineno: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    module: Option<&'a str>,
    #[serde(skip_serializing_if = "Lines::is_empty")]
    post_context: Lines<'a>,
    #[serde(skip_serializing_if = "Lines::is_empty")]
    pre_context: Lines<'a>,
}

impl<'a> FrameOut<'a> {
    fn new(frame: &'a Frame) -> Self {
        let bounded = |s: &'a Option<Text>| s.as_deref().map(|s| truncate(s, MAX_VALUE));
        let pre = &frame.pre_context;
        let post = &frame.post_context;
        FrameOut {
            abs_path: bounded(&frame.abs_path),
            colno: frame.colno,
            context_line: frame.context_line.as_deref().map(|l| truncate(l, 1024)),
            filename: bounded(&frame.filename),
            function: bounded(&frame.function),
            in_app: frame.in_app.unwrap_or(false),
            lineno: frame.lineno,
            module: bounded(&frame.module),
            post_context: Lines(&post[..post.len().min(limits::MAX_CONTEXT_LINES)]),
            pre_context: Lines(&pre[pre.len().saturating_sub(limits::MAX_CONTEXT_LINES)..]),
        }
    }
}

/// Source lines around a frame, each cut to 1 KiB.
struct Lines<'a>(&'a [Text<'a>]);

impl Lines<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Lines<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|l| truncate(l, 1024)))
    }
}

/// Renders the newest breadcrumbs, each bounded, the whole within its limit.
pub fn breadcrumbs_json(breadcrumbs: &[&RawValue]) -> Result<String, PayloadError> {
    let newest = &breadcrumbs[breadcrumbs.len().saturating_sub(limits::MAX_BREADCRUMBS)..];
    let mut out = Vec::with_capacity(newest.iter().map(|b| b.get().len() + 1).sum::<usize>() + 2);
    out.push(b'[');
    for (i, crumb) in newest.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        rawjson::copy_shrunk(&mut out, crumb, BREADCRUMB)?;
    }
    out.push(b']');
    fit(out, limits::MAX_BREADCRUMBS_JSON, "[]")
}

/// Renders contexts, extra, the scrubbed request, user and all exceptions.
pub fn contexts_json(event: &RawEvent) -> Result<String, PayloadError> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"{\"contexts\":");
    copy_or_empty(&mut out, event.contexts.raw)?;
    out.extend_from_slice(b",\"exceptions\":[");
    for (i, exc) in event.exceptions.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_exception(&mut out, exc)?;
    }
    out.extend_from_slice(b"],\"extra\":");
    copy_or_empty(&mut out, event.extra)?;
    out.extend_from_slice(b",\"request\":");
    write_scrubbed_request(&mut out, &event.request)?;
    let user = &event.user;
    out.extend_from_slice(b",\"user\":");
    write(
        &mut out,
        &UserOut { email: user.email.as_deref(), id: user.id.as_deref(), username: user.username.as_deref() },
    );
    out.push(b'}');
    fit(out, limits::MAX_CONTEXTS_JSON, "{}")
}

#[derive(Serialize)]
struct UserOut<'a> {
    email: Option<&'a str>,
    id: Option<&'a str>,
    username: Option<&'a str>,
}

fn write_exception(out: &mut Vec<u8>, exc: &Exception) -> Result<(), PayloadError> {
    out.extend_from_slice(b"{\"frames\":");
    write_frames(out, &exc.frames);
    out.extend_from_slice(b",\"mechanism\":");
    match exc.mechanism {
        Some(raw) => rawjson::copy(out, raw)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"module\":");
    write(out, &exc.module);
    out.extend_from_slice(b",\"type\":");
    write(out, &exc.ty);
    out.extend_from_slice(b",\"value\":");
    write(out, &exc.value.as_deref().map(|v| truncate(v, MAX_VALUE)));
    out.push(b'}');
    Ok(())
}

fn copy_or_empty(out: &mut Vec<u8>, raw: Option<&RawValue>) -> Result<(), PayloadError> {
    match raw {
        Some(raw) => rawjson::copy(out, raw),
        None => {
            out.extend_from_slice(b"{}");
            Ok(())
        }
    }
}

/// Copies the request interface with secret headers and cookies replaced,
/// as Sentry's default server-side scrubbing does.
fn write_scrubbed_request(out: &mut Vec<u8>, request: &Request) -> Result<(), PayloadError> {
    let Some(entries) = &request.raw else {
        out.extend_from_slice(b"{}");
        return Ok(());
    };
    out.push(b'{');
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, key);
        out.push(b':');
        match key.as_ref() {
            "headers" => write_scrubbed_headers(out, value)?,
            "cookies" => out.extend_from_slice(FILTERED),
            _ => rawjson::copy(out, value)?,
        }
    }
    out.push(b'}');
    Ok(())
}

fn write_scrubbed_headers(out: &mut Vec<u8>, headers: &RawValue) -> Result<(), PayloadError> {
    let sensitive = |k: &str| SENSITIVE_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(k));
    let raw = headers.get();
    if raw.starts_with('{') {
        let entries = reparse::<Entries>(headers).0.unwrap_or_default();
        out.push(b'{');
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write(out, key);
            out.push(b':');
            if sensitive(key) {
                out.extend_from_slice(FILTERED);
            } else {
                rawjson::copy(out, value)?;
            }
        }
        out.push(b'}');
    } else if raw.starts_with('[') {
        let items = reparse::<List<&RawValue>>(headers).0.unwrap_or_default();
        out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let pair = item.get().starts_with('[').then(|| reparse::<List<&RawValue>>(item).0).flatten();
            match pair.as_deref() {
                Some([key, _]) if reparse::<Scalar>(key).text().is_some_and(|k| sensitive(&k)) => {
                    out.push(b'[');
                    rawjson::copy(out, key)?;
                    out.push(b',');
                    out.extend_from_slice(FILTERED);
                    out.push(b']');
                }
                _ => rawjson::copy(out, item)?,
            }
        }
        out.push(b']');
    } else {
        rawjson::copy(out, headers)?;
    }
    Ok(())
}

/// Appends `value` as JSON; our own types always serialise.
fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(out, value).expect("plain data serialises to JSON");
}

/// Returns the blob, shrunk step by step when over `max` bytes.
fn fit(out: Vec<u8>, max: usize, fallback: &str) -> Result<String, PayloadError> {
    if out.len() <= max {
        return Ok(into_string(out));
    }
    let value = serde_json::from_slice(&out).map_err(|e| PayloadError::InvalidJson(e.to_string()))?;
    Ok(limits::shrink_to_fit(&value, max, fallback))
}

fn into_string(out: Vec<u8>) -> String {
    // Everything written is JSON text: UTF-8 from serde_json or from the (UTF-8) payload.
    String::from_utf8(out).expect("JSON output is UTF-8")
}
