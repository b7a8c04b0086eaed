//! Each project's daily replay quota: the bytes of replay recordings it may
//! store per UTC day (`replay_daily_quota_mb`, project settings, default
//! [`DEFAULT_DAILY_BYTES`]). The ingest path does no database I/O: each
//! server counts in memory what it admitted, on top of what every server
//! had stored today when it last asked ClickHouse ([`ReplayUsage::run_refresher`],
//! every 30 s). So a restart does not reset the day, and N servers share one
//! quota; they can overshoot it by what the others admitted since the last
//! refresh plus what waits in their queues. Past it, an envelope's replay
//! items are refused with `X-Sentry-Rate-Limits: <secs>:replay:project` until
//! the next UTC day.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

/// The quota of a project that has none of its own: 1 GiB a day (a busy
/// site recording every session at ~40 KB a minute stays well under it).
pub const DEFAULT_DAILY_BYTES: u64 = 1024 * 1024 * 1024;

/// Projects counted at once; past this, the oldest day's counters are dropped.
const MAX_PROJECTS: usize = 100_000;

/// One project's count for one UTC day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct DayCount {
    day: i64,
    /// Stored by all servers, as ClickHouse said at the last refresh.
    stored: u64,
    /// Admitted by this server since that refresh began.
    local: u64,
}

/// Bytes stored today per project; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ReplayUsage {
    used: Arc<Mutex<HashMap<u64, DayCount>>>,
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
            used.retain(|_, c| c.day == day);
        }
        let entry = used.entry(project_id).or_insert(DayCount { day, ..DayCount::default() });
        if entry.day != day {
            *entry = DayCount { day, ..DayCount::default() };
        }
        if entry.stored.saturating_add(entry.local).saturating_add(bytes) > quota {
            let next_day = (day + 1) * 86_400;
            return Err((next_day - now_secs).max(1) as u64);
        }
        entry.local += bytes;
        Ok(())
    }

    /// What this server admitted so far today, per project: taken just
    /// before asking ClickHouse, and given back to [`ReplayUsage::refreshed`].
    fn local_counts(&self, day: i64) -> HashMap<u64, u64> {
        let used = self.used.lock().expect("replay usage poisoned");
        used.iter().filter(|(_, c)| c.day == day).map(|(p, c)| (*p, c.local)).collect()
    }

    /// Replaces the stored figures of `day` with `stored` (all servers, as
    /// ClickHouse just said). What this server admitted before the question
    /// (`asked_after`) is in those figures now; what it admitted since stays local.
    fn refreshed(&self, day: i64, asked_after: &HashMap<u64, u64>, stored: &HashMap<u64, u64>) {
        let mut used = self.used.lock().expect("replay usage poisoned");
        for (project, c) in used.iter_mut().filter(|(_, c)| c.day == day) {
            c.stored = stored.get(project).copied().unwrap_or(0);
            c.local = c.local.saturating_sub(asked_after.get(project).copied().unwrap_or(0));
        }
        for (project, bytes) in stored {
            if used.len() >= MAX_PROJECTS {
                break;
            }
            used.entry(*project).or_insert(DayCount { day, stored: *bytes, local: 0 });
        }
    }

    /// Asks ClickHouse every `every` what each project stored today, forever
    /// (the task is aborted at shutdown); a failed question keeps the counts.
    pub async fn run_refresher(self, ch: clickhouse::Client, every: Duration) {
        loop {
            let now = chrono::Utc::now().timestamp();
            let day = now.div_euclid(86_400);
            let before = self.local_counts(day);
            match crate::store::replays::stored_bytes_of_day(&ch, day * 86_400).await {
                Ok(stored) => self.refreshed(day, &before, &stored.into_iter().collect()),
                Err(e) => tracing::warn!(error = %e, "cannot read today's replay bytes; quotas count locally"),
            }
            tokio::time::sleep(every).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOON: i64 = 20_000 * 86_400 + 43_200;

    #[test]
    fn a_project_is_refused_past_its_quota_until_the_next_day() {
        let usage = ReplayUsage::default();
        assert_eq!(usage.take(1, 600, 1000, NOON), Ok(()));
        assert_eq!(usage.take(1, 600, 1000, NOON), Err(43_200));
        assert_eq!(usage.take(2, 600, 1000, NOON), Ok(()), "another project has its own count");
        assert_eq!(usage.take(1, 400, 1000, NOON), Ok(()));
        assert_eq!(usage.take(1, 600, 1000, NOON + 43_200), Ok(()), "a new day starts from zero");
    }

    #[test]
    fn what_other_servers_stored_counts_and_nothing_is_counted_twice() {
        let usage = ReplayUsage::default();
        let day = NOON / 86_400;
        assert_eq!(usage.take(1, 300, 1000, NOON), Ok(()));
        let asked_after = usage.local_counts(day);
        // Admitted while ClickHouse answers: not in its figure yet.
        assert_eq!(usage.take(1, 100, 1000, NOON), Ok(()));
        // ClickHouse holds our 300 and 500 from another server; project 2 is only elsewhere.
        usage.refreshed(day, &asked_after, &HashMap::from([(1, 800), (2, 1000)]));
        assert_eq!(usage.take(1, 101, 1000, NOON), Err(43_200), "800 stored + 100 pending + 101 > 1000");
        assert_eq!(usage.take(1, 100, 1000, NOON), Ok(()));
        assert_eq!(usage.take(2, 1, 1000, NOON), Err(43_200), "a restarted server still knows project 2's day");
        // A refresh for an older day changes nothing of today's.
        usage.refreshed(day - 1, &HashMap::new(), &HashMap::from([(1, 0)]));
        assert_eq!(usage.take(1, 1, 1000, NOON), Err(43_200));
    }
}
