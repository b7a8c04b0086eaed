//! The project-key cache: every key in memory, so authenticating an ingest
//! request costs a hash lookup and no database I/O. It is reloaded when
//! Postgres announces a change (`LISTEN sightline_project_keys`) and on a
//! timer; while Postgres is unreachable the last good copy keeps serving.
//! Each entry carries its key's token-bucket rate limiter; an envelope with
//! more events than the bucket holds is admitted when the bucket is full.
//! Next to the keys it holds each project's ingest policy — allowed origins
//! and compiled scrubbing rules — so those cost no query either.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, RwLock},
    time::Duration,
};

use governor::{clock::Clock, DefaultDirectRateLimiter, Quota, RateLimiter};
use sqlx::{postgres::PgListener, PgPool};
use tokio::sync::watch;

use super::origins::AllowedOrigins;
use super::replay_quota::{ReplayUsage, DEFAULT_DAILY_BYTES};
use crate::scrub::{ScrubSettings, Scrubber};

/// What the ingest path needs to know about a key.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    pub project_id: u64,
    pub active: bool,
    /// Events per minute; `None` = unlimited.
    pub rate_limit_per_minute: Option<u32>,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
}

/// The outcome of asking a key's rate limiter for `n` events.
#[derive(Debug, PartialEq, Eq)]
pub enum RateDecision {
    Allowed,
    /// Limited; retry after this many whole seconds.
    Limited(u64),
}

impl KeyEntry {
    /// Takes `n` tokens from this key's bucket, or says how long to wait.
    pub fn check_rate(&self, n: u32) -> RateDecision {
        let (Some(limiter), Some(n)) = (&self.limiter, NonZeroU32::new(n)) else {
            return RateDecision::Allowed;
        };
        match limiter.check_n(n) {
            Ok(Ok(())) => RateDecision::Allowed,
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
                RateDecision::Limited(wait.as_secs_f64().ceil().max(1.0) as u64)
            }
            // More events in one envelope than the whole bucket holds: no wait
            // would ever let it through, so (as Relay) it is admitted when the
            // bucket is full, and empties it; the next one waits a full refill.
            Err(capacity) => match limiter.check_n(NonZeroU32::new(capacity.0).unwrap_or(NonZeroU32::MIN)) {
                Ok(Ok(())) => RateDecision::Allowed,
                Ok(Err(not_until)) => {
                    let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
                    RateDecision::Limited(wait.as_secs_f64().ceil().max(1.0) as u64)
                }
                Err(_) => RateDecision::Limited(60),
            },
        }
    }
}

/// What ingest applies to every request of one project.
#[derive(Debug, Default)]
pub struct ProjectPolicy {
    pub allowed_origins: AllowedOrigins,
    /// `None` when the project scrubs nothing.
    pub scrubber: Option<Arc<Scrubber>>,
    /// Bytes of replay recordings a day; `None` = [`DEFAULT_DAILY_BYTES`].
    pub replay_daily_bytes: Option<u64>,
}

impl ProjectPolicy {
    /// Builds the policy of a project from its stored settings.
    pub fn new(allowed_origins: &[String], scrub: &ScrubSettings) -> Self {
        ProjectPolicy {
            allowed_origins: AllowedOrigins::from_list(allowed_origins),
            scrubber: Scrubber::new(scrub).map(Arc::new),
            replay_daily_bytes: None,
        }
    }

    /// Returns the project's daily replay quota in bytes.
    pub fn replay_quota(&self) -> u64 {
        self.replay_daily_bytes.unwrap_or(DEFAULT_DAILY_BYTES)
    }
}

/// One load of every key and project policy.
#[derive(Default)]
struct Snapshot {
    keys: HashMap<String, KeyEntry>,
    policies: HashMap<u64, Arc<ProjectPolicy>>,
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    id: i64,
    allowed_origins: Vec<String>,
    scrub_data: bool,
    scrub_ip_addresses: bool,
    sensitive_fields: Vec<String>,
    safe_fields: Vec<String>,
    replay_daily_quota_mb: i32,
}

/// A shared, reloadable map from public key to [`KeyEntry`], and from project to [`ProjectPolicy`].
#[derive(Clone)]
pub struct KeyCache {
    inner: Arc<RwLock<Arc<Snapshot>>>,
    /// What a project missing from the cache gets (its keys are unknown anyway).
    default_policy: Arc<ProjectPolicy>,
    default_rate_limit: Option<u32>,
    loaded: watch::Sender<bool>,
    /// One reload at a time: two overlapping reloads (a NOTIFY and the timer)
    /// would each build a fresh bucket from the same old snapshot, and the
    /// later one would refill a key whose bucket the traffic had emptied.
    reloading: Arc<tokio::sync::Mutex<()>>,
    /// Replay bytes stored today per project, against [`ProjectPolicy::replay_quota`].
    replay_usage: ReplayUsage,
}

impl KeyCache {
    /// Creates an empty cache; `default_rate_limit` applies to keys without their own.
    pub fn new(default_rate_limit: Option<u32>) -> Self {
        KeyCache {
            reloading: Arc::default(),
            inner: Arc::default(),
            default_policy: Arc::new(ProjectPolicy::new(&[], &ScrubSettings::default())),
            default_rate_limit,
            loaded: watch::channel(false).0,
            replay_usage: ReplayUsage::default(),
        }
    }

