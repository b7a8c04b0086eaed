//! The batch writer: takes rows off the queue, inserts them into ClickHouse in
//! batches (whichever comes first: `batch_size` rows or `flush_interval` after
//! the first row), hands error events to the issue tracker once stored, and
//! then tells the write-ahead log those rows are done so it can retire them.
//!
//! Each table's part of a batch is inserted and retried on its own
//! ([`insert`]); a retriable failure is retried with exponential backoff and
//! the part is kept: an acknowledged row is never dropped. A part ClickHouse
//! refuses for good is quarantined. If ClickHouse stays down until the
//! queue is half full, the batch goes to the on-disk spool so the endpoint can
//! keep accepting; spooled batches are replayed when inserts succeed again.
//! On shutdown the queue is closed, drained and written; what ClickHouse
//! cannot take before the shutdown deadline is spooled.

use std::time::Duration;

use clickhouse::Client;
use tokio::{sync::mpsc, sync::watch, time::Instant};

use super::{
    insert::{self, Failure, Table},
    spool::Spool,
    wal::IngestLog,
    Queue, Queued,
};
use crate::{issues::IssueTracker, sourcemaps::symbolicate::Symbolicator, store::rows::Row};

const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
const SPOOL_CHECK: Duration = Duration::from_secs(5);

/// Settings and handles the writer task needs.
pub struct Writer {
    pub client: Client,
    pub spool: Spool,
    pub tracker: IssueTracker,
    pub queue: Queue,
    /// The write-ahead log whose segments this writer retires.
    pub log: Option<IngestLog>,
    pub batch_size: usize,
    pub flush_interval: Duration,
    pub shutdown_timeout: Duration,
    /// Maps minified frames before a batch is written (and so before it can be spooled).
    pub symbolicator: Option<Symbolicator>,
}

impl Writer {
    /// Runs until `shutdown` turns true and everything queued is written or spooled.
    pub async fn run(self, mut rx: mpsc::Receiver<Queued>, mut shutdown: watch::Receiver<bool>) {
        let mut queued: Vec<Queued> = Vec::with_capacity(self.batch_size.min(100_000));
        let mut deadline: Option<Instant> = None;
        let mut closed = false;
        let mut next_spool_check = Instant::now();
        loop {
            self.note_shutdown(&shutdown, &mut deadline);
            if deadline.is_some() && !closed {
                // Stop accepting; whatever is already queued is still received below.
                rx.close();
                closed = true;
            }
            if Instant::now() >= next_spool_check {
                self.replay_spool().await;
                next_spool_check = Instant::now() + SPOOL_CHECK;
            }
            let received = tokio::select! {
                n = rx.recv_many(&mut queued, self.batch_size) => n,
                _ = shutdown.changed(), if deadline.is_none() => continue,
                _ = tokio::time::sleep_until(next_spool_check) => continue,
            };
            if received == 0 {
                break; // closed and drained
            }
            let fill_until = Instant::now() + self.flush_interval;
            while queued.len() < self.batch_size && deadline.is_none() {
                let room = self.batch_size - queued.len();
                let more = tokio::select! {
                    n = rx.recv_many(&mut queued, room) => n,
                    _ = tokio::time::sleep_until(fill_until) => break,
                    _ = shutdown.changed() => break,
                };
                if more == 0 {
                    break;
                }
            }
            // Which log segments the batch's rows came from, to retire them once written.
            let mut segments: Vec<(u64, usize)> = Vec::new();
            let mut batch: Vec<Row> = Vec::with_capacity(queued.len());
            // The payload budget the batch holds, given back once it is stored or spooled.
            let mut held = Vec::new();
            for Queued { row, segment, held: share } in queued.drain(..) {
                held.extend(share);
                if let Some(seq) = segment {
                    match segments.iter_mut().find(|(s, _)| *s == seq) {
                        Some((_, n)) => *n += 1,
                        None => segments.push((seq, 1)),
                    }
                }
                batch.push(row);
            }
            if let Some(symbolicator) = &self.symbolicator {
                symbolicator.apply(&mut batch).await;
            }
            self.write_batch(batch, &shutdown, &mut deadline).await;
            drop(held);
            if let Some(log) = &self.log {
                segments.into_iter().for_each(|(seq, n)| log.done(seq, n));
            }
        }
        self.replay_spool().await;
        tracing::info!("batch writer stopped");
    }

    /// Starts the shutdown deadline the first time the signal is seen.
    fn note_shutdown(&self, shutdown: &watch::Receiver<bool>, deadline: &mut Option<Instant>) {
        if deadline.is_none() && *shutdown.borrow() {
            *deadline = Some(Instant::now() + self.shutdown_timeout);
        }
    }

