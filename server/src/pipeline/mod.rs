//! The path from an acknowledged request to ClickHouse: a bounded in-memory
//! queue ([`Queue`]), a batch writer that inserts by size or by time and
//! retries with backoff ([`writer`]), and an on-disk spool ([`spool`]) for
//! batches ClickHouse could not take, replayed once it is back.

pub mod spool;
pub mod writer;

use tokio::sync::mpsc;

use crate::store::rows::Row;

/// The sending side of the bounded queue, held by the ingest endpoints.
#[derive(Clone)]
pub struct Queue {
    tx: mpsc::Sender<Row>,
}

/// Why rows could not be queued.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueueError {
    #[error("ingest queue is full")]
    Full,
    #[error("server is shutting down")]
    Closed,
}

impl Queue {
    /// Creates a queue holding at most `capacity` rows, and its receiver.
    pub fn new(capacity: usize) -> (Queue, mpsc::Receiver<Row>) {
        let (tx, rx) = mpsc::channel(capacity);
        (Queue { tx }, rx)
    }

    /// Queues all `rows` or none of them, never waiting.
    pub fn try_push_all(&self, rows: Vec<Row>) -> Result<(), QueueError> {
        if rows.is_empty() {
            return Ok(());
        }
        let permits = self.tx.try_reserve_many(rows.len()).map_err(|e| match e {
            mpsc::error::TrySendError::Full(()) => QueueError::Full,
            mpsc::error::TrySendError::Closed(()) => QueueError::Closed,
        })?;
        for (permit, row) in permits.zip(rows) {
            permit.send(row);
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
