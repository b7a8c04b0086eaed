//! The write-ahead log: the rows of an envelope are appended to a segment file
//! in the spool directory and `fdatasync`ed before the endpoint answers 200,
//! so `kill -9` (or a power cut) cannot lose an acknowledged event.
//!
//! Group commit: requests hand their encoded rows to one dedicated thread,
//! which writes everything that arrived while the previous sync ran and
//! covers it with a single `fdatasync`; the async workers only await a
//! oneshot. Memory stays bounded because a request first reserves its rows'
//! room in the bounded queue, and the log is bounded too: segments rotate at
//! `segment_bytes`, and an append that would take the unretired total over
//! `max_bytes` (or that the disk refuses) fails, which the endpoint answers
//! with 503 + Retry-After.
//!
//! A segment is retired (deleted) once every row of it has been stored in
//! ClickHouse and handed to the issue tracker (or moved to the spool or to
//! quarantine): the batch writer reports rows [`IngestLog::done`]. An idle
//! server therefore has no segment at all. At start-up, segments a crashed
//! process left behind are renamed `recovered-*.wal` and the writer replays
//! them like spool files, skipping rows ClickHouse already holds (see
//! [`super::insert`]).

use std::{
    collections::BTreeMap,
    fs::File,
    io::Write,
    path::{Path, PathBuf},
    sync::{mpsc as std_mpsc, Arc, Mutex},
};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::store::rows::{Row, SourcemapHints};

/// The most bytes one group commit writes before syncing.
const MAX_GROUP_BYTES: usize = 16 << 20;

/// Why an append was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum LogError {
    #[error("write-ahead log is full")]
    Full,
    #[error("cannot write the write-ahead log: {0}")]
    Io(String),
    #[error("write-ahead log is closed")]
    Closed,
}

/// One line of a segment: the row and what symbolication needs of it.
#[derive(Serialize)]
struct RecordRef<'a> {
    r: &'a Row,
    #[serde(skip_serializing_if = "Option::is_none")]
    h: Option<&'a SourcemapHints>,
}

#[derive(Deserialize)]
struct Record {
    r: Row,
    #[serde(default)]
    h: Option<SourcemapHints>,
}

/// Encodes rows as segment lines (JSON, one per row, hints kept).
pub fn encode(rows: &[Row]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(rows.len() * 1024);
    for row in rows {
        let h = match row {
            Row::Event(e) => e.sourcemap_hints.as_deref(),
            Row::Transaction(_) | Row::Feedback(_) | Row::Screenshot(_) => None,
            Row::Replay(_) | Row::ReplaySegment(_) => None,
        };
        // Rows hold only strings, numbers and arrays: encoding cannot fail.
        serde_json::to_writer(&mut buf, &RecordRef { r: row, h }).expect("rows encode as JSON");
        buf.push(b'\n');
    }
    buf
}

/// Reads a segment back; a torn or unreadable line (a write a crash cut
/// short, which was never acknowledged) is skipped.
pub fn read(path: &Path) -> anyhow::Result<Vec<Row>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut rows = Vec::new();
    for (n, line) in bytes.split(|b| *b == b'\n').enumerate().filter(|(_, l)| !l.is_empty()) {
        match serde_json::from_slice::<Record>(line) {
            Ok(Record { r: mut row, h }) => {
                if let (Row::Event(e), Some(h)) = (&mut row, h) {
                    e.sourcemap_hints = Some(Box::new(h));
                }
                rows.push(row);
            }
            Err(e) => tracing::warn!(file = %path.display(), line = n + 1, error = %e, "skipping torn log line"),
        }
    }
    Ok(rows)
}

struct Append {
    bytes: Vec<u8>,
    rows: u64,
    reply: oneshot::Sender<Result<u64, LogError>>,
}

#[derive(Debug, Default)]
struct Segment {
    rows: u64,
    done: u64,
    bytes: u64,
}

#[derive(Default)]
struct State {
    segments: BTreeMap<u64, Segment>,
    current: Option<(u64, Arc<File>)>,
    next_seq: u64,
    /// The log thread is writing to the current segment outside the lock.
    writing: bool,
    total_bytes: u64,
}

struct Shared {
    dir: PathBuf,
    segment_bytes: u64,
    max_bytes: u64,
    state: Mutex<State>,
}

/// What `/readyz` shows about the log.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LogStatus {
    pub segments: usize,
    pub bytes: u64,
    pub max_bytes: u64,
}

