//! Grouping: which events are "the same error" and so belong to one issue.
//!
//! The fingerprint is the md5 (32 lowercase hex chars) of grouping components.
//! By default the components are the main exception's type and its in-app
//! frames (function + normalised filename), or, without frames, the type and a
//! normalised message. Normalisation removes what changes between deploys and
//! occurrences but not between errors: hosts, query strings, content hashes in
//! bundle names, line and column numbers, and numbers/ids/URLs in messages. An
//! SDK-supplied `fingerprint` array replaces the default, with `{{ default }}`
//! standing for the default components, as in Sentry. Components carry a kind
//! prefix so a custom fingerprint cannot collide with a default one by accident.

use std::sync::LazyLock;

use md5::{Digest, Md5};
use regex::{Captures, Regex};

use super::limits::{truncate, MAX_VALUE};
use super::model::{Frame, RawEvent};

/// Separates components in the hashed text; cannot appear in normalised parts.
const SEPARATOR: &str = "\u{1f}";

/// Computes the 32-hex-character grouping key of an error event.
pub fn compute(event: &RawEvent) -> String {
    let components = match &event.fingerprint {
        Some(custom) => {
            let mut out = Vec::new();
            for part in custom {
                if is_default_marker(part) {
                    out.extend(default_components(event));
                } else {
                    out.push(format!("custom:{part}"));
                }
            }
            out
        }
        None => default_components(event),
    };
    hash(&components)
}

fn is_default_marker(part: &str) -> bool {
    let inner = part.trim().strip_prefix("{{").and_then(|p| p.strip_suffix("}}"));
    inner.is_some_and(|inner| inner.trim() == "default")
}

fn hash(components: &[String]) -> String {
    let mut md5 = Md5::new();
    for (i, component) in components.iter().enumerate() {
        if i > 0 {
            md5.update(SEPARATOR.as_bytes());
        }
        if component.contains(SEPARATOR) {
            md5.update(component.replace(SEPARATOR, " ").as_bytes());
        } else {
            md5.update(component.as_bytes());
        }
    }
    hex::encode(md5.finalize())
}

/// Returns Sightline's default grouping components for an event.
pub fn default_components(event: &RawEvent) -> Vec<String> {
    let Some(exc) = event.main_exception() else {
        let message = event.message.as_deref().unwrap_or("");
        return vec![format!("message:{}", normalize_message(message))];
    };
    let mut out = vec![format!("type:{}", exc.ty.as_deref().unwrap_or(""))];
    let any_in_app = exc.frames.iter().any(|f| f.in_app == Some(true));
    let frames: Vec<String> =
        exc.frames.iter().filter(|f| !any_in_app || f.in_app == Some(true)).filter_map(frame_component).collect();
    if frames.is_empty() {
        let value = exc.value.as_deref().or(event.message.as_deref()).unwrap_or("");
        out.push(format!("value:{}", normalize_message(value)));
    } else {
        out.extend(frames);
    }
    out
}

fn frame_component(frame: &Frame) -> Option<String> {
    let file = frame_file(frame).map(normalize_filename).unwrap_or_default();
    let function = frame.function.as_deref().unwrap_or("");
    if file.is_empty() && function.is_empty() {
        return None;
    }
    Some(format!("frame:{function}|{file}"))
}

/// Returns the best file-like name of a frame: filename, abs_path or module.
pub fn frame_file<'a>(frame: &'a Frame) -> Option<&'a str> {
    frame.filename.as_deref().or(frame.abs_path.as_deref()).or(frame.module.as_deref())
}

static TRAILING_POSITION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(:\d+)+$").expect("valid regex"));

/// Removes scheme, host, query string, fragment and trailing `:line:col` from a
/// file name or URL, keeping the path.
pub fn strip_location(file: &str) -> &str {
    let mut path = file;
    if let Some(idx) = path.find("://") {
        let rest = &path[idx + 3..];
        path = rest.find('/').map_or("", |slash| &rest[slash..]);
    }
    if let Some(end) = path.find(['?', '#']) {
        path = &path[..end];
    }
    // The pattern ends in a digit: skip the regex when the path cannot match.
    let last = path.chars().next_back();
    if last.is_none_or(|c| c.is_ascii() && !c.is_ascii_digit()) {
        return path;
    }
    match TRAILING_POSITION.find(path) {
        Some(m) => &path[..m.start()],
        None => path,
    }
}

/// Normalises a file name for grouping: [`strip_location`], then replaces
/// content hashes in path segments (`main.3f2a9c1b.js`, `index-BxK3fL9a.js`)
/// with `<hash>`.
pub fn normalize_filename(file: &str) -> String {
    let path = strip_location(file);
    let mut out = String::with_capacity(path.len());
    let mut token = String::new();
    for c in path.chars() {
        if matches!(c, '/' | '\\' | '.' | '-' | '~') {
            push_token(&mut out, &token);
            token.clear();
            out.push(c);
        } else {
            token.push(c);
        }
    }
    push_token(&mut out, &token);
    out
}

fn push_token(out: &mut String, token: &str) {
    if is_content_hash(token) {
        out.push_str("<hash>");
    } else {
        out.push_str(token);
    }
}

