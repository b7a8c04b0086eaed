//! What an upload may contain, checked before anything is stored: minified
//! JavaScript (`.js`, `.mjs`, `.cjs`) and source maps (`.map`), one by one or
//! as a zip of a build folder. Each file is size-capped; a zip is read entry
//! by entry with caps on the entry count and on the total uncompressed size
//! counted while decompressing (a zip bomb's headers lie about sizes). Maps
//! are parsed with the `sourcemap` crate, so a corrupt map is refused with
//! the parser's message, and a map uploaded next to its minified file must
//! fit that file (lines and columns in range, same `file`, same debug ID).

use std::io::Read;

use sourcemap::{DecodedMap, SourceView};
use uuid::Uuid;

/// Size caps of one upload.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest single file (decompressed), in bytes.
    pub max_file_bytes: u64,
    /// Most entries a zip may hold.
    pub max_zip_entries: usize,
    /// Largest total uncompressed size of a zip, in bytes.
    pub max_zip_bytes: u64,
}

/// What an artifact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Minified,
    SourceMap,
}

impl Kind {
    /// Returns the name stored in Postgres.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Minified => "minified",
            Kind::SourceMap => "sourcemap",
        }
    }
}

/// One checked file of an upload.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// URL or `~/path` the file is served at.
    pub name: String,
    pub kind: Kind,
    pub debug_id: Option<Uuid>,
    /// A minified file's map, resolved against [`Artifact::name`].
    pub sourcemap_name: Option<String>,
    pub content: Vec<u8>,
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArtifactError {
    #[error("{name} is larger than the limit of {limit} bytes per file")]
    FileTooLarge { name: String, limit: u64 },
    #[error("the zip holds more than {0} entries")]
    TooManyEntries(usize),
    #[error("the zip uncompresses to more than {0} bytes")]
    ZipTooLarge(u64),
    #[error("not a readable zip archive: {0}")]
    BadZip(String),
    #[error("{name} is not a valid source map: {reason}")]
    CorruptMap { name: String, reason: String },
    #[error("{name} is not UTF-8 text")]
    NotText { name: String },
    #[error("{name} is neither JavaScript (.js, .mjs, .cjs) nor a source map (.map)")]
    Unsupported { name: String },
    #[error("{map} does not belong to {minified}: {reason}")]
    WrongFile { map: String, minified: String, reason: String },
}

/// Joins an upload's URL prefix (`~/static/`) and a relative path (`app.js`).
pub fn artifact_name(prefix: &str, path: &str) -> String {
    let path = path.trim_start_matches("./");
    if path.starts_with("~/") || path.contains("://") {
        return path.to_string();
    }
    let prefix = if prefix.is_empty() { "~/" } else { prefix };
    format!("{}/{}", prefix.trim_end_matches('/'), path.trim_start_matches('/'))
}