/// A handle on the write-ahead log; cheap to clone.
#[derive(Clone)]
pub struct IngestLog {
    shared: Arc<Shared>,
    tx: std_mpsc::Sender<Append>,
}

impl IngestLog {
    /// Opens the log in `dir`, renaming segments a previous process left
    /// behind to `recovered-*.wal` for the writer to replay, and starts the
    /// group-commit thread.
    pub fn open(dir: &Path, segment_bytes: u64, max_bytes: u64) -> anyhow::Result<IngestLog> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create spool dir {}", dir.display()))?;
        let mut next_seq = 0;
        for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
            let path = entry?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
            if let Some(seq) = seq_of(name, "wal-", ".log").or_else(|| seq_of(name, "recovered-", ".wal")) {
                next_seq = next_seq.max(seq + 1);
            }
            if let Some(seq) = seq_of(name, "wal-", ".log") {
                let to = dir.join(format!("recovered-{seq:020}.wal"));
                std::fs::rename(&path, &to).with_context(|| format!("cannot rename {}", path.display()))?;
                tracing::warn!(file = %to.display(), "unretired log segment from a previous run; replaying it");
            }
        }
        sync_dir(dir)?;
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            segment_bytes,
            max_bytes,
            state: Mutex::new(State { next_seq, ..Default::default() }),
        });
        let (tx, rx) = std_mpsc::channel::<Append>();
        let worker = shared.clone();
        std::thread::Builder::new()
            .name("sightline-wal".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut group = vec![first];
                    let mut bytes = group[0].bytes.len();
                    while bytes < MAX_GROUP_BYTES {
                        let Ok(next) = rx.try_recv() else { break };
                        bytes += next.bytes.len();
                        group.push(next);
                    }
                    worker.commit(group);
                }
            })
            .context("cannot start the write-ahead log thread")?;
        Ok(IngestLog { shared, tx })
    }

    /// Appends encoded rows and resolves once they are on disk, with the
    /// segment they belong to.
    pub async fn append(&self, bytes: Vec<u8>, rows: usize) -> Result<u64, LogError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Append { bytes, rows: rows as u64, reply }).map_err(|_| LogError::Closed)?;
        answer.await.map_err(|_| LogError::Closed)?
    }

    /// Notes that `rows` rows of `segment` are stored (or spooled, or
    /// quarantined); a segment whose rows are all done is deleted.
    pub fn done(&self, segment: u64, rows: usize) {
        let mut state = self.shared.state.lock().expect("log state poisoned");
        let Some(seg) = state.segments.get_mut(&segment) else { return };
        seg.done += rows as u64;
        self.shared.retire_if_done(&mut state, segment);
    }

    /// Returns the number and size of unretired segments.
    pub fn status(&self) -> LogStatus {
        let state = self.shared.state.lock().expect("log state poisoned");
        LogStatus { segments: state.segments.len(), bytes: state.total_bytes, max_bytes: self.shared.max_bytes }
    }
}

