//! Entry points for the `cargo fuzz` targets in `fuzz/` (compiled only with
//! the `fuzzing` feature, which only that crate turns on). Each takes raw
//! bytes, drives one hostile-input parser the way the server does, and
//! panics when an invariant breaks, so libFuzzer reports it: payload slices
//! inside the body, decoded sizes under the cap, normalised rows whose JSON
//! blobs parse and which survive the spool's JSON round trip, source-map
//! uploads that never exceed their caps. Parsers stay private to their
//! modules; this module only re-enters them through their normal paths.

use std::io::Write;

use bytes::Bytes;
use chrono::{TimeZone, Utc};

use crate::{
    event::{self, IngestContext},
    ingest::{decode, envelope, process},
    sourcemaps::artifacts::{self, Limits},
    store::rows::{EventRow, Row, TransactionRow},
};

/// The event size limit of the default config (1 MiB, as Relay).
const MAX_EVENT_BYTES: usize = 1024 * 1024;

fn facts() -> process::RequestFacts {
    process::RequestFacts {
        project_id: 42,
        received_at: Utc.timestamp_opt(1_733_300_000, 0).unwrap(),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36".into()),
        client_ip: Some("127.0.0.1".into()),
        max_event_bytes: MAX_EVENT_BYTES,
    }
}

/// Splits `data` as an envelope and checks the split; then runs the whole
/// ingest processing (split + normalise every item) on it.
pub fn envelope(data: &[u8]) {
    let body = Bytes::copy_from_slice(data);
    if let Ok(env) = envelope::parse(body.clone()) {
        let start = body.as_ptr() as usize;
        let mut covered = 0usize;
        for item in &env.items {
            assert!(!item.ty.is_empty(), "an item without a type was accepted");
            let at = item.payload.as_ptr() as usize;
            if !item.payload.is_empty() {
                assert!(at >= start && at + item.payload.len() <= start + body.len(), "payload outside the body");
            }
            covered += item.payload.len();
        }
        assert!(covered <= body.len(), "payloads longer than the body");
    }
    if let Ok(processed) = process::envelope(body, &facts()) {
        for row in &processed.rows {
            check_row(row);
        }
    }
}

/// Runs the legacy `/store/` processing (one JSON event or transaction).
pub fn store(data: &[u8]) {
    if let Ok(processed) = process::store(Bytes::copy_from_slice(data), &facts()) {
        processed.rows.iter().for_each(check_row);
    }
}

/// Normalises `data` both as an error event and as a transaction.
pub fn normalize(data: &[u8]) {
    let ctx = IngestContext {
        project_id: 42,
        received_at: Utc.timestamp_opt(1_733_300_000, 0).unwrap(),
        client_user_agent: Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) Safari/605.1.15".into()),
        client_ip: Some("::1".into()),
        envelope_event_id: None,
    };
    if let Ok(row) = event::normalize_event(data, &ctx) {
        check_event(&row);
    }
    if let Ok(row) = event::normalize_transaction(data, &ctx) {
        check_transaction(&row);
    }
}

/// Decodes `data` the way ingest does: the first byte picks the
/// `Content-Encoding`, the second the decompressed-size cap; the rest is the
/// body. Also round-trips the body through a real encoder: what gzip or
/// deflate wrote must come back byte for byte when it fits the cap.
pub fn decode(data: &[u8]) {
    let Some((&[which, cap], body)) = data.split_first_chunk::<2>() else { return };
    let encodings = [None, Some("identity"), Some("gzip"), Some("x-gzip"), Some("deflate"), Some(" GZIP "), Some("br")];
    let encoding = encodings[usize::from(which) % encodings.len()];
    let cap = usize::from(cap) * 256;
    if let Ok(out) = decode::decode(encoding, Bytes::copy_from_slice(body), cap) {
        assert!(out.len() <= cap, "decoded {} bytes past the cap of {cap}", out.len());
    }
    let encoded = match which % 3 {
        0 => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(body).unwrap();
            (Some("gzip"), e.finish().unwrap())
        }
        1 => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(body).unwrap();
            (Some("deflate"), e.finish().unwrap())
        }
        _ => {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(body).unwrap();
            (Some("deflate"), e.finish().unwrap())
        }
    };
    match decode::decode(encoded.0, Bytes::from(encoded.1), cap) {
        Ok(out) => assert_eq!(&out[..], body, "a {:?} round trip changed the body", encoded.0),
        Err(e) => assert!(body.len() > cap, "a valid {:?} body of {} bytes was refused: {e}", encoded.0, body.len()),
    }
}

