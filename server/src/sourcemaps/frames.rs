//! One frame through one source map: the original file, line, column and
//! function, source context from `sourcesContent`, and the minified frame
//! kept under `raw` for the dashboard's "show minified" toggle. A frame that
//! cannot be mapped keeps its minified values and says why in
//! `sourcemap_error`.

use serde_json::{json, Map, Value};
use sourcemap::{DecodedMap, SourceView};

/// Lines of source context on each side of the frame's line.
const CONTEXT_LINES: u32 = 5;
/// Longest context line kept (minified or generated code can be huge).
const MAX_CONTEXT_CHARS: usize = 300;

/// Where a minified frame points, read off its JSON.
#[derive(Debug, Clone)]
pub struct Position {
    /// `abs_path`, else `filename`.
    pub url: String,
    pub line: u32,
    pub column: u32,
}

/// Returns where a frame points if it is a JavaScript frame source maps could apply to.
pub fn position(frame: &Value) -> Option<Result<Position, String>> {
    let text = |k: &str| frame.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let url = text("abs_path").or_else(|| text("filename"))?;
    let path = url.split(['?', '#']).next().unwrap_or("");
    if ![".js", ".mjs", ".cjs"].iter().any(|ext| path.ends_with(ext)) && !url.contains("://") {
        return None;
    }
    let number = |k: &str| frame.get(k).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0);
    Some(match (number("lineno"), number("colno")) {
        (Some(line), Some(column)) => Ok(Position { url: url.to_string(), line, column }),
        _ => Err("the frame has no line and column to look up".to_string()),
    })
}

/// Records why a frame stays minified.
pub fn mark_unmapped(frame: &mut Value, reason: &str) {
    if let Some(obj) = frame.as_object_mut() {
        obj.insert("sourcemap_error".into(), Value::String(reason.to_string()));
    }
}

/// The original name at a frame's position: the callee's name at a call site.
pub fn name_at(map: &DecodedMap, pos: &Position) -> Option<String> {
    let token = map.lookup_token(pos.line - 1, pos.column - 1)?;
    (token.get_dst_line() == pos.line - 1).then(|| token.get_name().map(str::to_string)).flatten()
}

