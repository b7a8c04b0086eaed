//! The path from a request to ClickHouse: the rows of an envelope are first
//! made durable in the write-ahead log ([`wal`]), then put on a bounded
//! in-memory queue ([`Queue`]); a batch writer inserts them by size or by
//! time, one table at a time, retrying what is retriable and quarantining
//! what ClickHouse refuses for good ([`writer`], [`insert`]); an on-disk spool
//! ([`spool`]) takes batches ClickHouse could not take, replayed once it is
//! back. Log segments are retired once their rows are stored.

pub mod insert;
pub mod spool;
pub mod wal;
pub mod writer;

use tokio::sync::mpsc;

use crate::store::rows::Row;
use wal::{IngestLog, LogError};

/// A row on the queue, with the log segment that holds it (none when the
/// log is off).
#[derive(Debug)]
pub struct Queued {
    pub row: Row,
    pub segment: Option<u64>,
}

/// The sending side of the bounded queue, held by the ingest endpoints.
#[derive(Clone)]
pub struct Queue {
    tx: mpsc::Sender<Queued>,
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
        let (tx, rx) = mpsc::channel(capacity);
        (Queue { tx }, rx)
    }

    /// Queues all `rows` or none of them, never waiting for room: room is
    /// reserved first, then the rows are written ahead to `log` (when there
    /// is one) and only then queued. The work runs in its own task, so a
    /// client that hangs up mid-way cannot leave logged rows unqueued.
    pub async fn push_all(&self, log: Option<&IngestLog>, rows: Vec<Row>) -> Result<(), QueueError> {
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
                permit.send(Queued { row, segment });
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
            permit.send(Queued { row, segment: None });
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