/// Tells whether a file name part looks like a bundler's content hash: ≥ 6 hex
/// characters, or ≥ 8 alphanumerics, in both cases containing a digit.
fn is_content_hash(token: &str) -> bool {
    let has_digit = token.bytes().any(|b| b.is_ascii_digit());
    let all_hex = token.bytes().all(|b| b.is_ascii_hexdigit());
    let all_alnum = token.bytes().all(|b| b.is_ascii_alphanumeric());
    has_digit && ((all_hex && token.len() >= 6) || (all_alnum && token.len() >= 8))
}

macro_rules! pattern {
    ($name:ident, $re:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($re).expect("valid regex"));
    };
}

pattern!(URL, r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\x22<>()]+");
pattern!(EMAIL, r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b");
pattern!(UUID, r"\b[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\b");
pattern!(IPV4, r"\b(?:\d{1,3}\.){3}\d{1,3}\b");
pattern!(IPV6, r"\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b|[0-9a-fA-F:]*::[0-9a-fA-F:]*");
pattern!(HEX_PREFIXED, r"\b0[xX][0-9a-fA-F]+\b");
pattern!(HEX_WORD, r"\b[0-9a-fA-F]{6,}\b");
// No trailing `\b`: "500ms" and "12.5s" are numbers with units.
pattern!(FLOAT, r"\b\d+\.\d+");
pattern!(INT, r"\b\d+");

/// Replaces the variable parts of a message (URLs, emails, UUIDs, IPs, hex ids
/// and numbers) with placeholders so occurrences of one error group together.
pub fn normalize_message(message: &str) -> String {
    let s = truncate(message, MAX_VALUE);
    let s = URL.replace_all(s, "<url>");
    let s = EMAIL.replace_all(&s, "<email>");
    let s = UUID.replace_all(&s, "<uuid>");
    let s = IPV4.replace_all(&s, "<ip>");
    // `::` also separates names (`std::io`, `Foo::bar`): only digits make an address.
    let s = IPV6.replace_all(&s, |c: &Captures| {
        let text = &c[0];
        if text.len() >= 3 && text.bytes().any(|b| b.is_ascii_digit()) {
            "<ip>".to_owned()
        } else {
            text.to_owned()
        }
    });
    let s = HEX_PREFIXED.replace_all(&s, "<hex>");
    // A hex-looking word is an id only if it mixes digits and letters;
    // "deadbeef" could be a word and "123456" is a number.
    let s = HEX_WORD.replace_all(&s, |c: &Captures| {
        let word = &c[0];
        let digits = word.bytes().any(|b| b.is_ascii_digit());
        let letters = word.bytes().any(|b| b.is_ascii_alphabetic());
        if digits && letters {
            "<hex>".to_owned()
        } else {
            word.to_owned()
        }
    });
    let s = FLOAT.replace_all(&s, "<float>");
    INT.replace_all(&s, "<int>").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_messages() {
        let cases = [
            ("Request to https://api.example.com/v1/users?id=5 failed", "Request to <url> failed"),
            ("User 12345 not found", "User <int> not found"),
            ("took 12.5s", "took <float>s"),
            ("order 3fa85f64-5717-4562-b3fc-2c963f66afa6 missing", "order <uuid> missing"),
            ("no route to 10.0.0.12", "no route to <ip>"),
            ("connect to fe80::1ff:fe23:4567:890a refused", "connect to <ip> refused"),
            ("at 12:30:45 in std::io::Error", "at <int>:<int>:<int> in std::io::Error"),
            ("timeout after 500ms", "timeout after <int>ms"),
            ("bad pointer 0x7ffee4b8 at cafe12ab", "bad pointer <hex> at <hex>"),
            ("mail to bob@example.org bounced", "mail to <email> bounced"),
            (
                "Cannot read properties of undefined (reading 'map')",
                "Cannot read properties of undefined (reading 'map')",
            ),
            ("deadbeef facade", "deadbeef facade"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_message(input), expected, "{input}");
        }
    }

    #[test]
    fn normalises_filenames() {
        let cases = [
            ("https://shop.example.com/static/js/main.3f2a9c1b.js?v=2#x", "/static/js/main.<hash>.js"),
            ("https://cdn.example.com/assets/chunk-5FD2A1.js", "/assets/chunk-<hash>.js"),
            ("/assets/index-BxK3fL9a.js", "/assets/index-<hash>.js"),
            ("/_next/static/chunks/pages/_app-0f1e2d3c4b5a6978.js", "/_next/static/chunks/pages/_app-<hash>.js"),
            ("app:///main.jsbundle", "/main.jsbundle"),
            ("https://example.com/app.js:10:5", "/app.js"),
            ("jquery-3.6.0.min.js", "jquery-3.6.0.min.js"),
            ("react-dom.production.min.js", "react-dom.production.min.js"),
            ("app/views.py", "app/views.py"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_filename(input), expected, "{input}");
        }
    }

    #[test]
    fn recognises_default_markers() {
        assert!(is_default_marker("{{ default }}"));
        assert!(is_default_marker("{{default}}"));
        assert!(!is_default_marker("default"));
    }
}
