//! Sentry's artifact bundles, as `sentry-cli sourcemaps upload` and the
//! bundler plugins build them: a zip (after an 8-byte `SYSB` header) with a
//! `manifest.json` naming each file's type (`minified_source`, `source_map`),
//! its URL (`~/app.min.js`) and headers (`debug-id`, `sourcemap`). Unpacked
//! into the same checked [`Artifact`]s as our own upload, with the same caps
//! (entry count, per-file size, total inflated size counted while inflating).

use std::{collections::BTreeMap, io::Cursor};

use serde::Deserialize;
use uuid::Uuid;

use super::artifacts::{
    artifact_name, js_debug_id, map_debug_id, parse_map, read_capped, read_entry, resolve, sourcemap_reference,
    Artifact, ArtifactError, Kind, Limits,
};

/// Magic bytes symbolic's `SourceBundleWriter` puts before the zip.
const MAGIC: &[u8; 4] = b"SYSB";
/// Largest `manifest.json` read.
const MAX_MANIFEST_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Deserialize)]
struct Manifest {
    #[serde(default)]
    files: BTreeMap<String, FileInfo>,
}

#[derive(Debug, Deserialize)]
struct FileInfo {
    #[serde(rename = "type")]
    ty: Option<String>,
    #[serde(default)]
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

impl FileInfo {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Unpacks an artifact bundle into checked artifacts (maps parsed, each
/// minified file checked against its map). Other files (sources) are skipped.
pub fn unpack(bytes: &[u8], limits: &Limits) -> Result<Vec<Artifact>, ArtifactError> {
    let bad = |e: zip::result::ZipError| ArtifactError::BadZip(e.to_string());
    // The zip crate finds an archive after leading bytes; without the header if that fails.
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) if bytes.starts_with(MAGIC) && bytes.len() > 8 => {
            zip::ZipArchive::new(Cursor::new(&bytes[8..])).map_err(|_| bad(e))?
        }
        Err(e) => return Err(bad(e)),
    };
    if archive.len() > limits.max_zip_entries {
        return Err(ArtifactError::TooManyEntries(limits.max_zip_entries));
    }
    let manifest = {
        let entry = archive
            .by_name("manifest.json")
            .map_err(|_| ArtifactError::BadZip("the bundle has no manifest.json".into()))?;
        let text = read_capped("manifest.json", entry, MAX_MANIFEST_BYTES)?;
        serde_json::from_slice::<Manifest>(&text)
            .map_err(|e| ArtifactError::BadZip(format!("manifest.json is not a bundle manifest: {e}")))?
    };
    let mut total: u64 = 0;
    let mut out = Vec::new();
    for (path, info) in &manifest.files {
        let kind = match info.ty.as_deref() {
            Some("minified_source") => Kind::Minified,
            Some("source_map") => Kind::SourceMap,
            _ => continue,
        };
        let url = info.url.trim();
        if url.is_empty() {
            return Err(ArtifactError::BadZip(format!("manifest.json gives {path} no url")));
        }
        let name = artifact_name("~/", url);
        let entry = archive
            .by_name(path)
            .map_err(|_| ArtifactError::BadZip(format!("manifest.json names {path}, which the zip lacks")))?;
        let content = read_entry(&name, entry, limits, &mut total)?;
        let header_id = info.header("debug-id").and_then(|id| Uuid::try_parse(id.trim()).ok());
        let artifact = match kind {
            Kind::SourceMap => {
                let map = parse_map(&name, &content)?;
                let debug_id = header_id.or_else(|| map_debug_id(&map));
                Artifact { name, kind, debug_id, sourcemap_name: None, content }
            }
            Kind::Minified => {
                let text = std::str::from_utf8(&content).map_err(|_| ArtifactError::NotText { name: name.clone() })?;
                let debug_id = header_id.or_else(|| js_debug_id(text));
                let reference = info.header("sourcemap").map(str::to_string).or_else(|| sourcemap_reference(text));
                let sourcemap_name = reference.filter(|r| !r.starts_with("data:")).map(|r| resolve(&name, &r));
                Artifact { name, kind, debug_id, sourcemap_name, content }
            }
        };
        out.push(artifact);
    }
    super::artifacts::check_pairs(&out)?;
    Ok(out)
}

/// Names a release-less bundle's files after their debug ID too: they are
/// found by debug ID only, and two builds' `~/app.js` must not replace each
/// other (old builds still run in browsers).
pub fn name_by_debug_id(artifacts: &mut [Artifact]) {
    for a in artifacts {
        if let Some(id) = a.debug_id {
            a.name = format!("{}#debugId={id}", a.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    const LIMITS: Limits = Limits { max_file_bytes: 1 << 20, max_zip_entries: 100, max_zip_bytes: 4 << 20 };

    fn bundle(manifest: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = b"SYSB\x02\x00\x00\x00".to_vec();
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("manifest.json", SimpleFileOptions::default()).unwrap();
        zip.write_all(manifest.as_bytes()).unwrap();
        for (path, content) in files {
            zip.start_file(*path, SimpleFileOptions::default()).unwrap();
            zip.write_all(content).unwrap();
        }
        out.extend(zip.finish().unwrap().into_inner());
        out
    }

    const ID: &str = "85314830-023f-4cf1-a267-535f4e37bb17";

    #[test]
    fn files_get_their_url_debug_id_and_map_from_the_manifest() {
        let manifest = format!(
            r#"{{"files":{{
              "files/_/_/app.js":{{"type":"minified_source","url":"~/app.js","headers":{{"debug-id":"{ID}","sourcemap":"app.js.map"}}}},
              "files/_/_/app.js.map":{{"type":"source_map","url":"~/app.js.map","headers":{{"debug-id":"{ID}"}}}},
              "files/_/_/src.ts":{{"type":"source","url":"~/src.ts"}}}},"org":"x"}}"#
        );
        let map = br#"{"version":3,"sources":["a.ts"],"names":[],"mappings":"AAAA"}"#;
        let zip = bundle(
            &manifest,
            &[("files/_/_/app.js", b"a();\n"), ("files/_/_/app.js.map", map), ("files/_/_/src.ts", b"x")],
        );
        let out = unpack(&zip, &LIMITS).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].name.as_str(), out[0].kind), ("~/app.js", Kind::Minified));
        assert_eq!(out[0].sourcemap_name.as_deref(), Some("~/app.js.map"));
        assert_eq!(out[1].debug_id.unwrap().to_string(), ID);
    }

    #[test]
    fn broken_bundles_are_refused() {
        assert!(matches!(unpack(b"SYSB\x02\x00\x00\x00garbage", &LIMITS), Err(ArtifactError::BadZip(_))));
        let no_manifest = bundle("{}", &[]);
        assert!(unpack(&no_manifest, &LIMITS).unwrap().is_empty());
        let missing = bundle(r#"{"files":{"files/a.js":{"type":"minified_source","url":"~/a.js"}}}"#, &[]);
        assert!(unpack(&missing, &LIMITS).unwrap_err().to_string().contains("lacks"));
        let corrupt = bundle(
            r#"{"files":{"files/a.js.map":{"type":"source_map","url":"~/a.js.map"}}}"#,
            &[("files/a.js.map", b"{not json")],
        );
        assert!(matches!(unpack(&corrupt, &LIMITS), Err(ArtifactError::CorruptMap { .. })));
    }

    #[test]
    fn a_bundle_inflating_past_the_cap_stops_early() {
        let big = vec![b' '; 3 << 20];
        let manifest = r#"{"files":{"files/a.js":{"type":"minified_source","url":"~/a.js"}}}"#;
        let zip = bundle(manifest, &[("files/a.js", &big)]);
        assert!(matches!(unpack(&zip, &LIMITS), Err(ArtifactError::FileTooLarge { .. })));
    }
}
