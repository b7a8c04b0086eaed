//! Splitting of Sentry envelopes (develop.sentry.dev/sdk/envelopes) into items.
//!
//! An envelope is a JSON header line followed by items; each item is a JSON
//! header line and a payload. A payload whose header carries `length` is exactly
//! that many bytes (so it may contain newlines); without `length` it runs to the
//! next newline. We split envelopes ourselves rather than with `sentry-types`
//! because its parser rejects unknown item types, which SDKs add all the time.
//! Payloads are zero-copy slices of the request body; nothing here looks inside
//! them.

use std::borrow::Cow;

use bytes::Bytes;
use serde::de::{Deserialize, IgnoredAny};

use crate::event::lenient::{lenient_object, too_deep, Scalar};

/// A split envelope: its header and its items, in order.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub header: EnvelopeHeader,
    pub items: Vec<Item>,
}

/// The fields of the envelope header Sightline reads; unknown fields are ignored.
/// Wrong-typed fields read as `None`; a repeated field counts once (the last).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvelopeHeader {
    /// Id of the event or transaction the envelope carries, if any.
    pub event_id: Option<String>,
    /// DSN the SDK was configured with; one of the ways to authenticate.
    pub dsn: Option<String>,
    /// RFC 3339 time the SDK sent the envelope.
    pub sent_at: Option<String>,
}

/// One envelope item: its type, a few header fields and the raw payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The item header's `type`: `event`, `transaction`, `attachment`, ….
    pub ty: String,
    pub content_type: Option<String>,
    pub filename: Option<String>,
    pub payload: Bytes,
}

/// Why an envelope could not be split.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("missing envelope header")]
    MissingHeader,
    #[error("invalid envelope header: {0}")]
    InvalidHeader(#[source] serde_json::Error),
    #[error("invalid item header: {0}")]
    InvalidItemHeader(String),
    #[error("item header has no type")]
    MissingItemType,
    #[error("item length exceeds envelope")]
    ItemLengthExceedsEnvelope,
    #[error("missing newline after item payload")]
    MissingNewline,
}

/// Splits an envelope body into its header and items without copying payloads.
pub fn parse(body: Bytes) -> Result<Envelope, EnvelopeError> {
    let (header_line, mut pos) = next_line(&body, 0);
    if is_blank(header_line) {
        return Err(EnvelopeError::MissingHeader);
    }
    let header = parse_header(header_line)?;

    let mut items = Vec::new();
    while pos < body.len() {
        let (line, after_header) = next_line(&body, pos);
        // Blank lines between items and at the end are tolerated, as Relay does.
        if is_blank(line) {
            pos = after_header;
            continue;
        }
        let item_header = parse_item_header(line)?;
        pos = after_header;
        let payload = match item_header.length {
            Some(length) => {
                let end = pos
                    .checked_add(length)
                    .filter(|end| *end <= body.len())
                    .ok_or(EnvelopeError::ItemLengthExceedsEnvelope)?;
                let payload = body.slice(pos..end);
                pos = match body.get(end) {
                    None => end,
                    Some(b'\n') => end + 1,
                    Some(_) => return Err(EnvelopeError::MissingNewline),
                };
                payload
            }
            None => {
                let end = find_newline(&body, pos).unwrap_or(body.len());
                let payload = body.slice(pos..end);
                pos = (end + 1).min(body.len());
                payload
            }
        };
        items.push(Item {
            ty: item_header.ty,
            content_type: item_header.content_type,
            filename: item_header.filename,
            payload,
        });
    }
    Ok(Envelope { header, items })
}

fn parse_header(line: &[u8]) -> Result<EnvelopeHeader, EnvelopeError> {
    let parsed: HeaderLine = parse_line(line).map_err(EnvelopeError::InvalidHeader)?;
    // Serde would happily read a struct from a JSON array; the spec says object.
    if !parsed.is_object {
        return Err(EnvelopeError::InvalidHeader(serde::de::Error::custom("not a json object")));
    }
    Ok(parsed.header)
}

/// Parses one header line, keeping serde_json's recursion limit for skipped fields.
fn parse_line<'a, T: Deserialize<'a>>(line: &'a [u8]) -> Result<T, serde_json::Error> {
    if too_deep(line) {
        // Let serde_json word the error exactly as it always has.
        let err = serde_json::from_slice::<serde_json::Value>(line).err();
        return Err(err.unwrap_or_else(|| serde::de::Error::custom("recursion limit exceeded")));
    }
    serde_json::from_slice(line)
}

/// An envelope header line as read; `is_object` is false for other JSON.
#[derive(Default)]
struct HeaderLine {
    is_object: bool,
    header: EnvelopeHeader,
}

