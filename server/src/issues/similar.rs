//! Similar issues: which other issues of a project are probably the same
//! bug, computed here from what is stored, with no model and no network.
//!
//! Each issue is reduced to a [`Signature`] of its latest event: the
//! exception type, the in-app frames as `file` features (content hashes
//! replaced, so two builds of one bundle agree) plus `function|file`
//! features when the function name is not a minifier's one- or two-letter
//! name, and the message's words after ids, numbers, URLs and hex were
//! replaced by placeholders (the grouping's own [`normalize_message`]).
//! [`score`] mixes the Jaccard similarity of the frame sets and of the word
//! sets with equality of the type. Sets are small and a project's recent
//! issues few (at most [`CANDIDATES`]), so exact Jaccard costs less than the
//! MinHash sketches that would approximate it. The threshold and the
//! weights were chosen on the labelled set in `similar_eval.rs`; precision
//! and recall are in bench/BENCHMARKS.md.

use std::collections::{BTreeSet, HashMap};

use clickhouse::Row;
use serde::Deserialize;
use sightline_api_types::SimilarIssue;
use sqlx::PgPool;

use crate::event::fingerprint::{normalize_filename, normalize_message};

/// Scores at or above this are shown as similar.
pub const THRESHOLD: f64 = 0.6;
/// The most recent issues compared with one issue.
pub const CANDIDATES: i64 = 500;
/// The most similar issues returned.
const SHOWN: usize = 10;

/// What similarity compares of one issue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signature {
    pub exception_type: String,
    pub frames: BTreeSet<String>,
    pub words: BTreeSet<String>,
}

/// Builds the signature of an event from its exception type, its message
/// (exception value, else message) and its stored frames JSON.
pub fn signature(exception_type: &str, message: &str, frames_json: &str) -> Signature {
    let frames: Vec<serde_json::Value> = serde_json::from_str(frames_json).unwrap_or_default();
    let any_in_app = frames.iter().any(|f| f["in_app"] == true);
    let mut features = BTreeSet::new();
    for f in frames.iter().filter(|f| !any_in_app || f["in_app"] == true) {
        let file = ["filename", "abs_path", "module"].iter().find_map(|k| f[*k].as_str()).unwrap_or("");
        let file = normalize_filename(file);
        let function = f["function"].as_str().unwrap_or("");
        // Minified names ("t", "Xe") differ between builds of the same code.
        let function = function.rsplit('.').next().unwrap_or("");
        if !file.is_empty() {
            features.insert(format!("file:{file}"));
        }
        if function.chars().count() > 2 {
            features.insert(format!("fn:{function}|{file}"));
        }
    }
    let words = normalize_message(message)
        .split(|c: char| !(c.is_alphanumeric() || c == '<' || c == '>' || c == '_'))
        .filter(|w| w.chars().count() > 1)
        .map(str::to_lowercase)
        .collect();
    Signature { exception_type: exception_type.to_string(), frames: features, words }
}

/// Returns how alike two signatures are, from 0 to 1.
pub fn score(a: &Signature, b: &Signature) -> f64 {
    let same_type = f64::from(u8::from(!a.exception_type.is_empty() && a.exception_type == b.exception_type));
    let words = set_similarity(&a.words, &b.words);
    if a.frames.is_empty() || b.frames.is_empty() {
        return 0.3 * same_type + 0.7 * words;
    }
    let frames = set_similarity(&a.frames, &b.frames);
    0.4 * frames + 0.4 * words + 0.2 * same_type
}

/// Jaccard similarity: shared elements over all elements (0 for two empty sets).
fn set_similarity(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

#[derive(Debug, Row, Deserialize)]
struct Latest {
    fingerprint: String,
    exception_type: String,
    exception_value: String,
    message: String,
    frames: String,
}

/// Returns the issues of `project_id` most like `issue_id`, above [`THRESHOLD`].
pub async fn similar(
    pg: &PgPool,
    ch: &clickhouse::Client,
    project_id: i64,
    issue_id: i64,
) -> anyhow::Result<Vec<SimilarIssue>> {
    let issues: Vec<(i64, String, String, String)> = sqlx::query_as(
        "(SELECT id, fingerprint, title, culprit FROM issues WHERE id = $2) UNION \
         (SELECT id, fingerprint, title, culprit FROM issues WHERE project_id = $1 AND merged_into IS NULL AND id <> $2 \
          ORDER BY last_seen DESC LIMIT $3)",
    )
    .bind(project_id)
    .bind(issue_id)
    .bind(CANDIDATES)
    .fetch_all(pg)
    .await?;
    let fingerprints: Vec<&str> = issues.iter().map(|i| i.1.as_str()).collect();
    let sql = format!(
        "SELECT fingerprint, exception_type, exception_value, message, frames FROM events \
         WHERE project_id = ? AND fingerprint IN ({}) ORDER BY fingerprint, timestamp DESC LIMIT 1 BY fingerprint",
        vec!["?"; fingerprints.len()].join(", ")
    );
    let mut q = ch.query(&sql).bind(project_id as u64);
    for f in &fingerprints {
        q = q.bind(*f);
    }
    let latest: Vec<Latest> = q.fetch_all().await?;
    let signatures: HashMap<&str, Signature> = latest
        .iter()
        .map(|l| {
            let message = if l.exception_value.is_empty() { &l.message } else { &l.exception_value };
            (l.fingerprint.as_str(), signature(&l.exception_type, message, &l.frames))
        })
        .collect();
    let Some(own) = issues.iter().find(|i| i.0 == issue_id).and_then(|i| signatures.get(i.1.as_str())) else {
        return Ok(vec![]);
    };
    let mut found: Vec<SimilarIssue> = issues
        .iter()
        .filter(|i| i.0 != issue_id)
        .filter_map(|(id, fingerprint, title, culprit)| {
            let s = score(own, signatures.get(fingerprint.as_str())?);
            (s >= THRESHOLD).then(|| SimilarIssue {
                id: *id,
                title: title.clone(),
                culprit: culprit.clone(),
                score: (s * 1000.0).round() / 1000.0,
            })
        })
        .collect();
    found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    found.truncate(SHOWN);
    Ok(found)
}
