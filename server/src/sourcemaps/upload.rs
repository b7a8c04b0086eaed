//! `sightline sourcemaps upload`: walks a build folder, pairs each minified
//! file with its map (its `sourceMappingURL`, else `<file>.map`), reads the
//! `//# debugId=` comments, and uploads pair by pair (so the server checks
//! each map against its file and no request grows with the folder), showing
//! progress on stderr and printing what the server stored on stdout.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use reqwest_client::multipart::{Form, Part};
use sightline_api_types::SourcemapUpload;

use super::artifacts::{artifact_name, js_debug_id, sourcemap_reference};

/// What to upload where.
#[derive(Debug, Clone)]
pub struct UploadArgs {
    /// Base URL of the Sightline server.
    pub server: url::Url,
    pub token: String,
    pub project: i64,
    pub release: String,
    /// Name prefix of the folder's files as served (`~/` or `~/static/js/`).
    pub url_prefix: String,
    pub dir: PathBuf,
}

/// One minified file and its map, either of which may be missing.
#[derive(Debug, Default)]
struct Group {
    files: Vec<(String, PathBuf)>,
}

/// Uploads every JavaScript file and source map under `args.dir`.
pub async fn run(args: UploadArgs) -> anyhow::Result<()> {
    let groups = collect(&args.dir, &args.url_prefix)?;
    if groups.is_empty() {
        bail!("no .js, .mjs, .cjs or .map files under {}", args.dir.display());
    }
    let mut endpoint = args.server.clone();
    endpoint
        .path_segments_mut()
        .map_err(|_| anyhow::anyhow!("{} cannot be a base URL", args.server))?
        .pop_if_empty()
        .extend(["api", "v1", "projects", &args.project.to_string(), "releases", &args.release, "sourcemaps"]);
    let client = reqwest_client::Client::new();
    let (count, mut uploaded, mut bytes) = (groups.len(), 0usize, 0i64);
    for (i, group) in groups.iter().enumerate() {
        let names: Vec<&str> = group.files.iter().map(|(n, _)| n.as_str()).collect();
        eprintln!("[{}/{count}] uploading {}", i + 1, names.join(" + "));
        let mut form = Form::new();
        for (name, path) in &group.files {
            let content = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let file_name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            form = form.text("name", name.clone()).part("file", Part::bytes(content).file_name(file_name));
        }
        let response = client
            .post(endpoint.clone())
            .bearer_auth(&args.token)
            .multipart(form)
            .send()
            .await
            .with_context(|| format!("cannot reach {}", args.server))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if !status.is_success() {
            let message = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
                .unwrap_or(body);
            bail!("upload of {} failed ({status}): {message}", names.join(" + "));
        }
        let stored: SourcemapUpload = serde_json::from_str(&body).context("unexpected answer from the server")?;
        for a in &stored.artifacts {
            let debug = a.debug_id.as_deref().map(|d| format!(", debug ID {d}")).unwrap_or_default();
            println!("uploaded {} ({}, {} bytes{debug})", a.name, a.kind, a.size);
            uploaded += 1;
            bytes += a.size;
        }
        if i + 1 == count {
            println!(
                "{uploaded} files ({bytes} bytes) uploaded to release {} of project {}; the project now uses {} of {} bytes",
                args.release, args.project, stored.usage_bytes, stored.quota_bytes
            );
        }
    }
    Ok(())
}

/// Finds the folder's JavaScript and maps and groups each map with its file.
fn collect(dir: &Path, prefix: &str) -> anyhow::Result<Vec<Group>> {
    let mut found = Vec::new();
    walk(dir, dir, &mut found)?;
    found.sort();
    let is_map = |rel: &str| rel.ends_with(".map");
    let mut groups = Vec::new();
    let mut used = vec![false; found.len()];
    for (i, (rel, path)) in found.iter().enumerate() {
        if is_map(rel) {
            continue;
        }
        used[i] = true;
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let map_rel = match sourcemap_reference(&text) {
            Some(reference) if !reference.contains("://") => join(rel, &reference),
            _ => format!("{rel}.map"),
        };
        let mut group = Group { files: vec![(artifact_name(prefix, rel), path.clone())] };
        if let Some(j) = found.iter().position(|(r, _)| *r == map_rel) {
            used[j] = true;
            group.files.push((artifact_name(prefix, &map_rel), found[j].1.clone()));
        }
        if let Some(id) = js_debug_id(&text) {
            eprintln!("{rel}: debug ID {id}");
        }
        groups.push(group);
    }
    for (i, (rel, path)) in found.iter().enumerate() {
        if !used[i] {
            groups.push(Group { files: vec![(artifact_name(prefix, rel), path.clone())] });
        }
    }
    Ok(groups)
}

/// Resolves a relative reference against a file's folder, both `/`-separated.
fn join(file: &str, reference: &str) -> String {
    let mut parts: Vec<&str> = file.split('/').collect();
    parts.pop();
    for seg in reference.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read folder {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "node_modules") {
                continue;
            }
            walk(root, &path, out)?;
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        if [".js", ".mjs", ".cjs", ".map"].iter().any(|ext| rel.ends_with(ext)) {
            out.push((rel, path));
        }
    }
    Ok(())
}
