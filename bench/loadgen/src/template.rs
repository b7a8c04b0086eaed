//! Request body templates: a body file with per-request placeholders.
//!
//! The file is sent byte for byte except for three placeholders, so every
//! posted event is distinct and fresh: `{uuid}` becomes one new 32-hex event
//! id per request (the same id at every occurrence, so an envelope header and
//! its event agree), `{timestamp}` the current Unix time in seconds with
//! milliseconds, and `{sent_at}` the current time as RFC 3339 UTC.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

const PLACEHOLDERS: [(&[u8], Part); 3] =
    [(b"{uuid}", Part::Uuid), (b"{timestamp}", Part::Timestamp), (b"{sent_at}", Part::SentAt)];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Uuid,
    Timestamp,
    SentAt,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(Bytes),
    Fill(Part),
}

/// A body split into literal runs and placeholders, rendered per request.
#[derive(Debug, Clone)]
pub struct Template {
    segments: Vec<Segment>,
    literal_len: usize,
}

impl Template {
    /// Parses `raw`, recognising the `{uuid}`, `{timestamp}` and `{sent_at}` placeholders.
    pub fn parse(raw: &[u8]) -> Self {
        let mut segments = Vec::new();
        let mut literal_start = 0;
        let mut i = 0;
        while i < raw.len() {
            let hit = PLACEHOLDERS.iter().find(|(pat, _)| raw[i..].starts_with(pat));
            if let Some((pat, part)) = hit {
                if literal_start < i {
                    segments.push(Segment::Literal(Bytes::copy_from_slice(&raw[literal_start..i])));
                }
                segments.push(Segment::Fill(*part));
                i += pat.len();
                literal_start = i;
            } else {
                i += 1;
            }
        }
        if literal_start < raw.len() {
            segments.push(Segment::Literal(Bytes::copy_from_slice(&raw[literal_start..])));
        }
        let literal_len = segments
            .iter()
            .map(|s| match s {
                Segment::Literal(b) => b.len(),
                Segment::Fill(_) => 0,
            })
            .sum();
        Self { segments, literal_len }
    }

    /// Reports whether the body has no placeholder and can be sent as one shared buffer.
    pub fn is_static(&self) -> bool {
        self.segments.iter().all(|s| matches!(s, Segment::Literal(_)))
    }

    /// Renders one request body with a fresh event id and the current time.
    pub fn render(&self) -> Bytes {
        if self.is_static() {
            return match self.segments.first() {
                Some(Segment::Literal(b)) => b.clone(),
                _ => Bytes::new(),
            };
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut out = Vec::with_capacity(self.literal_len + 64 * self.segments.len());
        for segment in &self.segments {
            match segment {
                Segment::Literal(b) => out.extend_from_slice(b),
                Segment::Fill(Part::Uuid) => out.extend_from_slice(id.as_bytes()),
                Segment::Fill(Part::Timestamp) => {
                    out.extend_from_slice(format!("{}.{:03}", now.as_secs(), now.subsec_millis()).as_bytes())
                }
                Segment::Fill(Part::SentAt) => {
                    out.extend_from_slice(rfc3339_millis(now.as_secs(), now.subsec_millis()).as_bytes())
                }
            }
        }
        Bytes::from(out)
    }
}

/// Formats Unix seconds and milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn rfc3339_millis(secs: u64, millis: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
///
/// This is Howard Hinnant's `civil_from_days` algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_body_is_shared_verbatim() {
        let t = Template::parse(b"hello {world}\n");
        assert!(t.is_static());
        assert_eq!(&t.render()[..], b"hello {world}\n");
    }

    #[test]
    fn uuid_is_fresh_per_request_and_same_within_one() {
        let t = Template::parse(b"a{uuid}b{uuid}c");
        let first = t.render();
        let second = t.render();
        assert_ne!(first, second);
        let s = std::str::from_utf8(&first).unwrap();
        assert_eq!(s.len(), 3 + 64);
        let (x, y) = (&s[1..33], &s[34..66]);
        assert_eq!(x, y);
        assert!(x.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }

    #[test]
    fn time_placeholders_are_filled() {
        let s = Template::parse(b"{timestamp}|{sent_at}").render();
        let s = std::str::from_utf8(&s).unwrap();
        let (ts, sent_at) = s.split_once('|').unwrap();
        assert!(ts.parse::<f64>().unwrap() > 1.7e9);
        assert_eq!(sent_at.len(), "2024-05-01T12:00:00.000Z".len());
        assert!(sent_at.ends_with('Z'));
    }

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(rfc3339_millis(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_millis(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339_millis(1_714_564_800, 123), "2024-05-01T12:00:00.123Z");
    }

    #[test]
    fn fixture_renders_to_a_valid_error_envelope() {
        let body = Template::parse(include_bytes!("../../fixtures/envelope-error.txt")).render();
        let text = std::str::from_utf8(&body).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let header: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        let item: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        let event: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
        assert_eq!(item["type"], "event");
        assert_eq!(header["event_id"], event["event_id"]);
        assert_eq!(event["event_id"].as_str().unwrap().len(), 32);
        assert!(event["timestamp"].as_f64().unwrap() > 1.7e9);
        let exception = &event["exception"]["values"][0];
        assert_eq!(exception["type"], "TypeError");
        assert_eq!(exception["stacktrace"]["frames"].as_array().unwrap().len(), 8);
        assert_eq!(event["breadcrumbs"]["values"].as_array().unwrap().len(), 10);
    }
}
