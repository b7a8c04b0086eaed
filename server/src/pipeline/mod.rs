//! The path from a request to ClickHouse: the rows of an envelope are first
//! made durable in the write-ahead log ([`wal`]), then put on a bounded
//! in-memory queue ([`Queue`]); a batch writer inserts them by size or by
//! time, one table at a time, retrying what is retriable and quarantining
//! what ClickHouse refuses for good ([`writer`], [`insert`]); an on-disk spool
//! ([`spool`]) takes batches ClickHouse could not take, replayed once it is
//! back. Log segments are retired once their rows are stored.
//!
//! The queue is bounded twice: in rows, and in the bytes of the large
//! payloads some rows carry (replay recordings and feedback screenshots, up
//! to megabytes each). Those bytes are reserved from a semaphore before the
//! rows are accepted ([`Queue::reserve_blobs`]) and each row holds its share
//! ([`Queued::held`]) until its batch is stored or spooled, so the memory of
//! queued payloads never passes the budget however large the rows.

pub mod insert;
pub mod spool;
pub mod wal;
pub mod writer;

use std::sync::Arc;

use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use crate::store::rows::Row;
use wal::{IngestLog, LogError};

/// Bytes of large payloads queued at once unless configured
/// (`SIGHTLINE_QUEUE_MAX_BLOB_MB`).
pub const DEFAULT_BLOB_BYTES: usize = 64 * 1024 * 1024;

/// A row on the queue, with the log segment that holds it (none when the
/// log is off).
#[derive(Debug)]
pub struct Queued {
    pub row: Row,
    pub segment: Option<u64>,
    /// The row's share of the payload budget, released when it is dropped.
    pub held: Option<OwnedSemaphorePermit>,
}

/// The sending side of the bounded queue, held by the ingest endpoints.
#[derive(Clone)]
pub struct Queue {
    tx: mpsc::Sender<Queued>,
    blobs: Arc<Semaphore>,
    blob_capacity: usize,
}

/// Why rows could not be queued.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueueError {
    #[error("ingest queue is full")]
    Full,
    #[error("server is shutting down")]
    Closed,
    #[error(transparent)]
    Log(LogError),
}

impl Queue {
    /// Creates a queue holding at most `capacity` rows, and its receiver.
    pub fn new(capacity: usize) -> (Queue, mpsc::Receiver<Queued>) {
        Self::with_blob_budget(capacity, DEFAULT_BLOB_BYTES)
    }

    /// Creates a queue holding at most `capacity` rows and `blob_bytes` of
    /// their large payloads.
    pub fn with_blob_budget(capacity: usize, blob_bytes: usize) -> (Queue, mpsc::Receiver<Queued>) {
        let (tx, rx) = mpsc::channel(capacity);
        let blob_capacity = blob_bytes.min(Semaphore::MAX_PERMITS);
        (Queue { tx, blobs: Arc::new(Semaphore::new(blob_capacity)), blob_capacity }, rx)
    }

    /// Reserves room for the large payloads of `rows`, never waiting: `None`
    /// when they carry none, [`QueueError::Full`] when the budget has no room.
    /// Payloads larger than the whole budget take all of it (so a budget set
    /// below the largest item still admits one at a time).
    pub fn reserve_blobs(&self, rows: &[Row]) -> Result<Option<OwnedSemaphorePermit>, QueueError> {
        let bytes: usize = rows.iter().map(Row::blob_bytes).sum();
        if bytes == 0 {
            return Ok(None);
        }
        let n = u32::try_from(bytes.min(self.blob_capacity)).map_err(|_| QueueError::Full)?;
        self.blobs.clone().try_acquire_many_owned(n).map(Some).map_err(|_| QueueError::Full)
    }

    /// True when less than half of the payload budget is free.
    pub fn blobs_under_pressure(&self) -> bool {
        self.blobs.available_permits() < self.blob_capacity / 2
    }

    /// Queues all `rows` or none of them, never waiting for room: room is
    /// reserved first, then the rows are written ahead to `log` (when there
    /// is one) and only then queued. The work runs in its own task, so a
    /// client that hangs up mid-way cannot leave logged rows unqueued.
    /// `held` (from [`Queue::reserve_blobs`]) is shared out to the rows by
    /// their payload sizes; what is left of it is released.
    pub async fn push_all(
        &self,
        log: Option<&IngestLog>,
        rows: Vec<Row>,
        mut held: Option<OwnedSemaphorePermit>,
    ) -> Result<(), QueueError> {
        if rows.is_empty() {
            return Ok(());
        }
        let queue = self.clone();
        let log = log.cloned();
        let task = tokio::spawn(async move {
            let permits = queue.tx.try_reserve_many(rows.len()).map_err(|e| match e {
                mpsc::error::TrySendError::Full(()) => QueueError::Full,
                mpsc::error::TrySendError::Closed(()) => QueueError::Closed,
            })?;
            let segment = match &log {
                Some(log) => Some(log.append(wal::encode(&rows), rows.len()).await.map_err(QueueError::Log)?),
                None => None,
            };
            for (permit, row) in permits.zip(rows) {
                let share = match row.blob_bytes() {
                    0 => None,
                    n => match held.as_mut() {
                        Some(h) if h.num_permits() > n => h.split(n),
                        // The last payload (or one larger than the budget) keeps what is left.
                        _ => held.take(),
                    },
                };
                permit.send(Queued { row, segment, held: share });
            }
            Ok(())
        });
        task.await.map_err(|_| QueueError::Closed)?
    }

    /// Queues all `rows` or none, never waiting, without the write-ahead log:
    /// for rows built from state that was itself only in memory (page loads
    /// joined from spans, [`crate::pageloads`]), which a crash loses anyway.
    pub fn try_push_unlogged(&self, rows: Vec<Row>) -> Result<(), QueueError> {
        let permits = self.tx.try_reserve_many(rows.len()).map_err(|e| match e {
            mpsc::error::TrySendError::Full(()) => QueueError::Full,
            mpsc::error::TrySendError::Closed(()) => QueueError::Closed,
        })?;
        for (permit, row) in permits.zip(rows) {
            permit.send(Queued { row, segment: None, held: None });
        }
        Ok(())
    }

    /// Returns how many more rows fit right now.
    pub fn free(&self) -> usize {
        self.tx.capacity()
    }

    /// Returns the queue's total capacity.
    pub fn capacity(&self) -> usize {
        self.tx.max_capacity()
    }
}
