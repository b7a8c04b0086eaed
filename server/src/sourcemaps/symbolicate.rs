//! Symbolication of a batch of error rows, run by the batch writer before
//! the batch is inserted (see the README's "Source maps" for why there).
//!
//! For each JavaScript frame the map is found by the debug ID the SDK sent
//! for the frame's file (`debug_meta.images`), else by the event's release
//! and the file's URL (exact, then `~/path`), through the minified file's
//! `sourceMappingURL` or `<url>.map`. Parsed maps and minified sources are
//! kept in a moka cache bounded by bytes. A frame that cannot be mapped keeps
//! its minified values and the reason; a failing look-up never drops a row.
//! Rows with at least one mapped frame are regrouped from the original frames.

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use moka::sync::Cache;
use serde_json::Value;
use sourcemap::{DecodedMap, SourceView};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    artifacts::parse_map,
    frames,
    store::{self, ArtifactRef},
};
use crate::{
    event::regroup,
    store::rows::{EventRow, Row, SourcemapHints},
};

/// Longest a batch's look-ups may wait for Postgres before rows go on unmapped.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);
/// After a look-up timed out, batches skip symbolication this long, so a
/// stalled Postgres costs the writer one timeout, not one per batch (a
/// look-up that fails fast costs nothing and is tried again next batch).
const PAUSE_AFTER_FAILURE: Duration = Duration::from_secs(30);

/// A parsed artifact.
enum Loaded {
    Map(Box<DecodedMap>),
    Source(SourceView),
}

/// A parsed artifact and the cache weight it was given.
struct Cached {
    loaded: Loaded,
    weight: u32,
}

/// Look-ups of one batch: (project, release, file URL, debug ID) → map or why none.
type Lookups = HashMap<(i64, String, String, Option<Uuid>), Result<Found, String>>;

/// The map (and, if uploaded, the minified source) for one file of one event.
#[derive(Clone)]
struct Found {
    map: Arc<Cached>,
    source: Option<Arc<Cached>>,
}

/// Maps frames through uploaded source maps; cheap to clone.
#[derive(Clone)]
pub struct Symbolicator {
    pg: PgPool,
    cache: Cache<(i64, String), Arc<Cached>>,
    paused_until: Arc<Mutex<Option<Instant>>>,
}

impl Symbolicator {
    /// Creates a symbolicator whose parsed-artifact cache holds about `cache_bytes`.
    pub fn new(pg: PgPool, cache_bytes: u64) -> Symbolicator {
        let cache = Cache::builder().max_capacity(cache_bytes).weigher(|_, v: &Arc<Cached>| v.weight).build();
        Symbolicator { pg, cache, paused_until: Arc::default() }
    }

