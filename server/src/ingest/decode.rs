//! Request bodies: read with a size cap, then undo `Content-Encoding`
//! (gzip, deflate — zlib-wrapped or raw, as browsers and SDKs differ —, br
//! and zstd, the four Relay accepts) while
//! refusing to inflate past the decompressed-size cap, which is what stops a
//! decompression bomb. Inflating is CPU work of unknown length (a 64 KiB
//! gzip body may hold 40 MiB), so every compressed body is decoded — and
//! processed — on the blocking pool, never on an async worker
//! ([`runs_inline`]).

use std::io::Read;

use axum::body::Body;
use bytes::Bytes;
use flate2::read::{DeflateDecoder, GzDecoder, ZlibDecoder};

use super::error::IngestError;

/// Plain bodies up to this size are processed on the async worker: cheaper
/// than a hop to the blocking pool, and bounded work.
pub const INLINE_LIMIT: usize = 64 * 1024;

/// Tells whether a body of `len` bytes in `encoding` may be processed on the
/// async worker; anything compressed, or large, goes to the blocking pool.
pub fn runs_inline(encoding: Option<&str>, len: usize) -> bool {
    let plain = encoding.map(str::trim).is_none_or(|e| e.is_empty() || e.eq_ignore_ascii_case("identity"));
    plain && len <= INLINE_LIMIT
}

/// Reads the whole body, refusing more than `limit` bytes.
pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, IngestError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        // axum reports an exceeded limit as a `LengthLimitError` source.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(err) = source {
            if err.is::<http_body_util::LengthLimitError>() {
                return IngestError::BodyTooLarge(limit);
            }
            source = err.source();
        }
        IngestError::BodyRead(e.to_string())
    })
}

/// Decodes `body` according to the `Content-Encoding` header value.
pub fn decode(encoding: Option<&str>, body: Bytes, cap: usize) -> Result<Bytes, IngestError> {
    let encoding = encoding.map(|e| e.trim().to_ascii_lowercase()).unwrap_or_default();
    match encoding.as_str() {
        "" | "identity" => {
            if body.len() > cap {
                return Err(IngestError::DecompressedTooLarge(cap));
            }
            Ok(body)
        }
        "gzip" | "x-gzip" => inflate(GzDecoder::new(&body[..]), cap, "gzip"),
        "deflate" => {
            // RFC 9110 says zlib-wrapped, but some clients send raw deflate.
            if body.len() >= 2 && (u16::from(body[0]) << 8 | u16::from(body[1])) % 31 == 0 && body[0] & 0x0f == 8 {
                inflate(ZlibDecoder::new(&body[..]), cap, "deflate")
            } else {
                inflate(DeflateDecoder::new(&body[..]), cap, "deflate")
            }
        }
        "br" => inflate(brotli::Decompressor::new(&body[..], 4096), cap, "br"),
        "zstd" => {
            let bad = |e: std::io::Error| IngestError::BadCompression("zstd", e.to_string());
            inflate(zstd_reader(&body[..]).map_err(bad)?, cap, "zstd")
        }
        other => Err(IngestError::UnsupportedEncoding(other.to_string())),
    }
}

/// Largest zstd window accepted (16 MiB): a frame may ask its decoder for up
/// to 2 GiB of window before producing a byte; SDKs' levels use at most 8 MiB.
pub const ZSTD_WINDOW_LOG_MAX: u32 = 24;

/// Returns a zstd decoder of `body` whose window is capped at [`ZSTD_WINDOW_LOG_MAX`].
pub fn zstd_reader(body: &[u8]) -> std::io::Result<impl Read + '_> {
    let mut decoder = zstd::stream::read::Decoder::with_buffer(body)?;
    decoder.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
    Ok(decoder)
}