    /// Returns the per-project count of replay bytes stored today.
    pub fn replay_usage(&self) -> &ReplayUsage {
        &self.replay_usage
    }

    /// Looks up a public key.
    pub fn get(&self, public_key: &str) -> Option<KeyEntry> {
        self.inner.read().expect("key cache poisoned").keys.get(public_key).cloned()
    }

    /// Returns a project's ingest policy (the defaults for a project not loaded).
    pub fn policy(&self, project_id: u64) -> Arc<ProjectPolicy> {
        let snapshot = self.inner.read().expect("key cache poisoned").clone();
        snapshot.policies.get(&project_id).cloned().unwrap_or_else(|| self.default_policy.clone())
    }

    /// Tells whether at least one load from Postgres has succeeded.
    pub fn is_loaded(&self) -> bool {
        *self.loaded.borrow()
    }

    /// Reloads every key from Postgres, keeping the buckets of unchanged keys.
    #[tracing::instrument(skip_all)]
    pub async fn reload(&self, pool: &PgPool) -> Result<usize, sqlx::Error> {
        let _one_at_a_time = self.reloading.lock().await;
        let rows: Vec<(String, i64, bool, Option<i32>)> =
            sqlx::query_as("SELECT public_key, project_id, is_active, rate_limit_per_minute FROM project_keys")
                .fetch_all(pool)
                .await?;
        let projects: Vec<PolicyRow> = sqlx::query_as(
            "SELECT id, allowed_origins, scrub_data, scrub_ip_addresses, sensitive_fields, safe_fields, \
             replay_daily_quota_mb FROM projects",
        )
        .fetch_all(pool)
        .await?;
        let policies = projects
            .into_iter()
            .map(|p| {
                let scrub = ScrubSettings {
                    scrub_data: p.scrub_data,
                    scrub_ip_addresses: p.scrub_ip_addresses,
                    sensitive_fields: p.sensitive_fields,
                    safe_fields: p.safe_fields,
                };
                let replay_daily_bytes = Some(p.replay_daily_quota_mb.max(0) as u64 * 1024 * 1024);
                let policy = ProjectPolicy { replay_daily_bytes, ..ProjectPolicy::new(&p.allowed_origins, &scrub) };
                (p.id as u64, Arc::new(policy))
            })
            .collect();
        let old = self.inner.read().expect("key cache poisoned").clone();
        let mut map = HashMap::with_capacity(rows.len());
        for (key, project_id, active, own_limit) in rows {
            let limit = own_limit.map(|l| l as u32).or(self.default_rate_limit);
            let limiter = match old.keys.get(&key) {
                Some(prev) if prev.rate_limit_per_minute == limit => prev.limiter.clone(),
                _ => limit.and_then(NonZeroU32::new).map(|l| Arc::new(RateLimiter::direct(Quota::per_minute(l)))),
            };
            map.insert(key, KeyEntry { project_id: project_id as u64, active, rate_limit_per_minute: limit, limiter });
        }
        let count = map.len();
        *self.inner.write().expect("key cache poisoned") = Arc::new(Snapshot { keys: map, policies });
        self.loaded.send_replace(true);
        Ok(count)
    }

    /// Keeps the cache current until the process ends: reload on NOTIFY, on a
    /// timer, and with backoff while Postgres is unreachable.
    pub async fn run_refresher(self, pool: PgPool, every: Duration) {
        let mut backoff = Duration::from_millis(200);
        loop {
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(mut l) => match l.listen("sightline_project_keys").await {
                    Ok(()) => Some(l),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot LISTEN for key changes");
                        None
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, "cannot connect key-change listener");
                    None
                }
            };
            // Load after LISTEN so no change slips between the two.
            match self.reload(&pool).await {
                Ok(n) => {
                    tracing::debug!(keys = n, "project keys loaded");
                    backoff = Duration::from_millis(200);
                }
                Err(e) => tracing::warn!(error = %e, "cannot reload project keys; serving the cached copy"),
            }
            let Some(listener) = listener.as_mut() else {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(every);
                continue;
            };
            loop {
                match tokio::time::timeout(every, listener.recv()).await {
                    Ok(Ok(_)) | Err(_) => match self.reload(&pool).await {
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "cannot reload project keys"),
                    },
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "key-change listener lost; reconnecting");
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(per_minute: u32) -> KeyEntry {
        let limiter = Arc::new(RateLimiter::direct(Quota::per_minute(NonZeroU32::new(per_minute).unwrap())));
        KeyEntry { project_id: 1, active: true, rate_limit_per_minute: Some(per_minute), limiter: Some(limiter) }
    }

    #[test]
    fn an_envelope_larger_than_the_burst_passes_when_the_bucket_is_full() {
        let key = entry(10);
        assert_eq!(key.check_rate(25), RateDecision::Allowed, "a full bucket admits it and is emptied");
        match key.check_rate(1) {
            RateDecision::Limited(secs) => assert!((1..=6).contains(&secs), "one token back in 6 s: {secs}"),
            RateDecision::Allowed => panic!("the bucket was drained"),
        }
    }

    #[test]
    fn an_oversized_envelope_waits_for_a_full_bucket_not_forever() {
        let key = entry(60);
        assert_eq!(key.check_rate(1), RateDecision::Allowed);
        match key.check_rate(100) {
            // One token spent, refilled at one a second.
            RateDecision::Limited(secs) => assert_eq!(secs, 1),
            RateDecision::Allowed => panic!("the bucket was not full"),
        }
    }
}