    /// Writes one batch, table by table, retrying each part until it is
    /// stored, quarantined or spooled.
    async fn write_batch(&self, batch: Vec<Row>, shutdown: &watch::Receiver<bool>, deadline: &mut Option<Instant>) {
        let mut parts: Vec<Part> =
            insert::split(batch).into_iter().map(|(table, rows)| Part { table, rows, check: Check::No }).collect();
        let mut backoff = MIN_BACKOFF;
        loop {
            let mut left = Vec::with_capacity(parts.len());
            for mut part in parts {
                match self.store_part(&mut part).await {
                    Ok(()) => {}
                    Err(Failure::Permanent(e)) if self.try_quarantine(&part, &e) => {}
                    Err(e) => {
                        tracing::warn!(table = part.table.name(), rows = part.rows.len(), error = %e, "ClickHouse insert failed; will retry");
                        // The answer may have been lost after a commit: look before resending.
                        part.check = Check::Retry;
                        left.push(part);
                    }
                }
            }
            parts = left;
            if parts.is_empty() {
                return;
            }
            self.note_shutdown(shutdown, deadline);
            let deadline = *deadline;
            let sleep = match deadline {
                Some(d) => backoff.min(d.saturating_duration_since(Instant::now()).max(MIN_BACKOFF)),
                None => backoff,
            };
            // Sleep in slices so rising queue pressure spills at once, not after a long backoff.
            let wake = Instant::now() + sleep;
            loop {
                let late = deadline.is_some_and(|d| Instant::now() >= d);
                if late || self.under_pressure() {
                    let rows: Vec<Row> = parts.iter().flat_map(|p| p.rows.iter().cloned()).collect();
                    if self.try_spool(&rows) {
                        return;
                    }
                }
                if Instant::now() >= wake {
                    break;
                }
                tokio::time::sleep(MIN_BACKOFF.min(wake.saturating_duration_since(Instant::now()))).await;
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Inserts one part, first taking out rows already stored when an
    /// earlier attempt may have committed; hands the rows it stored to the
    /// tracker (and, on a retry, those its lost attempt stored).
    async fn store_part(&self, part: &mut Part) -> Result<(), Failure> {
        if part.check != Check::No {
            let stored = insert::take_stored(&self.client, part.table, &mut part.rows).await?;
            if !stored.is_empty() {
                tracing::info!(
                    table = part.table.name(),
                    rows = stored.len(),
                    "rows already stored by an earlier attempt"
                );
            }
            // This process never counted what its own lost attempt stored; a
            // replayed file's stored rows were counted by whoever stored them.
            if part.check == Check::Retry {
                self.tracker.record(&stored);
            }
            part.check = Check::No;
            if part.rows.is_empty() {
                return Ok(());
            }
        }
        insert::insert(&self.client, part.table, &part.rows).await?;
        self.tracker.record(&part.rows);
        Ok(())
    }

    /// Moves a permanently refused part to quarantine; false if the disk refused.
    fn try_quarantine(&self, part: &Part, error: &str) -> bool {
        match self.spool.quarantine(part.table.name(), &part.rows, error) {
            Ok(path) => {
                tracing::error!(table = part.table.name(), rows = part.rows.len(), file = %path.display(), error, "ClickHouse refused a batch for good; quarantined");
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot quarantine a refused batch; keeping it in memory");
                false
            }
        }
    }

    /// Tells whether the queue is more than half full.
    fn under_pressure(&self) -> bool {
        self.queue.free() < self.queue.capacity() / 2 || self.queue.blobs_under_pressure()
    }

    /// Moves a batch to the spool; false if the disk refused it too.
    fn try_spool(&self, batch: &[Row]) -> bool {
        match self.spool.write(batch) {
            Ok(path) => {
                tracing::warn!(rows = batch.len(), file = %path.display(), "batch spooled to disk");
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot spool batch; keeping it in memory");
                false
            }
        }
    }

    /// Replays spool files and recovered log segments, oldest first, until
    /// ClickHouse fails in a way worth retrying. Rows already stored (by a
    /// process that died before deleting the file) are skipped; a part
    /// refused for good is quarantined and the replay goes on.
    async fn replay_spool(&self) {
        for path in self.spool.files() {
            let mut rows = match Spool::read_any(&path) {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read spool file");
                    return;
                }
            };
            if let Some(symbolicator) = &self.symbolicator {
                // Recovered log rows were never symbolicated; spooled ones carry no hints.
                symbolicator.apply(&mut rows).await;
            }
            let total = rows.len();
            for (table, rows) in insert::split(rows) {
                let mut part = Part { table, rows, check: Check::Replay };
                match self.store_part(&mut part).await {
                    Ok(()) => {}
                    Err(Failure::Permanent(e)) if self.try_quarantine(&part, &e) => {}
                    Err(e) => {
                        tracing::debug!(error = %e, "spool replay postponed");
                        return;
                    }
                }
            }
            if let Err(e) = std::fs::remove_file(&path) {
                tracing::error!(file = %path.display(), error = %e, "cannot delete replayed spool file");
                return;
            }
            tracing::info!(rows = total, file = %path.display(), "spooled batch replayed");
        }
    }
}

/// One table's part of a batch on its way to ClickHouse.
struct Part {
    table: Table,
    rows: Vec<Row>,
    /// Whether rows may already be stored, and by whom.
    check: Check,
}

/// Whether a part must look for rows already stored before inserting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// A first attempt: nothing can be stored yet.
    No,
    /// This process's earlier attempt failed, perhaps after committing.
    Retry,
    /// A spool file or recovered log segment: a process that died (or
    /// failed to delete the file) may have stored and counted its rows.
    Replay,
}