/// Reads a size-capped file into memory; `FileTooLarge` as soon as it exceeds the cap.
pub fn read_capped(name: &str, reader: impl Read, limit: u64) -> Result<Vec<u8>, ArtifactError> {
    let mut out = Vec::new();
    let read = reader.take(limit + 1).read_to_end(&mut out);
    read.map_err(|e| ArtifactError::BadZip(e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(ArtifactError::FileTooLarge { name: name.to_string(), limit });
    }
    Ok(out)
}

/// Checks one file and classifies it by its name.
pub fn check_file(name: String, content: Vec<u8>) -> Result<Artifact, ArtifactError> {
    let lower = name.to_ascii_lowercase();
    let base = lower.split(['?', '#']).next().unwrap_or("");
    if base.ends_with(".map") {
        let map = parse_map(&name, &content)?;
        let debug_id = map_debug_id(&map);
        Ok(Artifact { name, kind: Kind::SourceMap, debug_id, sourcemap_name: None, content })
    } else if [".js", ".mjs", ".cjs"].iter().any(|ext| base.ends_with(ext)) {
        let text = std::str::from_utf8(&content).map_err(|_| ArtifactError::NotText { name: name.clone() })?;
        let debug_id = js_debug_id(text);
        let sourcemap_name = sourcemap_reference(text).map(|r| resolve(&name, &r));
        Ok(Artifact { name, kind: Kind::Minified, debug_id, sourcemap_name, content })
    } else {
        Err(ArtifactError::Unsupported { name })
    }
}

/// Parses a source map (regular or index), refusing with the parser's message.
pub fn parse_map(name: &str, content: &[u8]) -> Result<DecodedMap, ArtifactError> {
    let corrupt = |reason: String| ArtifactError::CorruptMap { name: name.to_string(), reason };
    let map = sourcemap::decode_slice(content).map_err(|e| corrupt(e.to_string()))?;
    if matches!(map, DecodedMap::Hermes(_)) {
        return Err(corrupt("Hermes maps are not supported".into()));
    }
    Ok(map)
}

/// Returns a map's `debugId` (or legacy `debug_id`).
pub fn map_debug_id(map: &DecodedMap) -> Option<Uuid> {
    let id = map.debug_id()?;
    (!id.is_nil()).then(|| id.uuid())
}

/// Returns the `//# debugId=` comment of a minified file (sentry-cli's convention).
pub fn js_debug_id(text: &str) -> Option<Uuid> {
    trailing_comments(text)
        .find_map(|line| line.strip_prefix("debugId="))
        .and_then(|id| Uuid::try_parse(id.trim()).ok())
}

/// Returns the `//# sourceMappingURL=` of a minified file, unless it is a data URL.
pub fn sourcemap_reference(text: &str) -> Option<String> {
    trailing_comments(text)
        .find_map(|line| line.strip_prefix("sourceMappingURL="))
        .map(|url| url.trim().to_string())
        .filter(|url| !url.is_empty() && !url.starts_with("data:"))
}

/// The `//# key=value` (or `//@`) comments among a file's last lines, last first.
fn trailing_comments(text: &str) -> impl Iterator<Item = &str> {
    text.lines().rev().take(10).filter_map(|l| l.trim().strip_prefix("//# ").or_else(|| l.trim().strip_prefix("//@ ")))
}

/// Resolves a relative reference against an artifact name (`~/a/b.js` + `b.js.map`).
pub fn resolve(base: &str, reference: &str) -> String {
    if reference.contains("://") || reference.starts_with("~/") {
        return reference.to_string();
    }
    if let Some(rest) = reference.strip_prefix('/') {
        // Absolute path on the same host.
        return match base.split_once("://") {
            Some((scheme, after)) => format!("{scheme}://{}/{rest}", after.split('/').next().unwrap_or("")),
            None => format!("~/{rest}"),
        };
    }
    let dir = base.rfind('/').map_or("", |i| &base[..=i]);
    let mut parts: Vec<&str> = Vec::new();
    let (head, path) = match dir.split_once("://") {
        Some((scheme, after)) => match after.split_once('/') {
            Some((host, p)) => (format!("{scheme}://{host}/"), p),
            None => (format!("{scheme}://{after}/"), ""),
        },
        None => match dir.strip_prefix("~/") {
            Some(p) => ("~/".to_string(), p),
            None => (String::new(), dir),
        },
    };
    for seg in path.split('/').chain(reference.split('/')) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("{head}{}", parts.join("/"))
}

/// Checks that `map` can describe `minified`: same debug ID and `file` when
/// both say, and every mapped position inside the minified text.
pub fn check_pair(minified: &Artifact, map: &Artifact) -> Result<(), ArtifactError> {
    let wrong =
        |reason: String| ArtifactError::WrongFile { map: map.name.clone(), minified: minified.name.clone(), reason };
    let same_id = match (minified.debug_id, map.debug_id) {
        (Some(a), Some(b)) if a != b => return Err(wrong(format!("debug IDs differ ({a} and {b})"))),
        (Some(_), Some(_)) => true,
        _ => false,
    };
    let decoded = parse_map(&map.name, &map.content)?;
    let DecodedMap::Regular(sm) = decoded else { return Ok(()) };
    let base = |s: &str| s.rsplit('/').next().unwrap_or("").to_string();
    // Equal debug IDs pair them whatever the names (Sentry's newer CLI renames files by debug ID).
    if let Some(file) = sm.get_file().filter(|f| !f.is_empty() && !same_id) {
        if base(file) != base(minified.name.split(['?', '#']).next().unwrap_or("")) {
            return Err(wrong(format!("the map says it is for {file:?}")));
        }
    }
    let text = String::from_utf8_lossy(&minified.content).into_owned();
    let view = SourceView::from_string(text);
    for token in sm.tokens() {
        let (line, col) = (token.get_dst_line(), token.get_dst_col());
        let fits = view.get_line(line).is_some_and(|l| col as usize <= l.encode_utf16().count());
        if !fits {
            return Err(wrong(format!("it maps line {} column {}, which the file does not have", line + 1, col + 1)));
        }
    }
    Ok(())
}

/// Unpacks a zip of a build folder into checked artifacts named `prefix` + path.
/// Files other than JavaScript and maps are skipped.
pub fn unzip(bytes: &[u8], prefix: &str, limits: &Limits) -> Result<Vec<Artifact>, ArtifactError> {
    let bad = |e: zip::result::ZipError| ArtifactError::BadZip(e.to_string());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(bad)?;
    if archive.len() > limits.max_zip_entries {
        return Err(ArtifactError::TooManyEntries(limits.max_zip_entries));
    }
    let mut total: u64 = 0;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(bad)?;
        if entry.is_dir() {
            continue;
        }
        let Some(path) = entry.enclosed_name() else { continue };
        let path = path.to_string_lossy().replace('\\', "/");
        let lower = path.to_ascii_lowercase();
        if ![".js", ".mjs", ".cjs", ".map"].iter().any(|ext| lower.ends_with(ext)) {
            continue;
        }
        let name = artifact_name(prefix, &path);
        let content = read_entry(&name, entry, limits, &mut total)?;
        out.push(check_file(name, content)?);
    }
    Ok(out)
}