fn inflate(reader: impl Read, cap: usize, name: &'static str) -> Result<Bytes, IngestError> {
    let mut out = Vec::new();
    reader.take(cap as u64 + 1).read_to_end(&mut out).map_err(|e| IngestError::BadCompression(name, e.to_string()))?;
    if out.len() > cap {
        return Err(IngestError::DecompressedTooLarge(cap));
    }
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::GzEncoder, write::ZlibEncoder, Compression};
    use std::io::Write;

    fn gzip(data: &[u8]) -> Bytes {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        Bytes::from(e.finish().unwrap())
    }

    #[test]
    fn gzip_round_trips() {
        assert_eq!(&decode(Some("gzip"), gzip(b"hello"), 100).unwrap()[..], b"hello");
    }

    #[test]
    fn zlib_and_raw_deflate_both_decode() {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::fast());
        z.write_all(b"zlib body").unwrap();
        assert_eq!(&decode(Some("deflate"), Bytes::from(z.finish().unwrap()), 100).unwrap()[..], b"zlib body");
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), Compression::fast());
        d.write_all(b"raw body").unwrap();
        assert_eq!(&decode(Some("deflate"), Bytes::from(d.finish().unwrap()), 100).unwrap()[..], b"raw body");
    }

    #[test]
    fn only_small_plain_bodies_run_on_the_async_worker() {
        assert!(runs_inline(None, 1000));
        assert!(runs_inline(Some(" Identity "), INLINE_LIMIT));
        assert!(!runs_inline(None, INLINE_LIMIT + 1));
        for encoding in ["gzip", "x-gzip", "deflate", "DEFLATE", "br"] {
            assert!(!runs_inline(Some(encoding), 100), "{encoding}: a tiny body may still inflate to the cap");
        }
    }

    #[test]
    fn brotli_and_zstd_round_trip() {
        let mut br = Vec::new();
        brotli::BrotliCompress(&mut &b"brotli body"[..], &mut br, &Default::default()).unwrap();
        assert_eq!(&decode(Some("br"), Bytes::from(br), 100).unwrap()[..], b"brotli body");
        let zst = zstd::encode_all(&b"zstd body"[..], 3).unwrap();
        assert_eq!(&decode(Some(" ZSTD "), Bytes::from(zst), 100).unwrap()[..], b"zstd body");
    }

    #[test]
    fn brotli_and_zstd_bombs_stop_at_the_cap() {
        let zeros = vec![0u8; 5_000_000];
        let mut br = Vec::new();
        brotli::BrotliCompress(&mut &zeros[..], &mut br, &Default::default()).unwrap();
        assert!(br.len() < 10_000, "{}", br.len());
        assert!(matches!(decode(Some("br"), Bytes::from(br), 1_000_000), Err(IngestError::DecompressedTooLarge(_))));
        let zst = zstd::encode_all(&zeros[..], 19).unwrap();
        assert!(matches!(decode(Some("zstd"), Bytes::from(zst), 1_000_000), Err(IngestError::DecompressedTooLarge(_))));
        for (encoding, junk) in [("br", &b"\xff\xff not brotli"[..]), ("zstd", b"not zstd")] {
            let got = decode(Some(encoding), Bytes::from_static(junk), 100);
            assert!(matches!(got, Err(IngestError::BadCompression(..))), "{encoding}: {got:?}");
        }
    }

    #[test]
    fn bomb_stops_at_the_cap() {
        let bomb = gzip(&vec![0u8; 5_000_000]);
        assert!(bomb.len() < 100_000);
        assert!(matches!(decode(Some("gzip"), bomb, 1_000_000), Err(IngestError::DecompressedTooLarge(_))));
    }

    #[test]
    fn garbage_and_unknown_encodings_are_refused() {
        assert!(matches!(
            decode(Some("gzip"), Bytes::from_static(b"not gzip"), 100),
            Err(IngestError::BadCompression(..))
        ));
        let refused = decode(Some("compress"), Bytes::from_static(b"x"), 100);
        assert!(matches!(refused, Err(IngestError::UnsupportedEncoding(_))));
    }
}
