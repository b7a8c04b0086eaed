//! The issue tracker: every stored error event belongs to the issue of its
//! fingerprint. Sightings are merged in memory per (project, fingerprint) and
//! written to Postgres in one `INSERT … ON CONFLICT` per flush, so a busy
//! issue costs no query per event and a Postgres outage costs memory only in
//! proportion to the number of distinct issues, not events. An event newer
//! than an issue's resolution re-opens it as a regression. The upsert
//! returns which issues were inserted or re-opened, and the new-issue and
//! regression alert rules are evaluated on that in the same transaction
//! ([`crate::alerts::issue_rules`]).

pub mod activity;
pub mod assign;
pub mod lifecycle;
pub mod matching;
pub mod merge;
pub mod navigation;
pub mod search;
pub mod similar;
#[cfg(test)]
mod similar_eval;
pub mod stats;
pub mod status;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::watch;

use crate::{
    alerts::{
        issue_rules::{self, IssueChange},
        IssueRef,
    },
    store::rows::Row,
};

#[derive(Debug, Clone)]
struct Sighting {
    title: String,
    culprit: String,
    level: String,
    first_seen: u32,
    last_seen: u32,
    count: i64,
    environments: Vec<String>,
    /// Distinct releases and users (bounded), for [`lifecycle`].
    releases: Vec<String>,
    users: Vec<String>,
}

/// Adds `value` to `set` unless it is there, empty, or the set is full.
fn note(set: &mut Vec<String>, value: &str, cap: usize) {
    if !value.is_empty() && set.len() < cap && !set.iter().any(|v| v == value) {
        set.push(value.to_string());
    }
}

/// The key a user is counted by: id, else e-mail, else IP.
fn user_key(e: &crate::store::rows::EventRow) -> &str {
    [&e.user_id, &e.user_email, &e.user_ip].into_iter().find(|v| !v.is_empty()).map_or("", |v| v.as_str())
}

/// How often the tracker brings back issues whose snooze time passed.
const SNOOZE_SWEEP: Duration = Duration::from_secs(5);

/// Collects sightings from the batch writer and flushes them to Postgres.
#[derive(Clone, Default)]
pub struct IssueTracker {
    pending: Arc<Mutex<HashMap<(u64, String), Sighting>>>,
    /// The dashboard's base URL, for alert links; `None` = no alert rules.
    alerts: Option<url::Url>,
}

impl IssueTracker {
    /// Evaluates new-issue and regression alert rules at each flush, with links to `public_url`.
    pub fn with_alerts(mut self, public_url: url::Url) -> Self {
        self.alerts = Some(public_url);
        self
    }

    /// Notes the error events of a stored batch.
    pub fn record(&self, rows: &[Row]) {
        let mut pending = self.pending.lock().expect("issue tracker poisoned");
        for row in rows {
            let Row::Event(e) = row else { continue };
            let s = pending
                .entry((e.project_id, e.fingerprint.clone()))
                .and_modify(|s| {
                    s.first_seen = s.first_seen.min(e.timestamp);
                    if e.timestamp >= s.last_seen {
                        s.last_seen = e.timestamp;
                        s.level = e.level.clone();
                    }
                    s.count += 1;
                    if !s.environments.contains(&e.environment) {
                        s.environments.push(e.environment.clone());
                    }
                })
                .or_insert_with(|| Sighting {
                    title: e.title.clone(),
                    culprit: e.culprit.clone(),
                    level: e.level.clone(),
                    first_seen: e.timestamp,
                    last_seen: e.timestamp,
                    count: 1,
                    environments: vec![e.environment.clone()],
                    releases: Vec::new(),
                    users: Vec::new(),
                });
            note(&mut s.releases, &e.release, lifecycle::MAX_RELEASES);
            note(&mut s.users, user_key(e), lifecycle::MAX_USERS);
        }
    }

