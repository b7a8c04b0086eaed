//! Inserting one table's part of a batch, exactly once.
//!
//! A batch is split by table and each part is inserted and retried on its
//! own, so a failed `transactions` insert never re-sends the `events` that
//! were already stored. Errors are classified ([`Failure`]): network errors,
//! timeouts, overload and "too many parts" are retriable; syntax, type and
//! schema errors (ClickHouse error codes) are permanent and the part goes to
//! quarantine instead of being retried forever.
//!
//! A retried insert may find that its first attempt had in fact committed
//! (the answer was lost). Two defences:
//! - every part carries a deterministic deduplication token (a hash of its
//!   table and rows), sent as `insert_deduplication_token` to servers that
//!   know the setting (22.2 and later, detected with `version()`); with
//!   Replicated tables or `non_replicated_deduplication_window` the server
//!   then drops a repeated block itself;
//! - ClickHouse 18.16 has neither the setting nor a non-replicated window
//!   (its Replicated tables deduplicate identical blocks by checksum only),
//!   so before any retry, and before replaying a spool file or a recovered
//!   log segment, the writer asks which `(project_id, event_id)` of the part
//!   are already stored ([`existing`]) and sends only the others. Rows found
//!   are not handed to the issue tracker again either, so Postgres counts
//!   are not doubled.

use std::{
    collections::HashSet,
    sync::atomic::{AtomicU8, Ordering},
};

use clickhouse::Client;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::store::rows::{EventRow, FeedbackRow, ReplayRow, ReplaySegmentRow, Row, ScreenshotRow, TransactionRow};

/// The ClickHouse tables a batch is split into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Events,
    Transactions,
    Feedback,
    Screenshots,
    Replays,
    ReplaySegments,
}

/// Every table, in the order a batch's parts are written.
const TABLES: [Table; 6] =
    [Table::Events, Table::Transactions, Table::Feedback, Table::Screenshots, Table::Replays, Table::ReplaySegments];

impl Table {
    /// Returns the table's name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Events => "events",
            Table::Transactions => "transactions",
            Table::Feedback => "feedback",
            Table::Screenshots => "feedback_screenshots",
            Table::Replays => "replays",
            Table::ReplaySegments => "replay_segments",
        }
    }

    /// Returns the column that, with `project_id`, names a row.
    fn id_column(self) -> &'static str {
        match self {
            Table::Events | Table::Transactions => "event_id",
            Table::Feedback | Table::Screenshots => "feedback_id",
            // One row per segment: its id hashes replay and segment ids.
            Table::Replays | Table::ReplaySegments => "item_id",
        }
    }

    fn of(row: &Row) -> Table {
        match row {
            Row::Event(_) => Table::Events,
            Row::Transaction(_) => Table::Transactions,
            Row::Feedback(_) => Table::Feedback,
            Row::Screenshot(_) => Table::Screenshots,
            Row::Replay(_) => Table::Replays,
            Row::ReplaySegment(_) => Table::ReplaySegments,
        }
    }
}

/// Splits rows into non-empty per-table parts, in table order.
pub fn split(rows: Vec<Row>) -> Vec<(Table, Vec<Row>)> {
    let mut parts: Vec<(Table, Vec<Row>)> = TABLES.iter().map(|&t| (t, Vec::new())).collect();
    for row in rows {
        let table = Table::of(&row);
        if let Some((_, part)) = parts.iter_mut().find(|(t, _)| *t == table) {
            part.push(row);
        }
    }
    parts.retain(|(_, rows)| !rows.is_empty());
    parts
}

/// Why an insert or a lookup failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Failure {
    /// Worth retrying: ClickHouse down, slow or overloaded.
    #[error("{0}")]
    Retriable(String),
    /// ClickHouse refuses these rows for good (schema, type, syntax).
    #[error("{0}")]
    Permanent(String),
}

