//! Session replay items of an envelope: `replay_event` (a segment's
//! metadata, [`crate::event::replay`]) and `replay_recording` (its rrweb
//! events), each counted as an outcome of category `replay`; a bad one is
//! dropped with its reason and the rest of the envelope is kept.
//!
//! A recording is what Sentry's JS SDK sends: a JSON header line
//! `{"segment_id":N}`, a newline, then the rrweb event array — zlib-compressed
//! (the SDK's default), gzip, or plain JSON. Limits are Relay's: at most
//! [`MAX_RECORDING_BYTES`] as sent and [`MAX_INFLATED_BYTES`] inflated. The
//! body is inflated as a stream through a counting reader and read by a
//! streaming JSON parser (which counts clicks and the time span), so a
//! decompression bomb is refused once it passes the limit, without ever
//! holding the inflated bytes. What is stored is zlib: a zlib body exactly as
//! sent (checked to end where its stream ends), any other re-compressed on
//! the way through — so the player's browser inflates it natively.
//!
//! Recordings are not scrubbed here: masking text and inputs is the
//! recording SDK's job (both ours and Sentry's mask by default).

use std::{
    cell::Cell,
    io::{self, BufReader, Read, Write},
};

use flate2::{
    read::{GzDecoder, ZlibDecoder},
    write::ZlibEncoder,
    Compression,
};
use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::envelope::Item;
use crate::{
    event::{
        limits::{truncate, MAX_VALUE},
        replay::{item_id, normalize_replay_event, segment_id},
        IngestContext,
    },
    outcomes::{ItemOutcome, Outcome},
    scrub::Scrubber,
    store::rows::{ReplaySegmentRow, Row},
};

/// Largest recording item as sent (Relay's `max_replay_compressed_size`).
pub const MAX_RECORDING_BYTES: usize = 10 * 1024 * 1024;
/// Largest recording inflated (Relay's `max_replay_uncompressed_size`).
pub const MAX_INFLATED_BYTES: u64 = 100 * 1024 * 1024;
/// Longest header line read before giving up on finding its newline.
const MAX_HEADER: usize = 1024;
/// The outcome category of every replay item.
pub const CATEGORY: &str = "replay";

/// Why a recording was refused; [`RecordingError::reason`] names its outcome.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordingError {
    #[error("replay recording over {MAX_RECORDING_BYTES} bytes")]
    TooLarge,
    #[error("replay recording inflates past {MAX_INFLATED_BYTES} bytes")]
    InflatedTooLarge,
    #[error("replay recording has no {{\"segment_id\":N}} header line")]
    BadHeader,
    #[error("replay recording is not valid compressed data: {0}")]
    BadCompression(String),
    #[error("replay recording is not an rrweb event array: {0}")]
    InvalidJson(String),
}

impl RecordingError {
    /// Names the `invalid` outcome's reason.
    pub fn reason(&self) -> &'static str {
        match self {
            RecordingError::TooLarge | RecordingError::InflatedTooLarge => "too_large",
            RecordingError::BadHeader => "invalid_replay_header",
            RecordingError::BadCompression(_) => "invalid_compression",
            RecordingError::InvalidJson(_) => "invalid_replay",
        }
    }
}

/// A recording read and checked, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    pub segment_id: u32,
    /// The rrweb event array, zlib.
    pub data: Vec<u8>,
    /// Size of the array inflated.
    pub raw_bytes: u64,
    pub clicks: u32,
    /// The page (`href`) of the first rrweb meta event, or empty.
    pub url: String,
    /// First and last rrweb timestamps, milliseconds (0 when none).
    pub first_ms: u64,
    pub last_ms: u64,
}