/// Checks a source-map upload the way the upload endpoint does. The first
/// byte picks the shape: a zip of a build folder (the rest of the input), or
/// up to three named files separated by NUL bytes (`name\0content\0…`).
pub fn sourcemap_upload(data: &[u8]) {
    let Some((&shape, rest)) = data.split_first() else { return };
    let limits = Limits { max_file_bytes: 64 * 1024, max_zip_entries: 64, max_zip_bytes: 256 * 1024 };
    let checked = if shape % 2 == 0 {
        match artifacts::unzip(rest, "~/static/", &limits) {
            Ok(files) => {
                assert!(files.len() <= limits.max_zip_entries, "more entries than the cap");
                let total: usize = files.iter().map(|a| a.content.len()).sum();
                assert!(total as u64 <= limits.max_zip_bytes, "{total} bytes unzipped past the cap");
                files
            }
            Err(_) => return,
        }
    } else {
        let mut parts = rest.split(|b| *b == 0);
        let mut files = Vec::new();
        while let (Some(name), Some(content)) = (parts.next(), parts.next()) {
            let name = artifacts::artifact_name("https://cdn.example/a/", &String::from_utf8_lossy(name));
            let Ok(content) = artifacts::read_capped(&name, content, limits.max_file_bytes) else { continue };
            if let Ok(artifact) = artifacts::check_file(name, content) {
                files.push(artifact);
            }
        }
        files
    };
    for a in &checked {
        if let Some(reference) = &a.sourcemap_name {
            // Resolving a reference never panics whatever the names hold.
            let _ = artifacts::resolve(&a.name, reference);
        }
    }
    let _ = artifacts::check_pairs(&checked);
}

fn check_row(row: &Row) {
    match row {
        Row::Event(e) => check_event(e),
        Row::Transaction(t) => check_transaction(t),
        Row::Feedback(_) | Row::Screenshot(_) | Row::Replay(_) | Row::ReplaySegment(_) => {}
    }
}

/// A stored event's JSON blobs parse, and the row survives the spool (JSON lines).
fn check_event(row: &EventRow) {
    for (what, blob) in [("frames", &row.frames), ("breadcrumbs", &row.breadcrumbs), ("contexts", &row.contexts)] {
        if !blob.is_empty() {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(blob) {
                panic!("{what} is not JSON ({e}): {blob}");
            }
        }
    }
    assert_eq!(row.tags_key.len(), row.tags_value.len(), "tag keys and values differ in number");
    assert_eq!(row.fingerprint.len(), 32, "fingerprint {:?}", row.fingerprint);
    let spooled = serde_json::to_string(row).expect("an event row serialises");
    let back: EventRow = serde_json::from_str(&spooled).expect("a spooled event row reads back");
    let mut expected = row.clone();
    expected.sourcemap_hints = None;
    assert_eq!(back, expected, "the spool changed an event row");
}

fn check_transaction(row: &TransactionRow) {
    let spooled = serde_json::to_string(row).expect("a transaction row serialises");
    let back: Result<TransactionRow, _> = serde_json::from_str(&spooled);
    let back = back.unwrap_or_else(|e| panic!("a spooled transaction row does not read back ({e}): {spooled}"));
    assert_eq!(&back, row, "the spool changed a transaction row");
}