/// Error codes ClickHouse gives for a request it will never accept as sent.
/// Anything else (network, timeouts 159/209, too many parts 252, memory 241,
/// read-only replicas, unknown insert status 319…) is retried, and so is a
/// missing table or database (60, 81): `sightline migrate` fixes those.
const PERMANENT_CODES: &[u32] =
    &[6, 10, 16, 26, 27, 32, 33, 38, 41, 43, 44, 47, 48, 53, 62, 69, 70, 72, 117, 131, 158, 167, 168, 190];

/// Classifies a client error by the ClickHouse code in its text.
pub fn classify(e: &clickhouse::error::Error) -> Failure {
    use clickhouse::error::Error as E;
    let text = e.to_string();
    match e {
        E::BadResponse(_) if code_of(&text).is_some_and(|c| PERMANENT_CODES.contains(&c)) => Failure::Permanent(text),
        _ => Failure::Retriable(text),
    }
}

fn code_of(text: &str) -> Option<u32> {
    let rest = &text[text.find("Code: ")? + "Code: ".len()..];
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// Whether the server knows `insert_deduplication_token`: 0 unknown, 1 no, 2 yes.
static TOKENS: AtomicU8 = AtomicU8::new(0);

/// Detects once (per process) whether the server takes deduplication tokens.
async fn server_takes_tokens(client: &Client) -> bool {
    match TOKENS.load(Ordering::Relaxed) {
        1 => return false,
        2 => return true,
        _ => {}
    }
    let Ok(version) = client.query("SELECT version()").fetch_one::<String>().await else { return false };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    let yes = (major, minor) >= (22, 2);
    TOKENS.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
    yes
}

/// Returns the part's deduplication token: its table and row ids, hashed.
pub fn token(table: Table, rows: &[Row]) -> String {
    let mut hash = Sha256::new();
    hash.update(table.name());
    for row in rows {
        let (project, id) = key(row);
        hash.update(project.to_le_bytes());
        hash.update(id.as_bytes());
    }
    hex::encode(&hash.finalize()[..16])
}

fn key(row: &Row) -> (u64, Uuid) {
    match row {
        Row::Event(e) => (e.project_id, e.event_id),
        Row::Transaction(t) => (t.project_id, t.event_id),
        Row::Feedback(f) => (f.project_id, f.feedback_id),
        // A feedback's screenshots share its id and are written in one block.
        Row::Screenshot(s) => (s.project_id, s.feedback_id),
        Row::Replay(r) => (r.project_id, r.item_id),
        Row::ReplaySegment(r) => (r.project_id, r.item_id),
    }
}

fn timestamp(row: &Row) -> u32 {
    match row {
        Row::Event(e) => e.timestamp,
        Row::Transaction(t) => t.timestamp,
        Row::Feedback(f) => f.timestamp,
        Row::Screenshot(s) => s.timestamp,
        Row::Replay(r) => r.timestamp,
        Row::ReplaySegment(r) => r.timestamp,
    }
}

/// Writes the rows of `R` among `rows` in one INSERT.
async fn write_all<'a, R, F>(client: &Client, table: Table, rows: &'a [Row], pick: F) -> clickhouse::error::Result<()>
where
    R: clickhouse::RowOwned + clickhouse::RowWrite,
    F: Fn(&'a Row) -> Option<&'a R>,
{
    let mut insert = client.insert::<R>(table.name()).await?;
    for row in rows.iter().filter_map(pick) {
        insert.write(row).await?;
    }
    insert.end().await
}

/// Inserts one table's part in one RowBinary INSERT.
pub async fn insert(client: &Client, table: Table, rows: &[Row]) -> Result<(), Failure> {
    let client = if server_takes_tokens(client).await {
        client.clone().with_setting("insert_deduplication_token", token(table, rows))
    } else {
        client.clone()
    };
    let sent = match table {
        Table::Events => {
            write_all::<EventRow, _>(&client, table, rows, |r| match r {
                Row::Event(e) => Some(e),
                _ => None,
            })
            .await
        }
        Table::Transactions => {
            write_all::<TransactionRow, _>(&client, table, rows, |r| match r {
                Row::Transaction(t) => Some(t),
                _ => None,
            })
            .await
        }
        Table::Feedback => {
            write_all::<FeedbackRow, _>(&client, table, rows, |r| match r {
                Row::Feedback(f) => Some(f),
                _ => None,
            })
            .await
        }
        Table::Screenshots => {
            write_all::<ScreenshotRow, _>(&client, table, rows, |r| match r {
                Row::Screenshot(s) => Some(s),
                _ => None,
            })
            .await
        }
        Table::Replays => {
            write_all::<ReplayRow, _>(&client, table, rows, |r| match r {
                Row::Replay(r) => Some(r),
                _ => None,
            })
            .await
        }
        Table::ReplaySegments => {
            write_all::<ReplaySegmentRow, _>(&client, table, rows, |r| match r {
                Row::ReplaySegment(r) => Some(r),
                _ => None,
            })
            .await
        }
    };
    sent.map_err(|e| classify(&e))
}

/// Ids per lookup query: 2,000 UUID literals stay well under 18.16's 256 KiB `max_query_size`.
const LOOKUP_CHUNK: usize = 2_000;

/// Returns which `(project_id, event_id)` of `rows` the table already holds.
pub async fn existing(client: &Client, table: Table, rows: &[Row]) -> Result<HashSet<(u64, Uuid)>, Failure> {
    let mut found = HashSet::new();
    for chunk in rows.chunks(LOOKUP_CHUNK) {
        let (mut min, mut max) = (u32::MAX, 0u32);
        let mut projects: Vec<u64> = Vec::new();
        let mut ids = String::with_capacity(chunk.len() * 40);
        for row in chunk {
            let ts = timestamp(row);
            (min, max) = (min.min(ts), max.max(ts));
            let (project, id) = key(row);
            if !projects.contains(&project) {
                projects.push(project);
            }
            if !ids.is_empty() {
                ids.push(',');
            }
            // Our own UUIDs, formatted by us: nothing to escape.
            ids.push_str(&format!("'{id}'"));
        }
        let projects = projects.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        // The timestamp range prunes partitions; toString works on every version.
        let sql = format!(
            "SELECT project_id, toString({id}) FROM {table} WHERE project_id IN ({projects}) \
             AND timestamp >= toDateTime({min}) AND timestamp <= toDateTime({max}) AND toString({id}) IN ({ids})",
            table = table.name(),
            id = table.id_column()
        );
        let stored: Vec<(u64, String)> = client.query(&sql).fetch_all().await.map_err(|e| classify(&e))?;
        found.extend(stored.into_iter().filter_map(|(p, id)| Some((p, Uuid::try_parse(&id).ok()?))));
    }
    Ok(found)
}

/// Takes out of `rows` those the table already holds, and returns them.
pub async fn take_stored(client: &Client, table: Table, rows: &mut Vec<Row>) -> Result<Vec<Row>, Failure> {
    let found = existing(client, table, rows).await?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let (stored, rest) = std::mem::take(rows).into_iter().partition(|r| found.contains(&key(r)));
    *rows = rest;
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_from_clickhouse_messages() {
        assert_eq!(code_of("bad response: Code: 16, e.displayText() = DB::Exception: No such column"), Some(16));
        assert_eq!(code_of("Code: 252. DB::Exception: Too many parts"), Some(252));
        assert_eq!(code_of("network error: connection reset"), None);
    }

    #[test]
    fn schema_errors_are_permanent_and_overload_is_retriable() {
        let permanent = clickhouse::error::Error::BadResponse("Code: 27, DB::Exception: Cannot parse input".into());
        assert!(matches!(classify(&permanent), Failure::Permanent(_)));
        let parts = clickhouse::error::Error::BadResponse("Code: 252, DB::Exception: Too many parts (300)".into());
        assert!(matches!(classify(&parts), Failure::Retriable(_)));
        assert!(matches!(classify(&clickhouse::error::Error::TimedOut), Failure::Retriable(_)));
    }
}
