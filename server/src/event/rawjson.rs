//! Copying raw JSON from a payload into a stored blob without building a
//! `serde_json::Value`: insignificant whitespace is dropped, the rest is
//! copied byte for byte. When the copy could differ from what going through
//! a `Value` would store — a `\u` escape (which a `Value` would validate and
//! decode), or a value that [`limits::shrink`] would cut — the caller is told
//! to take that slower path instead, so both paths store the same data.

use serde_json::{value::RawValue, Value};

use super::limits::{self, Shape, MAX_NAME};
use super::PayloadError;

/// Appends `raw` to `out` compacted; false (and `out` untouched) when the
/// value has a `\u` escape or, with a `shape`, does not already fit it.
pub fn copy_compact(out: &mut Vec<u8>, raw: &str, shape: Option<Shape>) -> bool {
    let start = out.len();
    if copy_inner(out, raw.as_bytes(), shape).is_none() {
        out.truncate(start);
        return false;
    }
    true
}

/// Appends `raw` compacted, going through a `Value` when it must; an error
/// when the `Value` cannot hold it (a lone surrogate, a number out of range).
pub fn copy(out: &mut Vec<u8>, raw: &RawValue) -> Result<(), PayloadError> {
    if copy_compact(out, raw.get(), None) {
        return Ok(());
    }
    let value = to_value(raw)?;
    serde_json::to_writer(out, &value).map_err(|e| PayloadError::InvalidJson(e.to_string()))
}

/// Appends `raw` cut to `shape` (see [`limits::shrink`]).
pub fn copy_shrunk(out: &mut Vec<u8>, raw: &RawValue, shape: Shape) -> Result<(), PayloadError> {
    if copy_compact(out, raw.get(), Some(shape)) {
        return Ok(());
    }
    let value = limits::shrink(&to_value(raw)?, shape);
    serde_json::to_writer(out, &value).map_err(|e| PayloadError::InvalidJson(e.to_string()))
}

/// Parses raw JSON into a `Value`, with the payload's error wording.
pub fn to_value(raw: &RawValue) -> Result<Value, PayloadError> {
    serde_json::from_str(raw.get()).map_err(|e| PayloadError::InvalidJson(e.to_string()))
}

/// Deepest nesting a shape check tracks; deeper shapes are not copied verbatim.
const TRACKED: usize = 32;