/// Reads, bounds and checks one `replay_recording` payload.
pub fn parse_recording(payload: &[u8]) -> Result<Recording, RecordingError> {
    if payload.len() > MAX_RECORDING_BYTES {
        return Err(RecordingError::TooLarge);
    }
    let newline = payload.iter().take(MAX_HEADER).position(|b| *b == b'\n').ok_or(RecordingError::BadHeader)?;
    let header: Value = serde_json::from_slice(&payload[..newline]).map_err(|_| RecordingError::BadHeader)?;
    let segment = header.get("segment_id").and_then(segment_id).ok_or(RecordingError::BadHeader)?;
    let body = &payload[newline + 1..];
    let inflated = Cell::new(0u64);
    let source = Source::of(body);
    let keep_as_sent = matches!(source, Source::Zlib(_));
    let encoder = (!keep_as_sent).then(|| ZlibEncoder::new(Vec::new(), Compression::default()));
    let mut reader =
        BufReader::with_capacity(64 * 1024, Tee { inner: Counted { inner: source, read: &inflated }, encoder });
    let mut de = serde_json::Deserializer::from_reader(&mut reader);
    let scan = (&mut de).deserialize_seq(ScanVisitor).and_then(|scan| de.end().map(|()| scan));
    drop(de);
    let scan = scan.map_err(|e| {
        if inflated.get() > MAX_INFLATED_BYTES {
            RecordingError::InflatedTooLarge
        } else if e.is_io() {
            RecordingError::BadCompression(e.to_string())
        } else {
            RecordingError::InvalidJson(e.to_string())
        }
    })?;
    let tee = reader.into_inner();
    let data = match (tee.encoder, tee.inner.inner) {
        (Some(encoder), _) => encoder.finish().map_err(|e| RecordingError::BadCompression(e.to_string()))?,
        // Stored as sent, so it must be one whole zlib stream and nothing after it.
        (None, Source::Zlib(decoder)) if decoder.total_in() as usize == body.len() => body.to_vec(),
        (None, _) => return Err(RecordingError::BadCompression("bytes after the end of the zlib stream".into())),
    };
    Ok(Recording {
        segment_id: segment,
        data,
        raw_bytes: inflated.get(),
        clicks: scan.clicks,
        url: scan.url.unwrap_or_default(),
        first_ms: scan.first_ms.unwrap_or(0),
        last_ms: scan.last_ms,
    })
}

/// The body's compression, told by its first bytes.
enum Source<'a> {
    Zlib(ZlibDecoder<&'a [u8]>),
    Gzip(GzDecoder<&'a [u8]>),
    Plain(&'a [u8]),
}

impl<'a> Source<'a> {
    fn of(body: &'a [u8]) -> Self {
        match body {
            [a, b, ..] if a & 0x0f == 8 && (u16::from(*a) << 8 | u16::from(*b)) % 31 == 0 => {
                Source::Zlib(ZlibDecoder::new(body))
            }
            [0x1f, 0x8b, ..] => Source::Gzip(GzDecoder::new(body)),
            _ => Source::Plain(body),
        }
    }
}

impl Read for Source<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Zlib(d) => d.read(buf),
            Source::Gzip(d) => d.read(buf),
            Source::Plain(b) => b.read(buf),
        }
    }
}

/// Counts what passes and fails once past [`MAX_INFLATED_BYTES`].
struct Counted<'c, R> {
    inner: R,
    read: &'c Cell<u64>,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        if self.read.get() > MAX_INFLATED_BYTES {
            return Err(io::Error::other("inflated past the limit"));
        }
        Ok(n)
    }
}

/// Copies what passes into a zlib encoder, when there is one.
struct Tee<'c, R> {
    inner: Counted<'c, R>,
    encoder: Option<ZlibEncoder<Vec<u8>>>,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(encoder) = &mut self.encoder {
            encoder.write_all(&buf[..n])?;
        }
        Ok(n)
    }
}

/// What the scan of an rrweb event array found.
#[derive(Default)]
struct Scan {
    clicks: u32,
    url: Option<String>,
    first_ms: Option<u64>,
    last_ms: u64,
}

/// One rrweb event, as far as the list needs it (the rest is skipped unread).
#[derive(Deserialize)]
struct RrwebEvent {
    #[serde(default, rename = "type")]
    ty: Value,
    #[serde(default)]
    timestamp: Value,
    #[serde(default)]
    data: Option<RrwebData>,
}

#[derive(Deserialize)]
struct RrwebData {
    #[serde(default)]
    source: Value,
    #[serde(default, rename = "type")]
    ty: Value,
    #[serde(default)]
    href: Value,
}

