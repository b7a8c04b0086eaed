//! Outcomes: what became of every item an SDK sent, counted per project,
//! public key, day, category and reason — relay's outcomes, so a team can see
//! what it is missing.
//!
//! * `accepted`: stored (an error, a transaction, a span of a page load, a
//!   session update or aggregate group, category `session`);
//! * `filtered`: read and deliberately not stored (item types Sightline does
//!   not keep — replays, … — and spans that are not page loads);
//! * `rate_limited`: refused by the key's rate limit (429);
//! * `invalid`: unreadable or over a limit, with the reason;
//! * `client_discard`: what the SDK itself dropped, from its `client_report`
//!   items ([`client_report`]).
//!
//! Counting is in memory ([`Tally`], bounded: past [`MAX_KEYS`] distinct
//! counters, new reasons fold into `other`) and flushed to the ClickHouse
//! `outcomes` table (SummingMergeTree, one row per counter and flush) every few
//! seconds and at shutdown. A failed flush keeps its rows exactly as they
//! were and sends that same block again first: if the first attempt had in
//! fact committed (its answer lost), replicated tables (cluster mode) drop the
//! repeat as a duplicate block, so counts are not doubled. A single 18.16 node
//! has no such deduplication for plain MergeTree: there, one flush's counts
//! (five seconds of them) can count twice after a lost answer.
//! Nothing is logged per item. [`usage`] reads the figures back.

pub mod client_report;
pub mod usage;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use clickhouse::Client;
use serde::{Deserialize, Serialize};

/// Distinct counters held between flushes, at most.
pub const MAX_KEYS: usize = 10_000;
/// Longest category or reason kept; SDK-sent text is cut there.
const MAX_LABEL: usize = 64;

/// What became of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Accepted,
    Filtered,
    RateLimited,
    Invalid,
    ClientDiscard,
}

impl Outcome {
    /// Returns the name stored and shown: `accepted`, `rate_limited`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Filtered => "filtered",
            Outcome::RateLimited => "rate_limited",
            Outcome::Invalid => "invalid",
            Outcome::ClientDiscard => "client_discard",
        }
    }
}

/// One counted fact about a request's items.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemOutcome {
    pub outcome: Outcome,
    /// `error`, `transaction`, `span`, or the item type (`session`, …).
    pub category: String,
    /// Why, for all but `accepted`: `not_stored`, `too_large`, `invalid_payload`, ….
    pub reason: String,
    pub quantity: u64,
}

impl ItemOutcome {
    /// Builds an outcome; labels are cut to a bounded, printable form.
    pub fn new(outcome: Outcome, category: &str, reason: &str, quantity: u64) -> Self {
        ItemOutcome { outcome, category: label(category), reason: label(reason), quantity }
    }
}