fn copy_inner(out: &mut Vec<u8>, b: &[u8], shape: Option<Shape>) -> Option<()> {
    out.reserve(b.len());
    // Per open container: whether it is an object, and its commas so far.
    let mut is_object = [false; TRACKED];
    let mut commas = [0usize; TRACKED];
    let mut depth = 0usize;
    let mut expect_key = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\n' | b'\r' | b'\t' => {
                i += 1;
                continue;
            }
            b'"' => {
                let begin = i;
                i += 1;
                loop {
                    match *b.get(i)? {
                        b'"' => break,
                        b'\\' if *b.get(i + 1)? == b'u' => return None,
                        b'\\' => i += 2,
                        _ => i += 1,
                    }
                }
                let len = i - begin - 1;
                i += 1;
                if let Some(shape) = shape {
                    let max = if expect_key { MAX_NAME } else { shape.max_string };
                    if len > max {
                        return None;
                    }
                }
                out.extend_from_slice(&b[begin..i]);
                continue;
            }
            b'{' | b'[' => {
                if shape.is_some_and(|s| depth >= s.max_depth) || (shape.is_some() && depth >= TRACKED) {
                    return None;
                }
                if depth < TRACKED {
                    is_object[depth] = c == b'{';
                    commas[depth] = 0;
                }
                depth += 1;
                expect_key = c == b'{';
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                expect_key = false;
            }
            b',' => {
                let level = depth.checked_sub(1)?;
                if let Some(shape) = shape {
                    commas[level] += 1;
                    if commas[level] >= shape.max_items {
                        return None;
                    }
                }
                expect_key = level < TRACKED && is_object[level];
            }
            b':' => expect_key = false,
            // A number with a 3-digit exponent or 300+ digits may not fit an f64 (`1e309`, found
            // by the fuzzer): copied as is it made blobs a `Value` cannot read. Let `Value` judge.
            b'e' | b'E' if i > 0 && b[i - 1].is_ascii_digit() => {
                let exp =
                    b[i + 1..].strip_prefix(b"+").or_else(|| b[i + 1..].strip_prefix(b"-")).unwrap_or(&b[i + 1..]);
                if exp.iter().take_while(|d| d.is_ascii_digit()).count() >= 3 {
                    return None;
                }
            }
            b'0'..=b'9' if i >= 299 && b[i - 299..i].iter().all(u8::is_ascii_digit) => return None,
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_a_value_cannot_hold_are_not_copied_verbatim() {
        assert_eq!(compact("[1,1e309]", None), None);
        assert_eq!(compact("[1.5E+400]", None), None);
        assert_eq!(compact(&format!("[{}]", "9".repeat(400)), None), None);
        assert_eq!(compact("[1.5E3,2e-7]", None).as_deref(), Some("[1.5E3,2e-7]"));
        assert_eq!(compact("[true,false,null,12345,-1.25]", None).as_deref(), Some("[true,false,null,12345,-1.25]"));
    }

    fn compact(raw: &str, shape: Option<Shape>) -> Option<String> {
        let mut out = Vec::new();
        copy_compact(&mut out, raw, shape).then(|| String::from_utf8(out).unwrap())
    }

    const SHAPE: Shape = Shape { max_string: 5, max_items: 2, max_depth: 2 };

    #[test]
    fn drops_whitespace_outside_strings_only() {
        let raw = "{ \"a b\" : [1, 2.5e3 ,\n true],\t\"c\\\"\": \"x \\n y\" }";
        assert_eq!(compact(raw, None).unwrap(), "{\"a b\":[1,2.5e3,true],\"c\\\"\":\"x \\n y\"}");
    }

    #[test]
    fn refuses_unicode_escapes() {
        assert_eq!(compact(r#"{"a":"\u00e9"}"#, None), None);
        assert_eq!(compact(r#"{"a":"\\u"}"#, None).as_deref(), Some(r#"{"a":"\\u"}"#));
    }

    #[test]
    fn refuses_values_a_shape_would_cut() {
        assert!(compact(r#"{"a":"12345","b":[1,2]}"#, Some(SHAPE)).is_some());
        assert_eq!(compact(r#"{"a":"123456"}"#, Some(SHAPE)), None, "long string");
        assert_eq!(compact(r#"{"a":[1,2,3]}"#, Some(SHAPE)), None, "long array");
        assert_eq!(compact(r#"{"a":1,"b":2,"c":3}"#, Some(SHAPE)), None, "long object");
        assert_eq!(compact(r#"{"a":{"b":[]}}"#, Some(SHAPE)), None, "too deep");
        let long_key = format!("{{\"{}\":1}}", "k".repeat(MAX_NAME + 1));
        assert_eq!(compact(&long_key, Some(Shape { max_string: 10_000, ..SHAPE })), None);
    }

    #[test]
    fn shrunk_copies_equal_shrunk_values() {
        let shape = Shape { max_string: 4, max_items: 3, max_depth: 2 };
        for raw in
            [r#"{"a":"long text","b":[1,2,3,4],"c":{"d":{"e":1}}}"#, r#"{"a":"ok"}"#, r#"{"é":"\u00e9\u00e9\u00e9"}"#]
        {
            let raw: &RawValue = serde_json::from_str(raw).unwrap();
            let mut out = Vec::new();
            copy_shrunk(&mut out, raw, shape).unwrap();
            let copied: Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(copied, limits::shrink(&to_value(raw).unwrap(), shape), "{raw}");
        }
    }
}