    /// Flushes every `every` until `shutdown`, then a last
    /// time, retrying that last flush for a few seconds if Postgres is down.
    pub async fn run(self, pool: PgPool, every: Duration, mut shutdown: watch::Receiver<bool>) {
        let mut final_attempts = 0;
        let mut swept = std::time::Instant::now();
        loop {
            let stop = *shutdown.borrow();
            if swept.elapsed() >= SNOOZE_SWEEP && !stop {
                swept = std::time::Instant::now();
                if let Err(e) = lifecycle::expire_snoozes(&pool, None).await {
                    tracing::warn!(error = %e, "cannot bring back issues whose snooze ended; will retry");
                }
            }
            match self.flush(&pool).await {
                Ok(_) if stop => return,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "cannot write issues to Postgres; will retry");
                    if stop {
                        final_attempts += 1;
                        if final_attempts >= 10 {
                            tracing::error!(
                                "giving up on issue sightings at shutdown; events are stored in ClickHouse"
                            );
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Writes all pending sightings in one statement; on failure they stay pending.
    pub async fn flush(&self, pool: &PgPool) -> Result<usize, sqlx::Error> {
        let batch: HashMap<(u64, String), Sighting> = std::mem::take(&mut *self.pending.lock().expect("poisoned"));
        if batch.is_empty() {
            return Ok(0);
        }
        let n = batch.len();
        let mut project_ids = Vec::with_capacity(n);
        let mut fingerprints = Vec::with_capacity(n);
        let mut titles = Vec::with_capacity(n);
        let mut culprits = Vec::with_capacity(n);
        let mut levels = Vec::with_capacity(n);
        let mut first = Vec::with_capacity(n);
        let mut last = Vec::with_capacity(n);
        let mut counts = Vec::with_capacity(n);
        for ((project_id, fingerprint), s) in &batch {
            project_ids.push(*project_id as i64);
            fingerprints.push(fingerprint.clone());
            titles.push(s.title.clone());
            culprits.push(s.culprit.clone());
            levels.push(s.level.clone());
            first.push(to_time(s.first_seen));
            last.push(to_time(s.last_seen));
            counts.push(s.count);
        }
        // Rows of a project deleted meanwhile are dropped by the EXISTS filter
        // instead of failing the whole statement on the foreign key.
        let result: Result<(), sqlx::Error> = async {
            let mut tx = pool.begin().await?;
            // `xmax = 0` marks a row this statement inserted; `regressed_at =
            // now()` one it re-opened (now() is fixed for the transaction).
            let rows: Vec<Upserted> = sqlx::query_as(
                "INSERT INTO issues (project_id, fingerprint, title, culprit, level, first_seen, last_seen, times_seen) \
                 SELECT u.* FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], \
                                        $6::timestamptz[], $7::timestamptz[], $8::bigint[]) \
                      AS u(project_id, fingerprint, title, culprit, level, first_seen, last_seen, times_seen) \
                 WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = u.project_id) \
                 ORDER BY u.project_id, u.fingerprint \
                 ON CONFLICT (project_id, fingerprint) DO UPDATE SET \
                     first_seen = LEAST(issues.first_seen, EXCLUDED.first_seen), \
                     last_seen = GREATEST(issues.last_seen, EXCLUDED.last_seen), \
                     level = CASE WHEN EXCLUDED.last_seen >= issues.last_seen THEN EXCLUDED.level ELSE issues.level END, \
                     times_seen = issues.times_seen + EXCLUDED.times_seen, \
                     status = CASE WHEN issues.status = 'resolved' AND EXCLUDED.last_seen > issues.resolved_at \
                                   THEN 'unresolved' ELSE issues.status END, \
                     regressed_at = CASE WHEN issues.status = 'resolved' AND EXCLUDED.last_seen > issues.resolved_at \
                                         THEN now() ELSE issues.regressed_at END \
                 RETURNING id, project_id, fingerprint, title, culprit, level, times_seen, \
                           xmax = 0, regressed_at IS NOT DISTINCT FROM now()",
            )
            .bind(project_ids)
            .bind(fingerprints)
            .bind(titles)
            .bind(culprits)
            .bind(levels)
            .bind(first)
            .bind(last)
            .bind(counts)
            .fetch_all(&mut *tx)
            .await?;
            // Snoozes, next-release resolutions and merges (additive to the time rule above).
            let flushed: Vec<lifecycle::Flushed> = rows
                .iter()
                .filter_map(|(id, project_id, fingerprint, .., times_seen, _, regressed)| {
                    let s = batch.get(&(*project_id as u64, fingerprint.clone()))?;
                    Some(lifecycle::Flushed {
                        id: *id,
                        project_id: *project_id,
                        times_seen: *times_seen,
                        regressed: *regressed,
                        last_seen: to_time(s.last_seen),
                        releases: &s.releases,
                        users: &s.users,
                    })
                })
                .collect();
            let applied = lifecycle::after_upsert(&mut tx, &flushed).await?;
            if let Some(public_url) = &self.alerts {
                // Events of a merged issue speak for its target: its environments go there.
                let mut target_envs: HashMap<i64, Vec<String>> = HashMap::new();
                for (id, project_id, fingerprint, ..) in &rows {
                    if let (Some(target), Some(s)) =
                        (applied.targets.get(id), batch.get(&(*project_id as u64, fingerprint.clone())))
                    {
                        let envs = target_envs.entry(*target).or_default();
                        s.environments.iter().for_each(|e| note(envs, e, usize::MAX));
                    }
                }
                let mut changes: Vec<IssueChange> = rows
                    .into_iter()
                    .filter(|row| !applied.targets.contains_key(&row.0))
                    .map(|(id, project_id, fingerprint, title, culprit, level, times_seen, inserted, regressed)| {
                        let s = batch.get(&(project_id as u64, fingerprint));
                        let added = s.map_or(0, |s| s.count);
                        IssueChange {
                            issue: IssueRef { id, title, culprit, level, times_seen },
                            project_id,
                            previous_times_seen: if inserted { 0 } else { times_seen - added },
                            inserted,
                            regressed: regressed || applied.reopened.contains(&id),
                            environments: s.map(|s| s.environments.clone()).unwrap_or_default(),
                        }
                    })
                    .collect();
                // A target flushed with events of its own keeps one change, re-opened by either.
                for t in merge::target_changes(&mut tx, &applied, target_envs).await? {
                    match changes.iter_mut().find(|c| c.issue.id == t.issue.id) {
                        Some(c) => {
                            c.regressed |= t.regressed;
                            t.environments.iter().for_each(|e| note(&mut c.environments, e, usize::MAX));
                        }
                        None => changes.push(t),
                    }
                }
                issue_rules::evaluate(&mut tx, &changes, public_url).await?;
            }
            tx.commit().await
        }
        .await;
        match result {
            Ok(()) => Ok(n),
            Err(e) => {
                self.merge_back(batch);
                Err(e)
            }
        }
    }

    fn merge_back(&self, batch: HashMap<(u64, String), Sighting>) {
        let mut pending = self.pending.lock().expect("poisoned");
        for (key, s) in batch {
            pending
                .entry(key)
                .and_modify(|p| {
                    p.first_seen = p.first_seen.min(s.first_seen);
                    p.last_seen = p.last_seen.max(s.last_seen);
                    p.count += s.count;
                    for env in &s.environments {
                        if !p.environments.contains(env) {
                            p.environments.push(env.clone());
                        }
                    }
                    for r in &s.releases {
                        note(&mut p.releases, r, lifecycle::MAX_RELEASES);
                    }
                    for u in &s.users {
                        note(&mut p.users, u, lifecycle::MAX_USERS);
                    }
                })
                .or_insert(s);
        }
    }
}

/// A row the upsert returns: id, project, fingerprint, title, culprit,
/// level, times seen, inserted by this flush, re-opened by this flush.
type Upserted = (i64, i64, String, String, String, String, i64, bool, bool);

fn to_time(secs: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(secs as i64, 0).unwrap_or_default()
}