/// rrweb: event type 4 (meta: the page's URL and size).
const META: u64 = 4;
/// rrweb: event type 3 (incremental), source 2 (mouse interaction), type 2 (click).
const INCREMENTAL: u64 = 3;
const MOUSE_INTERACTION: u64 = 2;
const CLICK: u64 = 2;

struct ScanVisitor;

impl<'de> Visitor<'de> for ScanVisitor {
    type Value = Scan;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of rrweb events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scan, A::Error> {
        let mut scan = Scan::default();
        while let Some(event) = seq.next_element::<RrwebEvent>()? {
            if let Some(ms) = event.timestamp.as_f64().filter(|t| *t > 0.0 && *t < 1e15).map(|t| t as u64) {
                scan.first_ms = Some(scan.first_ms.map_or(ms, |f| f.min(ms)));
                scan.last_ms = scan.last_ms.max(ms);
            }
            let is_click = event.ty.as_u64() == Some(INCREMENTAL)
                && event
                    .data
                    .as_ref()
                    .is_some_and(|d| d.source.as_u64() == Some(MOUSE_INTERACTION) && d.ty.as_u64() == Some(CLICK));
            scan.clicks = scan.clicks.saturating_add(u32::from(is_click));
            if scan.url.is_none() && event.ty.as_u64() == Some(META) {
                let href = event.data.as_ref().and_then(|d| d.href.as_str());
                scan.url = href.map(|h| truncate(h, MAX_VALUE).to_owned());
            }
        }
        Ok(scan)
    }
}

/// Turns the envelope's replay items into rows, counting each. The
/// recording's replay is the `replay_event`'s of the same envelope, else the
/// envelope header's `event_id` (as the JS SDK sends it).
pub fn attach(
    items: &[&Item],
    ctx: &IngestContext,
    max_event_bytes: usize,
    scrubber: Option<&Scrubber>,
    rows: &mut Vec<Row>,
    outcomes: &mut Vec<ItemOutcome>,
) {
    let invalid = |reason: &str| ItemOutcome::new(Outcome::Invalid, CATEGORY, reason, 1);
    let mut replay: Option<(Uuid, u32)> = None;
    for item in items.iter().filter(|i| i.ty == "replay_event") {
        if item.payload.len() > max_event_bytes {
            outcomes.push(invalid("too_large"));
            continue;
        }
        let payload = match scrubber {
            Some(scrubber) => scrubber.scrub_payload(&item.payload),
            None => std::borrow::Cow::Borrowed(&item.payload[..]),
        };
        match normalize_replay_event(&payload, ctx) {
            Ok(row) => {
                replay.get_or_insert((row.replay_id, row.timestamp));
                outcomes.push(ItemOutcome::new(Outcome::Accepted, CATEGORY, "", 1));
                rows.push(Row::Replay(row));
            }
            Err(_) => outcomes.push(invalid("invalid_replay_event")),
        }
    }
    let replay = replay.or_else(|| ctx.envelope_event_id.map(|id| (id, 0)));
    for item in items.iter().filter(|i| i.ty != "replay_event") {
        if item.ty != "replay_recording" {
            // replay_video (mobile) and the like.
            outcomes.push(ItemOutcome::new(Outcome::Filtered, CATEGORY, "not_stored", 1));
            continue;
        }
        let Some((replay_id, ts)) = replay else {
            outcomes.push(invalid("missing_replay_id"));
            continue;
        };
        match parse_recording(&item.payload) {
            Ok(rec) => {
                let timestamp = if ts > 0 { ts } else { ctx.received_at.timestamp().max(0) as u32 };
                outcomes.push(ItemOutcome::new(Outcome::Accepted, CATEGORY, "", 1));
                rows.push(Row::ReplaySegment(ReplaySegmentRow {
                    project_id: ctx.project_id,
                    replay_id,
                    segment_id: rec.segment_id,
                    item_id: item_id(replay_id, rec.segment_id),
                    timestamp,
                    first_ms: rec.first_ms,
                    last_ms: rec.last_ms,
                    clicks: rec.clicks,
                    url: rec.url,
                    raw_bytes: rec.raw_bytes,
                    stored_bytes: rec.data.len() as u64,
                    data: rec.data,
                }));
            }
            Err(e) => outcomes.push(invalid(e.reason())),
        }
    }
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
