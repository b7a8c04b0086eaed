//! The on-disk spool: when ClickHouse cannot take a batch (down at shutdown,
//! or down long enough that the queue fills), the batch is written as JSON
//! lines to a file in the spool directory and the memory is freed. The writer
//! replays spool files, oldest first, once inserts succeed again, deleting
//! each file only after its rows are in ClickHouse. Log segments a crashed
//! process left (`recovered-*.wal`, see [`super::wal`]) are replayed the same
//! way. A part ClickHouse refuses for good is moved to `quarantine/` with its
//! error text beside it, so it never blocks the files after it.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::store::rows::Row;

/// A directory of spooled batches.
#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
}

impl Spool {
    /// Uses `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Spool { dir: dir.into() }
    }

    /// Writes `rows` durably (fsync) to a new spool file.
    pub fn write(&self, rows: &[Row]) -> anyhow::Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create spool dir {}", self.dir.display()))?;
        let name =
            format!("batch-{:020}-{}.jsonl", chrono::Utc::now().timestamp_micros(), uuid::Uuid::new_v4().simple());
        let tmp = self.dir.join(format!("{name}.tmp"));
        let path = self.dir.join(name);
        let mut buf = Vec::with_capacity(rows.len() * 512);
        for row in rows {
            serde_json::to_writer(&mut buf, row).context("cannot encode spooled row")?;
            buf.push(b'\n');
        }
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
            f.write_all(&buf).context("cannot write spool file")?;
            f.sync_all().context("cannot sync spool file")?;
        }
        // Rename last so a crash never leaves a half-written file that looks complete.
        std::fs::rename(&tmp, &path).context("cannot finish spool file")?;
        Ok(path)
    }

    /// Lists complete spool files and recovered log segments, oldest first.
    pub fn files(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl" || x == "wal"))
            .collect();
        files.sort();
        files
    }

    /// Reads a spool file or a recovered log segment back into rows.
    pub fn read_any(path: &Path) -> anyhow::Result<Vec<Row>> {
        if path.extension().is_some_and(|x| x == "wal") {
            super::wal::read(path)
        } else {
            Spool::read(path)
        }
    }

    /// Returns the quarantine folder.
    pub fn quarantine_dir(&self) -> PathBuf {
        self.dir.join("quarantine")
    }

    /// Moves rows ClickHouse refused for good to `quarantine/`, with the
    /// error beside them (`NAME.jsonl` + `NAME.error.txt`).
    pub fn quarantine(&self, table: &str, rows: &[Row], error: &str) -> anyhow::Result<PathBuf> {
        let dir = self.quarantine_dir();
        let spool = Spool::new(&dir);
        let path = spool.write(rows)?;
        let note = path.with_extension("error.txt");
        std::fs::write(&note, format!("table: {table}\nrows: {}\nerror: {error}\n", rows.len()))
            .with_context(|| format!("cannot write {}", note.display()))?;
        Ok(path)
    }

    /// Counts quarantined batches (files in `quarantine/`).
    pub fn quarantined(&self) -> usize {
        let Ok(entries) = std::fs::read_dir(self.quarantine_dir()) else { return 0 };
        entries.filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "jsonl")).count()
    }

    /// Reads one spool file back into rows, skipping lines that do not parse.
    pub fn read(path: &Path) -> anyhow::Result<Vec<Row>> {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        let mut rows = Vec::new();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            match serde_json::from_str(line) {
                Ok(row) => rows.push(row),
                Err(e) => tracing::error!(file = %path.display(), line = n + 1, error = %e, "unreadable spooled row"),
            }
        }
        Ok(rows)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::rows::TransactionRow;

    /// Returns a transaction row with timestamp `n` (shared by the log's tests).
    pub(crate) fn tx_row(n: u32) -> Row {
        Row::Transaction(TransactionRow {
            project_id: 1,
            event_id: uuid::Uuid::new_v4(),
            timestamp: n,
            received_at: n,
            name: "/".into(),
            op: "pageload".into(),
            url: String::new(),
            duration_ms: 1.5,
            lcp: Some(1200.0),
            fcp: None,
            cls: Some(0.01),
            inp: None,
            ttfb: None,
            browser: String::new(),
            browser_version: String::new(),
            os: String::new(),
            os_version: String::new(),
            release: String::new(),
            environment: String::new(),
            user_id: String::new(),
            tags_key: vec!["a".into()],
            tags_value: vec!["b".into()],
            sdk_name: String::new(),
            sdk_version: String::new(),
            lcp_element: "img#hero".into(),
            cls_source: String::new(),
            inp_target: String::new(),
        })
    }

    #[test]
    fn spooled_rows_read_back_identically_and_in_order() {
        let dir = std::env::temp_dir().join(format!("sightline-spool-{}", uuid::Uuid::new_v4()));
        let spool = Spool::new(&dir);
        let first = vec![tx_row(1), tx_row(2)];
        let second = vec![tx_row(3)];
        spool.write(&first).unwrap();
        spool.write(&second).unwrap();
        let files = spool.files();
        assert_eq!(files.len(), 2);
        assert_eq!(Spool::read(&files[0]).unwrap(), first);
        assert_eq!(Spool::read(&files[1]).unwrap(), second);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
