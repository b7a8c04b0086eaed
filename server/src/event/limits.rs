//! Size limits for stored event data, and the truncation that enforces them.
//!
//! A single event may be up to 1 MiB, but rows are read back by list pages and
//! the detail page; bounding every string and JSON blob keeps ClickHouse rows
//! and API responses small no matter what an SDK (or an attacker) sends.
//! Truncation always happens on a UTF-8 character boundary.

use serde_json::{Map, Value};

/// Longest stored name: exception types, functions, releases, tag keys, ….
pub const MAX_NAME: usize = 512;
/// Longest stored free-text value: messages, exception values, URLs.
pub const MAX_VALUE: usize = 8 * 1024;
/// Longest tag value, as in Sentry.
pub const MAX_TAG_VALUE: usize = 200;
/// Most tags kept per event.
pub const MAX_TAGS: usize = 100;
/// Longest exception value shown in a title.
pub const MAX_TITLE_VALUE: usize = 200;
/// Most breadcrumbs kept (the newest ones).
pub const MAX_BREADCRUMBS: usize = 100;
/// Most stack frames kept per exception.
pub const MAX_FRAMES: usize = 250;
/// Most source lines kept on either side of a frame's context line.
pub const MAX_CONTEXT_LINES: usize = 10;
/// Largest serialised `contexts` JSON blob.
pub const MAX_CONTEXTS_JSON: usize = 256 * 1024;
/// Largest serialised `breadcrumbs` JSON blob.
pub const MAX_BREADCRUMBS_JSON: usize = 64 * 1024;

/// Cuts `s` to at most `max` bytes without splitting a character.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Cuts `s` to at most `max` bytes, marking the cut with an ellipsis.
pub fn truncate_with_ellipsis(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    format!("{}…", truncate(s, max.saturating_sub('…'.len_utf8())))
}

/// Limits applied by [`shrink`] to an arbitrary JSON value.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub max_string: usize,
    pub max_items: usize,
    pub max_depth: usize,
}

/// Successively tighter shapes tried by [`shrink_to_fit`].
const SHAPES: [Shape; 4] = [
    Shape { max_string: MAX_VALUE, max_items: 500, max_depth: 20 },
    Shape { max_string: 1024, max_items: 100, max_depth: 10 },
    Shape { max_string: 256, max_items: 30, max_depth: 6 },
    Shape { max_string: 64, max_items: 10, max_depth: 4 },
];

/// Copies `value` with long strings cut, long arrays/objects capped and deep
/// nesting replaced by a placeholder string.
pub fn shrink(value: &Value, shape: Shape) -> Value {
    shrink_at(value, shape, 0)
}

fn shrink_at(value: &Value, shape: Shape, depth: usize) -> Value {
    match value {
        Value::String(s) => Value::String(truncate(s, shape.max_string).to_owned()),
        Value::Array(_) | Value::Object(_) if depth >= shape.max_depth => Value::String("[too deep]".to_owned()),
        Value::Array(items) => {
            Value::Array(items.iter().take(shape.max_items).map(|v| shrink_at(v, shape, depth + 1)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .take(shape.max_items)
                .map(|(k, v)| (truncate(k, MAX_NAME).to_owned(), shrink_at(v, shape, depth + 1)))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

/// Serialises `value`, shrinking it step by step until it fits in `max` bytes;
/// falls back to `fallback` when even the tightest shape is too large.
pub fn shrink_to_fit(value: &Value, max: usize, fallback: &str) -> String {
    let mut json = value.to_string();
    for shape in SHAPES {
        if json.len() <= max {
            return json;
        }
        json = shrink(value, shape).to_string();
    }
    if json.len() <= max {
        json
    } else {
        fallback.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("héllo", 3), "hé");
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(truncate_with_ellipsis("abcdefgh", 6), "abc…");
    }

    #[test]
    fn shrinks_oversized_json_until_it_fits() {
        let big = json!({"extra": {"blob": "x".repeat(300_000), "list": vec![1; 10_000]}});
        let out = shrink_to_fit(&big, 16 * 1024, "{}");
        assert!(out.len() <= 16 * 1024);
        let back: Value = serde_json::from_str(&out).unwrap();
        assert!(back["extra"]["blob"].as_str().unwrap().starts_with("xxx"));
    }
}