/// Maps `frame` (at `pos`) through `map`; `caller_name` is the original name
/// at the calling frame's position, the fallback for the function's name.
pub fn map_frame(
    frame: &mut Value,
    pos: &Position,
    map: &DecodedMap,
    minified: Option<&SourceView>,
    caller_name: Option<&str>,
) -> Result<(), String> {
    let (line, col) = (pos.line - 1, pos.column - 1);
    let out_of_range = || format!("line {} column {} is out of range of the source map", pos.line, pos.column);
    if let Some(view) = minified {
        let fits = view.get_line(line).is_some_and(|l| col as usize <= l.encode_utf16().count());
        if !fits {
            return Err(out_of_range());
        }
    }
    let token = map.lookup_token(line, col).filter(|t| t.get_dst_line() == line).ok_or_else(out_of_range)?;
    let source = token.get_source().filter(|s| !s.is_empty()).ok_or_else(out_of_range)?.to_string();
    let minified_function = frame.get("function").and_then(Value::as_str).unwrap_or("").to_string();
    let simple = minified_function.rsplit('.').next().unwrap_or("");
    let function = minified
        .and_then(|view| map.get_original_function_name(line, col, Some(simple), Some(view)))
        .map(str::to_string)
        .or_else(|| caller_name.map(str::to_string))
        .unwrap_or_else(|| minified_function.clone());
    let contents = match map {
        DecodedMap::Regular(sm) => sm.get_source_contents(token.get_src_id()).map(str::to_string),
        _ => None,
    };
    let Some(obj) = frame.as_object_mut() else { return Ok(()) };
    let raw: Map<String, Value> = ["abs_path", "filename", "function", "lineno", "colno", "context_line"]
        .iter()
        .filter_map(|k| obj.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    for k in ["context_line", "pre_context", "post_context"] {
        obj.remove(k);
    }
    let file = clean_source(&source);
    let src_line = token.get_src_line();
    obj.insert("raw".into(), Value::Object(raw));
    obj.insert("filename".into(), json!(file));
    obj.insert("abs_path".into(), json!(source));
    obj.insert("lineno".into(), json!(src_line + 1));
    obj.insert("colno".into(), json!(token.get_src_col() + 1));
    obj.insert("function".into(), json!(function));
    obj.insert("symbolicated".into(), json!(true));
    if file.contains("node_modules/") {
        obj.insert("in_app".into(), json!(false));
    }
    obj.remove("sourcemap_error");
    if let Some(contents) = contents {
        let lines: Vec<&str> = contents.lines().collect();
        let clip = |l: &&str| -> Value {
            let l: String = l.chars().take(MAX_CONTEXT_CHARS).collect();
            Value::String(l)
        };
        if let Some(current) = lines.get(src_line as usize) {
            let start = src_line.saturating_sub(CONTEXT_LINES) as usize;
            let end = (src_line as usize + 1 + CONTEXT_LINES as usize).min(lines.len());
            obj.insert("context_line".into(), clip(current));
            obj.insert("pre_context".into(), Value::Array(lines[start..src_line as usize].iter().map(clip).collect()));
            obj.insert(
                "post_context".into(),
                Value::Array(lines[src_line as usize + 1..end].iter().map(clip).collect()),
            );
        }
    }
    Ok(())
}

/// Turns a map's source entry into a stable, readable path:
/// `webpack://app/./src/a.ts` → `src/a.ts`, `../src/a.ts` → `src/a.ts`.
pub fn clean_source(source: &str) -> String {
    let mut s = source;
    if let Some((scheme, rest)) = s.split_once("://") {
        if scheme.starts_with("webpack") || scheme == "file" {
            s = rest.trim_start_matches('/');
            // webpack://<namespace>/./src/a.ts
            if let Some(after) = s.split_once("/./").map(|(_, a)| a) {
                s = after;
            }
        }
    }
    while let Some(rest) = s.strip_prefix("../").or_else(|| s.strip_prefix("./")) {
        s = rest;
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_cleaned_to_stable_paths() {
        assert_eq!(clean_source("../src/cart.ts"), "src/cart.ts");
        assert_eq!(clean_source("webpack://shop/./src/cart.ts"), "src/cart.ts");
        assert_eq!(clean_source("src/cart.ts"), "src/cart.ts");
    }

    #[test]
    fn only_javascript_frames_with_a_position_are_looked_up() {
        let f = json!({"abs_path": "https://x.example/app.min.js?v=2", "lineno": 1, "colno": 40});
        assert_eq!(position(&f).unwrap().unwrap().column, 40);
        assert!(position(&json!({"filename": "native"})).is_none());
        assert!(position(&json!({"abs_path": "https://x.example/app.js"})).unwrap().is_err());
    }

    #[test]
    fn a_mapped_frame_keeps_the_minified_one_and_gets_context() {
        let map = br#"{"version":3,"sources":["../src/a.ts"],"sourcesContent":["l1\nl2\nthrow x\nl4"],"names":["boom"],"mappings":"AAEAA"}"#;
        let map = sourcemap::decode_slice(map).unwrap();
        let mut frame =
            json!({"abs_path": "https://x.example/a.js", "lineno": 1, "colno": 1, "function": "n", "in_app": true});
        let pos = position(&frame).unwrap().unwrap();
        map_frame(&mut frame, &pos, &map, None, Some("boom")).unwrap();
        assert_eq!(frame["filename"], "src/a.ts");
        assert_eq!(frame["lineno"], 3);
        assert_eq!(frame["function"], "boom");
        assert_eq!(frame["context_line"], "throw x");
        assert_eq!(frame["pre_context"], json!(["l1", "l2"]));
        assert_eq!(frame["raw"]["function"], "n");
        let mut far = json!({"abs_path": "https://x.example/a.js", "lineno": 9, "colno": 1});
        let pos = position(&far).unwrap().unwrap();
        let err = map_frame(&mut far, &pos, &map, None, None).unwrap_err();
        assert!(err.contains("out of range"), "{err}");
    }
}