/// Reads one zip entry under the per-file cap and what is left of the zip's
/// total (`total` so far, updated), counted while inflating.
pub fn read_entry(name: &str, entry: impl Read, limits: &Limits, total: &mut u64) -> Result<Vec<u8>, ArtifactError> {
    let cap = limits.max_file_bytes.min(limits.max_zip_bytes.saturating_sub(*total));
    let content = read_capped(name, entry, cap).map_err(|e| match e {
        ArtifactError::FileTooLarge { .. } if cap < limits.max_file_bytes => {
            ArtifactError::ZipTooLarge(limits.max_zip_bytes)
        }
        other => other,
    })?;
    *total += content.len() as u64;
    Ok(content)
}

/// Checks every minified file against its map when both are in `artifacts`.
pub fn check_pairs(artifacts: &[Artifact]) -> Result<(), ArtifactError> {
    for minified in artifacts.iter().filter(|a| a.kind == Kind::Minified) {
        let map = artifacts.iter().find(|a| {
            a.kind == Kind::SourceMap
                && (Some(&a.name) == minified.sourcemap_name.as_ref()
                    || (minified.sourcemap_name.is_none() && a.name == format!("{}.map", minified.name)))
        });
        if let Some(map) = map {
            check_pair(minified, map)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_join_prefix_and_path() {
        assert_eq!(artifact_name("~/static/", "app.js"), "~/static/app.js");
        assert_eq!(artifact_name("~/", "./js/app.js"), "~/js/app.js");
        assert_eq!(artifact_name("", "app.js"), "~/app.js");
        assert_eq!(artifact_name("~/x", "https://cdn.example/app.js"), "https://cdn.example/app.js");
    }

    #[test]
    fn references_resolve_against_the_minified_name() {
        assert_eq!(resolve("~/static/app.js", "app.js.map"), "~/static/app.js.map");
        assert_eq!(resolve("~/static/js/app.js", "../maps/app.js.map"), "~/static/maps/app.js.map");
        assert_eq!(resolve("https://cdn.example/a/app.js", "app.js.map"), "https://cdn.example/a/app.js.map");
        assert_eq!(resolve("https://cdn.example/a/app.js", "/m/app.js.map"), "https://cdn.example/m/app.js.map");
    }

    #[test]
    fn debug_ids_and_map_references_come_from_trailing_comments() {
        let js = "function a(){}\n//# sourceMappingURL=app.js.map\n//# debugId=85314830-023F-4CF1-A267-535F4E37BB17\n";
        assert_eq!(js_debug_id(js).unwrap().to_string(), "85314830-023f-4cf1-a267-535f4e37bb17");
        assert_eq!(sourcemap_reference(js).as_deref(), Some("app.js.map"));
        assert_eq!(sourcemap_reference("x\n//# sourceMappingURL=data:application/json;base64,e30="), None);
    }

    #[test]
    fn a_corrupt_map_is_refused_with_the_parsers_message() {
        let err = check_file("~/app.js.map".into(), b"{\"version\":3,\"mappings\":\"!!!\"".to_vec()).unwrap_err();
        assert!(matches!(err, ArtifactError::CorruptMap { .. }), "{err}");
        assert!(matches!(check_file("~/a.css".into(), vec![]), Err(ArtifactError::Unsupported { .. })));
    }

    #[test]
    fn a_map_for_another_file_is_refused() {
        let minified = check_file("~/app.js".into(), b"a();\n//# sourceMappingURL=app.js.map\n".to_vec()).unwrap();
        let map = br#"{"version":3,"file":"other.js","sources":["o.ts"],"names":[],"mappings":"AAAA"}"#;
        let map = check_file("~/app.js.map".into(), map.to_vec()).unwrap();
        assert!(matches!(check_pairs(&[minified.clone(), map]), Err(ArtifactError::WrongFile { .. })));
        let far = br#"{"version":3,"sources":["o.ts"],"names":[],"mappings":";;;;;;;;;AAAA"}"#;
        let far = check_file("~/app.js.map".into(), far.to_vec()).unwrap();
        let err = check_pairs(&[minified, far]).unwrap_err();
        assert!(err.to_string().contains("line 10"), "{err}");
    }
}
