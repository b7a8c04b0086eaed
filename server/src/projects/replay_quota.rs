//! Each project's daily replay quota: the bytes of replay recordings it may
//! store per UTC day (`replay_daily_quota_mb`, project settings, default
//! [`DEFAULT_DAILY_BYTES`]). Counted in memory per server process, like the
//! keys' rate limits (no database I/O on the ingest path): a restart starts
//! the day's count afresh and N servers admit up to N times the quota.
//! Past it, an envelope's replay items are refused with
//! `X-Sentry-Rate-Limits: <secs>:replay:project` until the next UTC day.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// The quota of a project that has none of its own: 1 GiB a day (a busy
/// site recording every session at ~40 KB a minute stays well under it).
pub const DEFAULT_DAILY_BYTES: u64 = 1024 * 1024 * 1024;

/// Projects counted at once; past this, the oldest day's counters are dropped.
const MAX_PROJECTS: usize = 100_000;

/// Bytes stored today per project; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ReplayUsage {
    used: Arc<Mutex<HashMap<u64, (i64, u64)>>>,
}

impl ReplayUsage {
    /// Counts `bytes` against the project's `quota` for the UTC day of
    /// `now_secs`, or (counting nothing) returns the seconds until the next
    /// day when they do not fit. An envelope larger than a whole day's quota
    /// is refused too.
    pub fn take(&self, project_id: u64, bytes: u64, quota: u64, now_secs: i64) -> Result<(), u64> {
        let day = now_secs.div_euclid(86_400);
        let mut used = self.used.lock().expect("replay usage poisoned");
        if used.len() >= MAX_PROJECTS && !used.contains_key(&project_id) {
            used.retain(|_, (d, _)| *d == day);
        }
        let entry = used.entry(project_id).or_insert((day, 0));
        if entry.0 != day {
            *entry = (day, 0);
        }
        if entry.1.saturating_add(bytes) > quota {
            let next_day = (day + 1) * 86_400;
            return Err((next_day - now_secs).max(1) as u64);
        }
        entry.1 += bytes;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_is_refused_past_its_quota_until_the_next_day() {
        let usage = ReplayUsage::default();
        let noon = 20_000 * 86_400 + 43_200;
        assert_eq!(usage.take(1, 600, 1000, noon), Ok(()));
        assert_eq!(usage.take(1, 600, 1000, noon), Err(43_200));
        assert_eq!(usage.take(2, 600, 1000, noon), Ok(()), "another project has its own count");
        assert_eq!(usage.take(1, 400, 1000, noon), Ok(()));
        assert_eq!(usage.take(1, 600, 1000, noon + 43_200), Ok(()), "a new day starts from zero");
    }
}