/// Keeps `[a-z0-9_.:-]` (lowercased), at most [`MAX_LABEL`] characters; empty reads `unknown`.
fn label(s: &str) -> String {
    let out: String = s
        .chars()
        .filter_map(|c| {
            let c = c.to_ascii_lowercase();
            (c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-')).then_some(c)
        })
        .take(MAX_LABEL)
        .collect();
    if out.is_empty() {
        "unknown".into()
    } else {
        out
    }
}

/// Turns a refused request's accepted items into `rate_limited` ones.
pub fn rate_limited(outcomes: &mut [ItemOutcome]) {
    for o in outcomes.iter_mut().filter(|o| o.outcome == Outcome::Accepted) {
        o.outcome = Outcome::RateLimited;
        o.reason = "key_rate_limit".into();
    }
}

/// A row of the `outcomes` table (field order = column order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clickhouse::Row)]
pub struct OutcomeRow {
    pub project_id: u64,
    /// Start of the UTC day, seconds since the epoch.
    pub day: u32,
    pub public_key: String,
    pub outcome: String,
    pub category: String,
    pub reason: String,
    pub quantity: u64,
}

type Counter = (u64, u32, String, Outcome, String, String);

/// Counts outcomes in memory until they are flushed; cheap to clone.
#[derive(Clone, Default)]
pub struct Tally {
    counts: Arc<Mutex<HashMap<Counter, u64>>>,
    /// The rows of a failed flush, sent again unchanged before anything new.
    unsent: Arc<Mutex<Option<Vec<OutcomeRow>>>>,
}

impl Tally {
    /// Adds a request's outcomes under its project and key, today.
    pub fn record(&self, project_id: u64, public_key: &str, outcomes: &[ItemOutcome]) {
        if outcomes.is_empty() {
            return;
        }
        let day = day_start(chrono::Utc::now().timestamp());
        let key = label(public_key);
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        for o in outcomes.iter().filter(|o| o.quantity > 0) {
            let mut counter = (project_id, day, key.clone(), o.outcome, o.category.clone(), o.reason.clone());
            if counts.len() >= MAX_KEYS && !counts.contains_key(&counter) {
                counter.4 = "other".into();
                counter.5 = "other".into();
            }
            *counts.entry(counter).or_default() += o.quantity;
        }
    }

    /// Takes the counts so far as rows, leaving the tally empty.
    pub fn take(&self) -> Vec<OutcomeRow> {
        let counts = std::mem::take(&mut *self.counts.lock().unwrap_or_else(|e| e.into_inner()));
        counts
            .into_iter()
            .map(|((project_id, day, public_key, outcome, category, reason), quantity)| OutcomeRow {
                project_id,
                day,
                public_key,
                outcome: outcome.as_str().into(),
                category,
                reason,
                quantity,
            })
            .collect()
    }

    /// Writes the counts so far to ClickHouse; returns the rows written. A
    /// failed flush's rows wait, unchanged, to be sent first next time.
    pub async fn flush(&self, ch: &Client) -> clickhouse::error::Result<usize> {
        let mut written = 0;
        let unsent = self.unsent.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(rows) = unsent {
            written += self.send(ch, rows).await?;
        }
        let rows = self.take();
        if !rows.is_empty() {
            written += self.send(ch, rows).await?;
        }
        Ok(written)
    }

    /// Inserts `rows` as one block; on failure keeps them to be sent again as they are.
    async fn send(&self, ch: &Client, rows: Vec<OutcomeRow>) -> clickhouse::error::Result<usize> {
        match insert(ch, &rows).await {
            Ok(()) => Ok(rows.len()),
            Err(e) => {
                *self.unsent.lock().unwrap_or_else(|e| e.into_inner()) = Some(rows);
                Err(e)
            }
        }
    }

    /// Flushes every `every` until the task is aborted.
    pub async fn run(self, ch: Client, every: Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = self.flush(&ch).await {
                tracing::warn!(error = %e, "cannot write outcomes; keeping them for the next flush");
            }
        }
    }
}

async fn insert(ch: &Client, rows: &[OutcomeRow]) -> clickhouse::error::Result<()> {
    let mut insert = ch.insert::<OutcomeRow>("outcomes").await?;
    for row in rows {
        insert.write(row).await?;
    }
    insert.end().await
}

/// Returns the start of the UTC day of `secs`.
fn day_start(secs: i64) -> u32 {
    u32::try_from(secs - secs.rem_euclid(86_400)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_per_counter_and_labels_are_bounded() {
        let tally = Tally::default();
        let o = |outcome, cat: &str, reason: &str, n| ItemOutcome::new(outcome, cat, reason, n);
        tally.record(1, "abc", &[o(Outcome::Accepted, "error", "", 1), o(Outcome::Accepted, "error", "", 2)]);
        tally.record(1, "abc", &[o(Outcome::Invalid, "Event", "Too Large!", 1)]);
        tally.record(2, "def", &[o(Outcome::Filtered, "x".repeat(500).as_str(), "not_stored", 1)]);
        let mut rows = tally.take();
        rows.sort_by_key(|r| (r.project_id, r.outcome.clone()));
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].outcome.as_str(), rows[0].category.as_str(), rows[0].quantity), ("accepted", "error", 3));
        assert_eq!(rows[0].reason, "unknown");
        assert_eq!((rows[1].category.as_str(), rows[1].reason.as_str()), ("event", "toolarge"));
        assert_eq!(rows[2].category.len(), MAX_LABEL);
        assert_eq!(rows[0].day % 86_400, 0);
        assert!(tally.take().is_empty(), "taken");
    }

    #[test]
    fn past_the_limit_new_reasons_fold_into_other() {
        let tally = Tally::default();
        for i in 0..MAX_KEYS + 50 {
            tally.record(1, "k", &[ItemOutcome::new(Outcome::ClientDiscard, "error", &format!("r{i}"), 1)]);
        }
        let rows = tally.take();
        assert_eq!(rows.len(), MAX_KEYS + 1);
        let other = rows.iter().find(|r| r.reason == "other").unwrap();
        assert_eq!(other.quantity, 50);
    }
}