    /// Symbolicates the error rows of `rows` in place.
    pub async fn apply(&self, rows: &mut [Row]) {
        let mut projects: Vec<i64> = rows
            .iter()
            .filter_map(|r| match r {
                Row::Event(e) if e.sourcemap_hints.is_some() => Some(e.project_id as i64),
                _ => None,
            })
            .collect();
        if projects.is_empty() {
            return;
        }
        projects.sort_unstable();
        projects.dedup();
        let paused = self.paused_until.lock().expect("poisoned").is_some_and(|until| Instant::now() < until);
        if paused {
            return;
        }
        let with_maps = match timed(store::projects_with_artifacts(&self.pg, &projects)).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "cannot look up source maps; storing events unsymbolicated");
                if e == TIMED_OUT {
                    tracing::warn!(pause = ?PAUSE_AFTER_FAILURE, "Postgres is slow: source maps paused");
                    *self.paused_until.lock().expect("poisoned") = Some(Instant::now() + PAUSE_AFTER_FAILURE);
                }
                return;
            }
        };
        let mut found = Lookups::new();
        for row in rows.iter_mut() {
            let Row::Event(event) = row else { continue };
            let Some(hints) = event.sourcemap_hints.take() else { continue };
            if with_maps.contains(&(event.project_id as i64)) {
                self.symbolicate(event, &hints, &mut found).await;
            }
        }
    }

    async fn symbolicate(&self, event: &mut EventRow, hints: &SourcemapHints, found: &mut Lookups) {
        let Ok(Value::Array(mut list)) = serde_json::from_str::<Value>(&event.frames) else { return };
        let project = event.project_id as i64;
        let mut mapped_any = false;
        let mut caller: Option<String> = None;
        for frame in list.iter_mut() {
            let pos = match frames::position(frame) {
                None => {
                    caller = None;
                    continue;
                }
                Some(Err(reason)) => {
                    frames::mark_unmapped(frame, &reason);
                    caller = None;
                    continue;
                }
                Some(Ok(pos)) => pos,
            };
            let debug_id = hints.debug_ids.iter().find(|(file, _)| *file == pos.url).map(|(_, id)| *id);
            let key = (project, event.release.clone(), url_key(&pos.url), debug_id);
            if !found.contains_key(&key) {
                let result = self.find(project, &event.release, &pos.url, debug_id).await;
                found.insert(key.clone(), result);
            }
            let this_caller = caller.take();
            match &found[&key] {
                Ok(f) => {
                    let Loaded::Map(map) = &f.map.loaded else { continue };
                    let view = f.source.as_deref().and_then(|s| match &s.loaded {
                        Loaded::Source(v) => Some(v),
                        Loaded::Map(_) => None,
                    });
                    caller = frames::name_at(map, &pos);
                    match frames::map_frame(frame, &pos, map, view, this_caller.as_deref()) {
                        Ok(()) => mapped_any = true,
                        Err(reason) => frames::mark_unmapped(frame, &reason),
                    }
                }
                Err(reason) => frames::mark_unmapped(frame, reason),
            }
        }
        if mapped_any {
            regroup::regroup(event, &list, hints);
        } else {
            event.frames = Value::Array(list).to_string();
        }
    }

    /// Finds the map for a file, or says why there is none.
    async fn find(&self, project: i64, release: &str, url: &str, debug_id: Option<Uuid>) -> Result<Found, String> {
        let unavailable = |e: String| {
            tracing::warn!(error = %e, "source-map look-up failed");
            "source maps are unavailable right now (storage error)".to_string()
        };
        if let Some(id) = debug_id {
            let refs = timed(store::by_debug_id(&self.pg, project, id)).await.map_err(unavailable)?;
            let map = refs.iter().find(|r| r.kind == "sourcemap");
            let Some(map) = map else {
                return Err(format!("debug ID {id} is unknown: no source map was uploaded with it"));
            };
            let source = refs.iter().find(|r| r.kind == "minified");
            return self.found(map, source).await;
        }
        if release.is_empty() {
            return Err("the event has no release and its file no debug ID".into());
        }
        let names = candidates(url);
        let refs = timed(store::by_names(&self.pg, project, release, &names)).await.map_err(unavailable)?;
        let minified = names.iter().find_map(|n| refs.iter().find(|r| &r.name == n && r.kind == "minified"));
        let map_names: Vec<String> = match minified.and_then(|m| m.sourcemap_name.clone()) {
            Some(name) => candidates(&name),
            None => names.iter().map(|n| format!("{n}.map")).collect(),
        };
        let maps = timed(store::by_names(&self.pg, project, release, &map_names)).await.map_err(unavailable)?;
        let map = map_names.iter().find_map(|n| maps.iter().find(|r| &r.name == n && r.kind == "sourcemap"));
        match map {
            Some(map) => self.found(map, minified).await,
            None => {
                Err(format!("no source map for release {release} and {}", names.last().unwrap_or(&url.to_string())))
            }
        }
    }

    async fn found(&self, map: &ArtifactRef, source: Option<&ArtifactRef>) -> Result<Found, String> {
        let map = self.load(map, true).await?;
        let source = match source {
            Some(s) => self.load(s, false).await.ok(),
            None => None,
        };
        Ok(Found { map, source })
    }

    /// Returns a parsed artifact from the cache, or loads and parses it.
    async fn load(&self, artifact: &ArtifactRef, is_map: bool) -> Result<Arc<Cached>, String> {
        let key = (artifact.id, artifact.sha256.clone());
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit);
        }
        let bytes = timed(store::content(&self.pg, artifact.id))
            .await
            .map_err(|e| format!("cannot load {}: {e}", artifact.name))?
            .ok_or_else(|| format!("{} was deleted", artifact.name))?;
        let name = artifact.name.clone();
        // A parsed map takes a few times its JSON in memory; weigh by what was read.
        let factor = if is_map { 3 } else { 1 };
        let weight = (bytes.len() as u64 * factor).min(u32::MAX as u64) as u32;
        let parsed = tokio::task::spawn_blocking(move || {
            if is_map {
                parse_map(&name, &bytes).map(|m| Loaded::Map(Box::new(m))).map_err(|e| e.to_string())
            } else {
                String::from_utf8(bytes).map(|s| Loaded::Source(SourceView::from_string(s))).map_err(|e| e.to_string())
            }
        })
        .await
        .map_err(|e| e.to_string())??;
        let cached = Arc::new(Cached { loaded: parsed, weight });
        self.cache.insert(key, cached.clone());
        Ok(cached)
    }
}

/// What [`timed`] answers when Postgres did not answer in time.
const TIMED_OUT: &str = "timed out";

/// Runs a Postgres look-up with [`LOOKUP_TIMEOUT`].
async fn timed<T>(fut: impl Future<Output = sqlx::Result<T>>) -> Result<T, String> {
    match tokio::time::timeout(LOOKUP_TIMEOUT, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(TIMED_OUT.into()),
    }
}

/// The part of a URL that decides which artifact serves it (no query or fragment).
fn url_key(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or("").to_string()
}

/// Artifact names that may serve `url`, most specific first: the URL itself,
/// then `~/path` (any host), as sentry-cli's `~/` URL prefix means.
pub fn candidates(url: &str) -> Vec<String> {
    let bare = url_key(url);
    let mut out = vec![bare.clone()];
    if let Some((_, rest)) = bare.split_once("://") {
        let path = rest.find('/').map_or("", |i| &rest[i + 1..]);
        out.push(format!("~/{path}"));
    } else if let Some(path) = bare.strip_prefix('/') {
        out.push(format!("~/{path}"));
    }
    if url != bare {
        out.insert(0, url.to_string());
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::candidates;

    #[test]
    fn a_url_is_served_by_itself_or_by_its_tilde_path() {
        assert_eq!(
            candidates("https://shop.example/static/app.js"),
            ["https://shop.example/static/app.js", "~/static/app.js"]
        );
        assert_eq!(candidates("http://h:8080/a.js?v=1"), ["http://h:8080/a.js?v=1", "http://h:8080/a.js", "~/a.js"]);
        assert_eq!(candidates("~/a.js"), ["~/a.js"]);
    }
}
