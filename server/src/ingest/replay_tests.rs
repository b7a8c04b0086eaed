//! Recording parser tests on raw byte fixtures.

use std::io::{Read, Write};

use flate2::{read::ZlibDecoder, write::GzEncoder, write::ZlibEncoder, Compression};

use super::*;

const EVENTS: &str = r#"[{"type":4,"data":{"href":"https://shop.example/","width":800,"height":600},"timestamp":1796507460000},
{"type":2,"data":{"node":{"type":0,"childNodes":[]},"initialOffset":{"left":0,"top":0}},"timestamp":1796507460010},
{"type":3,"data":{"source":2,"type":2,"id":12,"x":5,"y":6},"timestamp":1796507461000},
{"type":3,"data":{"source":2,"type":1,"id":12},"timestamp":1796507461500},
{"type":3,"data":{"source":2,"type":2,"id":13},"timestamp":1796507462000}]"#;

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn with_header(segment: u32, body: &[u8]) -> Vec<u8> {
    let mut out = format!("{{\"segment_id\":{segment}}}\n").into_bytes();
    out.extend_from_slice(body);
    out
}

fn inflate(data: &[u8]) -> String {
    let mut out = String::new();
    ZlibDecoder::new(data).read_to_string(&mut out).unwrap();
    out
}

#[test]
fn a_zlib_recording_is_kept_as_sent_with_its_clicks_and_time_span() {
    let body = zlib(EVENTS.as_bytes());
    let rec = parse_recording(&with_header(3, &body)).unwrap();
    assert_eq!(rec.segment_id, 3);
    assert_eq!(rec.data, body, "zlib is stored exactly as the SDK compressed it");
    assert_eq!((rec.clicks, rec.first_ms, rec.last_ms), (2, 1_796_507_460_000, 1_796_507_462_000));
    assert_eq!(rec.raw_bytes, EVENTS.len() as u64);
    assert_eq!(rec.url, "https://shop.example/", "the meta event's page");
}

#[test]
fn plain_and_gzip_recordings_are_stored_as_zlib() {
    let rec = parse_recording(&with_header(0, EVENTS.as_bytes())).unwrap();
    assert_eq!(inflate(&rec.data), EVENTS);
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(EVENTS.as_bytes()).unwrap();
    let rec = parse_recording(&with_header(1, &gz.finish().unwrap())).unwrap();
    assert_eq!((inflate(&rec.data).as_str(), rec.clicks), (EVENTS, 2));
}

#[test]
fn bad_recordings_are_refused_with_their_reason() {
    let body = zlib(EVENTS.as_bytes());
    let mut corrupt = body.clone();
    let mid = corrupt.len() / 2;
    corrupt[mid..].iter_mut().for_each(|b| *b ^= 0x5a);
    let err = parse_recording(&with_header(0, &corrupt)).unwrap_err();
    assert!(matches!(err.reason(), "invalid_compression" | "invalid_replay"), "{err}");
    let mut trailing = body.clone();
    trailing.extend_from_slice(b"junk");
    assert_eq!(parse_recording(&with_header(0, &trailing)).unwrap_err().reason(), "invalid_compression");
    assert_eq!(parse_recording(&body).unwrap_err(), RecordingError::BadHeader, "no header line");
    assert_eq!(parse_recording(b"{\"segment\":1}\n[]").unwrap_err(), RecordingError::BadHeader);
    assert_eq!(parse_recording(&with_header(0, b"{\"a\":1}")).unwrap_err().reason(), "invalid_replay");
    assert_eq!(parse_recording(&with_header(0, b"[1,2]")).unwrap_err().reason(), "invalid_replay");
    assert_eq!(parse_recording(&with_header(0, b"[] []")).unwrap_err().reason(), "invalid_replay");
    let huge = vec![b' '; MAX_RECORDING_BYTES + 1];
    assert_eq!(parse_recording(&huge).unwrap_err(), RecordingError::TooLarge);
}

#[test]
fn a_decompression_bomb_is_refused_while_inflating() {
    // 200 MiB of JSON whitespace inside an array: valid JSON all the way, so
    // only the inflate limit stops it.
    let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
    e.write_all(b"[").unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..200 {
        e.write_all(&chunk).unwrap();
    }
    e.write_all(b"]").unwrap();
    let bomb = e.finish().unwrap();
    assert!(bomb.len() < MAX_RECORDING_BYTES);
    assert_eq!(parse_recording(&with_header(0, &bomb)).unwrap_err(), RecordingError::InflatedTooLarge);
}
