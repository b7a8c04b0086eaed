//! The batch writer: takes rows off the queue, inserts them into ClickHouse in
//! batches (whichever comes first: `batch_size` rows or `flush_interval` after
//! the first row), and hands error events to the issue tracker once stored.
//!
//! A failed insert is retried with exponential backoff and the batch is kept:
//! an acknowledged row is never dropped. If ClickHouse stays down until the
//! queue is half full, the batch goes to the on-disk spool so the endpoint can
//! keep accepting; spooled batches are replayed when inserts succeed again.
//! On shutdown the queue is closed, drained and written; what ClickHouse
//! cannot take before the shutdown deadline is spooled.

use std::time::Duration;

use clickhouse::Client;
use tokio::{sync::mpsc, sync::watch, time::Instant};

use super::{spool::Spool, Queue};
use crate::{
    issues::IssueTracker,
    sourcemaps::symbolicate::Symbolicator,
    store::rows::{EventRow, Row, TransactionRow},
};

const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
const SPOOL_CHECK: Duration = Duration::from_secs(5);

/// Settings and handles the writer task needs.
pub struct Writer {
    pub client: Client,
    pub spool: Spool,
    pub tracker: IssueTracker,
    pub queue: Queue,
    pub batch_size: usize,
    pub flush_interval: Duration,
    pub shutdown_timeout: Duration,
    /// Maps minified frames before a batch is written (and so before it can be spooled).
    pub symbolicator: Option<Symbolicator>,
}

impl Writer {
    /// Runs until `shutdown` turns true and everything queued is written or spooled.
    pub async fn run(self, mut rx: mpsc::Receiver<Row>, mut shutdown: watch::Receiver<bool>) {
        let mut batch: Vec<Row> = Vec::with_capacity(self.batch_size.min(100_000));
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
                n = rx.recv_many(&mut batch, self.batch_size) => n,
                _ = shutdown.changed(), if deadline.is_none() => continue,
                _ = tokio::time::sleep_until(next_spool_check) => continue,
            };
            if received == 0 {
                break; // closed and drained
            }
            let fill_until = Instant::now() + self.flush_interval;
            while batch.len() < self.batch_size && deadline.is_none() {
                let room = self.batch_size - batch.len();
                let more = tokio::select! {
                    n = rx.recv_many(&mut batch, room) => n,
                    _ = tokio::time::sleep_until(fill_until) => break,
                    _ = shutdown.changed() => break,
                };
                if more == 0 {
                    break;
                }
            }
            if let Some(symbolicator) = &self.symbolicator {
                symbolicator.apply(&mut batch).await;
            }
            self.write_batch(std::mem::take(&mut batch), &shutdown, &mut deadline).await;
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

    /// Writes one batch, retrying until it is stored or spooled.
    async fn write_batch(&self, batch: Vec<Row>, shutdown: &watch::Receiver<bool>, deadline: &mut Option<Instant>) {
        let mut backoff = MIN_BACKOFF;
        loop {
            match insert(&self.client, &batch).await {
                Ok(()) => {
                    self.tracker.record(&batch);
                    return;
                }
                Err(e) => {
                    tracing::warn!(rows = batch.len(), error = %e, "ClickHouse insert failed; will retry");
                }
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
                if (late || self.under_pressure()) && self.try_spool(&batch) {
                    return;
                }
                if Instant::now() >= wake {
                    break;
                }
                tokio::time::sleep(MIN_BACKOFF.min(wake.saturating_duration_since(Instant::now()))).await;
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Tells whether the queue is more than half full.
    fn under_pressure(&self) -> bool {
        self.queue.free() < self.queue.capacity() / 2
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

    /// Inserts spooled batches, oldest first, until one fails.
    async fn replay_spool(&self) {
        for path in self.spool.files() {
            let rows = match Spool::read(&path) {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read spool file");
                    return;
                }
            };
            if let Err(e) = insert(&self.client, &rows).await {
                tracing::debug!(error = %e, "spool replay postponed");
                return;
            }
            self.tracker.record(&rows);
            if let Err(e) = std::fs::remove_file(&path) {
                // Leaving it would insert the rows twice on the next replay.
                tracing::error!(file = %path.display(), error = %e, "cannot delete replayed spool file");
                return;
            }
            tracing::info!(rows = rows.len(), file = %path.display(), "spooled batch replayed");
        }
    }
}

/// Inserts a mixed batch: one RowBinary INSERT per table.
pub async fn insert(client: &Client, rows: &[Row]) -> clickhouse::error::Result<()> {
    let events: Vec<&EventRow> =
        rows.iter().filter_map(|r| if let Row::Event(e) = r { Some(e) } else { None }).collect();
    let transactions: Vec<&TransactionRow> =
        rows.iter().filter_map(|r| if let Row::Transaction(t) = r { Some(t) } else { None }).collect();
    if !events.is_empty() {
        let mut insert = client.insert::<EventRow>("events").await?;
        for row in events {
            insert.write(row).await?;
        }
        insert.end().await?;
    }
    if !transactions.is_empty() {
        let mut insert = client.insert::<TransactionRow>("transactions").await?;
        for row in transactions {
            insert.write(row).await?;
        }
        insert.end().await?;
    }
    crate::store::feedback::insert(client, rows).await?;
    Ok(())
}