impl Shared {
    fn path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("wal-{seq:020}.log"))
    }

    /// Deletes `seq` if all its rows are done and no write to it is under way.
    fn retire_if_done(&self, state: &mut State, seq: u64) {
        let is_current = state.current.as_ref().is_some_and(|(c, _)| *c == seq);
        let Some(seg) = state.segments.get(&seq) else { return };
        if seg.done < seg.rows || (is_current && state.writing) {
            return;
        }
        if let Err(e) = std::fs::remove_file(self.path(seq)) {
            // Left in place it is replayed at the next start, where stored rows are skipped.
            tracing::error!(segment = seq, error = %e, "cannot delete a retired log segment");
        }
        state.total_bytes -= seg.bytes;
        state.segments.remove(&seq);
        if is_current {
            state.current = None;
        }
    }

    /// Writes one group and syncs it, answering every request in it.
    fn commit(&self, group: Vec<Append>) {
        let mut accepted = Vec::with_capacity(group.len());
        let (seq, file, start) = {
            let mut state = self.state.lock().expect("log state poisoned");
            let mut room = self.max_bytes.saturating_sub(state.total_bytes);
            for append in group {
                let len = append.bytes.len() as u64;
                if len > room {
                    let _ = append.reply.send(Err(LogError::Full));
                } else {
                    room -= len;
                    accepted.push(append);
                }
            }
            if accepted.is_empty() {
                return;
            }
            match self.current_segment(&mut state) {
                Ok((seq, file)) => {
                    state.writing = true;
                    (seq, file, state.segments[&seq].bytes)
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot open a log segment");
                    for a in accepted {
                        let _ = a.reply.send(Err(LogError::Io(e.to_string())));
                    }
                    return;
                }
            }
        };
        let mut buf = Vec::with_capacity(accepted.iter().map(|a| a.bytes.len()).sum());
        accepted.iter().for_each(|a| buf.extend_from_slice(&a.bytes));
        let written = (&*file).write_all(&buf).and_then(|()| file.sync_data());
        let mut state = self.state.lock().expect("log state poisoned");
        state.writing = false;
        match written {
            Ok(()) => {
                let rows: u64 = accepted.iter().map(|a| a.rows).sum();
                let seg = state.segments.get_mut(&seq).expect("current segment is tracked");
                seg.rows += rows;
                seg.bytes += buf.len() as u64;
                state.total_bytes += buf.len() as u64;
                for a in accepted {
                    let _ = a.reply.send(Ok(seq));
                }
            }
            Err(e) => {
                tracing::error!(segment = seq, error = %e, "cannot write the log; refusing these requests");
                // Cut the unacknowledged tail off; if even that fails, never append
                // to this segment again (its rows retire as usual).
                if file.set_len(start).is_err() {
                    state.current = None;
                }
                self.retire_if_done(&mut state, seq);
                for a in accepted {
                    let _ = a.reply.send(Err(LogError::Io(e.to_string())));
                }
            }
        }
    }

    /// Returns the segment to append to, rotating a full one and opening a new one.
    fn current_segment(&self, state: &mut State) -> anyhow::Result<(u64, Arc<File>)> {
        if let Some((seq, _)) = &state.current {
            let seq = *seq;
            if state.segments[&seq].bytes >= self.segment_bytes {
                state.current = None;
                self.retire_if_done(state, seq);
            }
        }
        if let Some((seq, file)) = &state.current {
            return Ok((*seq, file.clone()));
        }
        let seq = state.next_seq;
        let path = self.path(seq);
        std::fs::create_dir_all(&self.dir).with_context(|| format!("cannot create {}", self.dir.display()))?;
        let file = std::fs::OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        // The new name must survive a power cut as well as the data synced into it.
        sync_dir(&self.dir)?;
        let file = Arc::new(file);
        state.next_seq += 1;
        state.segments.insert(seq, Segment::default());
        state.current = Some((seq, file.clone()));
        Ok((seq, file))
    }
}

fn seq_of(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    name.strip_prefix(prefix)?.strip_suffix(suffix)?.parse().ok()
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).with_context(|| format!("cannot sync {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::spool::tests::tx_row as row;

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn segments_retire_when_done_and_survive_a_crash_otherwise() {
        let dir = std::env::temp_dir().join(format!("sightline-wal-{}", uuid::Uuid::new_v4()));
        let log = IngestLog::open(&dir, 1 << 20, 1 << 30).unwrap();
        let (a, b) = (vec![row(1), row(2)], vec![row(3)]);
        let seg = log.append(encode(&a), a.len()).await.unwrap();
        assert_eq!(log.append(encode(&b), b.len()).await.unwrap(), seg, "one segment until it is full");
        assert_eq!(read(&dir.join(format!("wal-{seg:020}.log"))).unwrap(), [a.clone(), b.clone()].concat());
        log.done(seg, 2);
        assert_eq!(files(&dir).len(), 1, "one row still unstored");
        log.done(seg, 1);
        assert!(files(&dir).is_empty(), "an idle log leaves no file");

        // Unretired rows of a process that died are handed over as recovered-*.wal.
        let seg = log.append(encode(&a), a.len()).await.unwrap();
        let reopened = IngestLog::open(&dir, 1 << 20, 1 << 30).unwrap();
        assert_eq!(files(&dir), vec![format!("recovered-{seg:020}.wal")]);
        assert_eq!(read(&dir.join(&files(&dir)[0])).unwrap(), a);
        let next = reopened.append(encode(&b), 1).await.unwrap();
        assert!(next > seg, "new segments never reuse a recovered number");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_full_log_refuses_appends_until_rows_are_done() {
        let dir = std::env::temp_dir().join(format!("sightline-wal-{}", uuid::Uuid::new_v4()));
        let rows = vec![row(1)];
        let bytes = encode(&rows).len() as u64;
        let log = IngestLog::open(&dir, bytes, bytes).unwrap();
        let seg = log.append(encode(&rows), 1).await.unwrap();
        assert_eq!(log.append(encode(&rows), 1).await, Err(LogError::Full));
        log.done(seg, 1);
        assert!(log.append(encode(&rows), 1).await.is_ok(), "room again once the segment retired");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