lenient_object!('de, HeaderLine, init = HeaderLine { is_object: true, ..HeaderLine::default() }, |out, key, map| {
    let header = &mut out.header;
    let field = match key {
        "event_id" => &mut header.event_id,
        "dsn" => &mut header.dsn,
        "sent_at" => &mut header.sent_at,
        _ => {
            map.next_value::<IgnoredAny>()?;
            continue;
        }
    };
    // Keeps strings, turns every other JSON value into `None` instead of failing.
    *field = map.next_value::<Scalar>()?.text().map(Cow::into_owned);
});

struct ItemHeader {
    ty: String,
    length: Option<usize>,
    content_type: Option<String>,
    filename: Option<String>,
}

/// An item header line as read; `is_object` is false for other JSON.
#[derive(Default)]
struct ItemLine<'a> {
    is_object: bool,
    ty: Scalar<'a>,
    length: Scalar<'a>,
    content_type: Option<String>,
    filename: Option<String>,
}

lenient_object!('de, ItemLine<'de>, init = ItemLine { is_object: true, ..ItemLine::default() }, |item, key, map| {
    match key {
        "type" => item.ty = map.next_value()?,
        "length" => item.length = map.next_value()?,
        "content_type" => item.content_type = map.next_value::<Scalar>()?.text().map(Cow::into_owned),
        "filename" => item.filename = map.next_value::<Scalar>()?.text().map(Cow::into_owned),
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

fn parse_item_header(line: &[u8]) -> Result<ItemHeader, EnvelopeError> {
    let item: ItemLine = parse_line(line).map_err(|e| EnvelopeError::InvalidItemHeader(e.to_string()))?;
    if !item.is_object {
        return Err(EnvelopeError::InvalidItemHeader("not a json object".into()));
    }
    let ty = match item.ty {
        Scalar::Str(ty) if !ty.is_empty() => ty.into_owned(),
        _ => return Err(EnvelopeError::MissingItemType),
    };
    let length = match item.length {
        Scalar::Null => None,
        Scalar::Number(n) => match n.as_u64().and_then(|n| usize::try_from(n).ok()) {
            Some(n) => Some(n),
            None => return Err(EnvelopeError::InvalidItemHeader("invalid length".into())),
        },
        _ => return Err(EnvelopeError::InvalidItemHeader("invalid length".into())),
    };
    Ok(ItemHeader { ty, length, content_type: item.content_type, filename: item.filename })
}

/// Returns the line starting at `pos` (without its newline) and the position after it.
fn next_line(body: &[u8], pos: usize) -> (&[u8], usize) {
    match find_newline(body, pos) {
        Some(end) => (&body[pos..end], end + 1),
        None => (&body[pos..], body.len()),
    }
}

fn find_newline(body: &[u8], pos: usize) -> Option<usize> {
    body[pos..].iter().position(|b| *b == b'\n').map(|i| pos + i)
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(raw: &'static [u8]) -> Result<Envelope, EnvelopeError> {
        parse(Bytes::from_static(raw))
    }

    #[test]
    fn splits_items_with_and_without_length() {
        let env = split(
            b"{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"dsn\":\"https://e12d836b15bb49d7bbf99e64295d995b@sentry.io/42\"}\n\
              {\"type\":\"attachment\",\"length\":10,\"content_type\":\"text/plain\",\"filename\":\"hello.txt\"}\n\
              \xef\xbb\xbfHello\r\n\n\
              {\"type\":\"event\",\"length\":41,\"content_type\":\"application/json\",\"filename\":\"application.log\"}\n\
              {\"message\":\"hello world\",\"level\":\"error\"}\n\
              {\"type\":\"session\"}\n\
              {\"started\":\"2020-02-07T14:16:00Z\"}\n",
        )
        .unwrap();
        assert_eq!(env.header.event_id.as_deref(), Some("9ec79c33ec9942ab8353589fcb2e04dc"));
        assert!(env.header.dsn.unwrap().ends_with("@sentry.io/42"));
        let types: Vec<_> = env.items.iter().map(|i| i.ty.as_str()).collect();
        assert_eq!(types, ["attachment", "event", "session"]);
        assert_eq!(&env.items[0].payload[..], b"\xef\xbb\xbfHello\r\n");
        assert_eq!(env.items[0].filename.as_deref(), Some("hello.txt"));
        assert_eq!(env.items[0].content_type.as_deref(), Some("text/plain"));
        assert_eq!(&env.items[1].payload[..], b"{\"message\":\"hello world\",\"level\":\"error\"}");
        assert_eq!(&env.items[2].payload[..], b"{\"started\":\"2020-02-07T14:16:00Z\"}");
    }

    #[test]
    fn keeps_binary_payload_with_newlines_when_length_is_given() {
        let env = split(b"{}\n{\"type\":\"replay_recording\",\"length\":6}\n\x00\n\xff\n\n\x01\n").unwrap();
        assert_eq!(env.items.len(), 1);
        assert_eq!(&env.items[0].payload[..], b"\x00\n\xff\n\n\x01");
    }

    #[test]
    fn payload_may_end_at_eof_without_newline() {
        let env = split(b"{}\n{\"type\":\"event\",\"length\":2}\n{}").unwrap();
        assert_eq!(&env.items[0].payload[..], b"{}");
        let env = split(b"{}\n{\"type\":\"event\"}\n{\"a\":1}").unwrap();
        assert_eq!(&env.items[0].payload[..], b"{\"a\":1}");
    }

    #[test]
    fn payload_slices_share_the_body_buffer() {
        let body = Bytes::from_static(b"{}\n{\"type\":\"event\"}\n{\"a\":1}\n");
        let env = parse(body.clone()).unwrap();
        let start = body.as_ptr() as usize;
        let item = env.items[0].payload.as_ptr() as usize;
        assert!(item >= start && item < start + body.len());
    }

    #[test]
    fn accepts_envelope_without_items() {
        assert!(split(b"{}").unwrap().items.is_empty());
        assert!(split(b"{}\n").unwrap().items.is_empty());
        assert!(split(b"{}\n\n\n").unwrap().items.is_empty());
    }

    #[test]
    fn tolerates_trailing_and_interleaved_blank_lines() {
        let env =
            split(b"{}\n{\"type\":\"event\"}\n{}\n\n\n{\"type\":\"client_report\",\"length\":2}\n{}\n\n").unwrap();
        assert_eq!(env.items.len(), 2);
        assert_eq!(env.items[1].ty, "client_report");
    }

    #[test]
    fn empty_implicit_payload_is_an_empty_item() {
        let env = split(b"{}\n{\"type\":\"event\"}\n\n{\"type\":\"session\"}\n{}\n").unwrap();
        assert_eq!(env.items.len(), 2);
        assert!(env.items[0].payload.is_empty());
        let env = split(b"{}\n{\"type\":\"event\",\"length\":0}\n").unwrap();
        assert!(env.items[0].payload.is_empty());
    }

    #[test]
    fn ignores_unknown_and_wrong_typed_header_fields() {
        let env = split(b"{\"event_id\":12,\"sdk\":{\"name\":\"x\"},\"sent_at\":\"2024-01-01T00:00:00Z\"}\n").unwrap();
        assert_eq!(env.header.event_id, None);
        assert_eq!(env.header.sent_at.as_deref(), Some("2024-01-01T00:00:00Z"));
    }

    #[test]
    fn rejects_truncated_payload() {
        let err = split(b"{}\n{\"type\":\"event\",\"length\":100}\n{\"short\":1}\n").unwrap_err();
        assert!(matches!(err, EnvelopeError::ItemLengthExceedsEnvelope), "{err}");
    }

    #[test]
    fn rejects_length_that_does_not_end_at_a_newline() {
        let err = split(b"{}\n{\"type\":\"event\",\"length\":3}\n{\"a\":1}\n").unwrap_err();
        assert!(matches!(err, EnvelopeError::MissingNewline), "{err}");
        assert_eq!(err.to_string(), "missing newline after item payload");
    }

    #[test]
    fn rejects_invalid_json_headers() {
        assert!(matches!(split(b"").unwrap_err(), EnvelopeError::MissingHeader));
        assert!(matches!(split(b"\n{\"type\":\"event\"}\n{}").unwrap_err(), EnvelopeError::MissingHeader));
        let err = split(b"{not json\n").unwrap_err();
        assert!(matches!(err, EnvelopeError::InvalidHeader(_)));
        assert!(err.to_string().starts_with("invalid envelope header: "));
        assert!(matches!(split(b"[]\n").unwrap_err(), EnvelopeError::InvalidHeader(_)));
        let err = split(b"{}\n{\"type\":\"event\"\n{}\n").unwrap_err();
        assert!(matches!(err, EnvelopeError::InvalidItemHeader(_)), "{err}");
        let err = split(b"{}\n[\"event\"]\n{}\n").unwrap_err();
        assert!(matches!(err, EnvelopeError::InvalidItemHeader(_)), "{err}");
        let err = split(b"{}\n{\"type\":\"event\",\"length\":-1}\n{}\n").unwrap_err();
        assert!(matches!(err, EnvelopeError::InvalidItemHeader(_)), "{err}");
    }

    #[test]
    fn rejects_item_header_without_string_type() {
        let err = split(b"{}\n{\"length\":2}\n{}\n").unwrap_err();
        assert!(matches!(err, EnvelopeError::MissingItemType), "{err}");
        let err = split(b"{}\n{\"type\":7}\n{}\n").unwrap_err();
        assert!(matches!(err, EnvelopeError::MissingItemType), "{err}");
    }
}
