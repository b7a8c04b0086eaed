//! Cluster mode (`SIGHTLINE_CLICKHOUSE_CLUSTER=<name>`): the same schema on
//! a replicated, sharded ClickHouse cluster, made by rewriting the
//! single-node DDL of `clickhouse_*.sql`, statement by statement. Nobody
//! writes cluster DDL by hand: a table added in plain single-node style
//! becomes a cluster table with no extra work. The rules:
//!
//! - `CREATE TABLE [IF NOT EXISTS] t (…) ENGINE = XMergeTree[(args)] …`
//!   becomes a local table `t_local` on every node (`ON CLUSTER`) with
//!   `ReplicatedXMergeTree('/clickhouse/tables/{shard}/<db>/t_local',
//!   '{replica}'[, args])` — any `*MergeTree` engine in the new syntax
//!   (`ORDER BY`/`PARTITION BY` clauses) — plus a `Distributed` table named
//!   `t` over it. Every query and insert keeps using `t`.
//! - Sharding key: `cityHash64(project_id, fingerprint)` when the table has
//!   a `fingerprint` column (an issue's events, and so its rollups filled by
//!   materialized views on that shard, stay on one shard), otherwise
//!   `cityHash64(<the ORDER BY key>)` (deterministic, so a retried insert
//!   reaches the same shard and replicated deduplication drops it). Tables
//!   stay partitioned by day, so retention drops whole partitions on every
//!   shard ([`Cluster::local`] + `ON CLUSTER`).
//! - `CREATE MATERIALIZED VIEW v TO t AS SELECT … FROM s …` is created on
//!   every node over the local tables (`TO t_local`, `FROM s_local`): each
//!   node aggregates what is inserted on it, into its replicated local
//!   target; reads go through `t`'s `Distributed` table. Views must use
//!   `TO` (a view with an inner table is refused).
//! - `ALTER TABLE t ADD|DROP|MODIFY|… COLUMN` runs on `t_local` `ON
//!   CLUSTER`, then `t`'s Distributed table is dropped and created again over
//!   the new columns (18.16 refuses `ALTER … ON CLUSTER` on a non-replicated
//!   table of a cluster with `internal_replication`: error 371; a Distributed
//!   table holds no data with synchronous inserts). Other `ALTER`s
//!   (mutations, partitions) run on `t_local`. "Already exists" answers from
//!   a node that had already applied the change count as done, so a migration
//!   is resumable.
//! - `INSERT … SELECT` (backfills) runs once, from `t` to `t`, through the
//!   `Distributed` tables with `insert_distributed_sync=1`.
//! - `DROP TABLE t` drops both. Anything else is refused with the statement
//!   in the error, so an unsupported statement fails `migrate` loudly.
//!
//! The schema-version record `schema_migrations` is a `ReplicatedMergeTree`
//! with one ZooKeeper path for the whole cluster (every node is a replica),
//! so each node sees the versions applied. `ON CLUSTER` DDL is queued in
//! ZooKeeper: a node that was down runs what it missed when it returns,
//! and `migrate` run again (every statement is idempotent) finishes a
//! version that timed out waiting for it.

use std::collections::HashMap;

use regex::Regex;

/// One statement to run on the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    /// An ALTER that may have been applied already on some node.
    pub may_exist: bool,
}

/// A cluster and the database Sightline uses on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    pub database: String,
    /// How long an `ON CLUSTER` statement waits for every node, in seconds
    /// (ClickHouse's `distributed_ddl_task_timeout`, 180 by default).
    pub ddl_timeout_secs: u64,
}

/// ClickHouse's own default for `distributed_ddl_task_timeout`.
pub const DEFAULT_DDL_TIMEOUT_SECS: u64 = 180;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

/// An engine argument list with at most one level of nested parentheses.
const ARGS: &str = r"\(((?:[^()]|\([^()]*\))*)\)";

impl Cluster {
    /// Returns the cluster settings: `name` is the cluster in ClickHouse's
    /// `remote_servers`, `database` Sightline's database on it.
    pub fn new(name: &str, database: &str) -> Cluster {
        Cluster { name: name.to_string(), database: database.to_string(), ddl_timeout_secs: DEFAULT_DDL_TIMEOUT_SECS }
    }

    /// Sets how long an `ON CLUSTER` statement waits for every node.
    pub fn with_ddl_timeout(mut self, secs: u64) -> Cluster {
        self.ddl_timeout_secs = secs;
        self
    }

    /// Returns the node-local table behind `table`'s Distributed table, qualified.
    pub fn local(&self, table: &str) -> String {
        format!("{}.{table}_local", self.database)
    }

    /// Returns the statement creating `table`'s Distributed table over its local one.
    fn distributed(&self, table: &str, key: &str) -> String {
        let (db, on) = (&self.database, self.on());
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.{table} {on} AS {db}.{table}_local \
             ENGINE = Distributed({}, {db}, {table}_local, {key})",
            self.name
        )
    }

    /// Returns `ON CLUSTER <name>`.
    pub fn on(&self) -> String {
        format!("ON CLUSTER {}", self.name)
    }

    /// The statements that create `schema_migrations` cluster-wide and the
    /// `Distributed` view of every node's `system.parts` (read by retention).
    pub fn bootstrap(&self) -> Vec<String> {
        let (db, on) = (&self.database, self.on());
        vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.schema_migrations {on} \
                 (version UInt32, name String, applied_at DateTime) \
                 ENGINE = ReplicatedMergeTree('/clickhouse/sightline/{db}/schema_migrations', '{{shard}}-{{replica}}') \
                 ORDER BY version"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.cluster_parts {on} AS system.parts \
                 ENGINE = Distributed({}, system, parts)",
                self.name
            ),
        ]
    }

    /// Rewrites one single-node statement; `tables` are the tables every
    /// migration creates with `CREATE TABLE`, with their sharding keys (see
    /// [`created_tables`]).
    pub fn rewrite(&self, statement: &str, tables: &HashMap<String, String>) -> Result<Vec<Statement>, String> {
        let s = statement.trim();
        let (db, on) = (&self.database, self.on());
        let ddl = |sql: String| Statement { sql, may_exist: false };
        let table = re(&format!(
            r"(?is)^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\((.*)\)\s*ENGINE\s*=\s*(\w*)MergeTree\s*(?:{ARGS})?\s*(.*)$"
        ));
        if let Some(c) = table.captures(s) {
            let (name, columns, kind, rest) = (&c[1], &c[2], &c[3], c[5].trim());
            let args = c.get(4).map(|a| a.as_str().trim()).filter(|a| !a.is_empty());
            let args = args.map(|a| format!(", {a}")).unwrap_or_default();
            let key = sharding_key(columns, rest);
            let local = self.local(name);
            return Ok(vec![
                ddl(format!(
                    "CREATE TABLE IF NOT EXISTS {local} {on} ({columns}) \
                     ENGINE = Replicated{kind}MergeTree('/clickhouse/tables/{{shard}}/{db}/{name}_local', '{{replica}}'{args}) {rest}"
                )),
                ddl(self.distributed(name, &key)),
            ]);
        }
        let view = re(r"(?is)^CREATE\s+MATERIALIZED\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s+TO\s+(\w+)\s+AS\s+(.*)$");
        if let Some(c) = view.captures(s) {
            let select = re(r"(?i)\b(FROM|JOIN)\s+(\w+)\b").replace_all(&c[3], |m: &regex::Captures| {
                if tables.contains_key(&m[2]) {
                    format!("{} {}", &m[1], self.local(&m[2]))
                } else {
                    m[0].to_string()
                }
            });
            let local = self.local(&c[2]);
            return Ok(vec![ddl(format!(
                "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{} {on} TO {local} AS {select}",
                &c[1]
            ))]);
        }
        let alter = re(r"(?is)^ALTER\s+TABLE\s+(\w+)\s+(.*)$");
        if let Some(c) = alter.captures(s) {
            let (name, op) = (&c[1], &c[2]);
            let may_exist = re(r"(?i)^ADD\s+COLUMN").is_match(op);
            let mut out = vec![Statement { sql: format!("ALTER TABLE {} {on} {op}", self.local(name)), may_exist }];
            if re(r"(?i)^(ADD|DROP|MODIFY|CLEAR|COMMENT|RENAME)\s+COLUMN").is_match(op) {
                let key = tables.get(name).ok_or_else(|| format!("cluster mode: ALTER of unknown table {name}"))?;
                out.push(ddl(format!("DROP TABLE IF EXISTS {db}.{name} {on}")));
                out.push(ddl(self.distributed(name, key)));
            }
            return Ok(out);
        }
        if re(r"(?is)^INSERT\s+INTO\s+\w+\s*(\([^)]*\))?\s*SELECT\s").is_match(s) {
            // Through the Distributed tables, from this node, once.
            return Ok(vec![ddl(s.to_string())]);
        }
        let drop = re(r"(?is)^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)\s*$");
        if let Some(c) = drop.captures(s) {
            let name = &c[1];
            return Ok(vec![
                ddl(format!("DROP TABLE IF EXISTS {db}.{name} {on}")),
                ddl(format!("DROP TABLE IF EXISTS {} {on}", self.local(name))),
            ]);
        }
        Err(format!("cluster mode cannot rewrite this statement (see server/src/store/cluster.rs): {s}"))
    }
}

/// Returns the tables `CREATE TABLE` statements in `sqls` create, with their sharding keys.
pub fn created_tables<'a>(sqls: impl IntoIterator<Item = &'a str>) -> HashMap<String, String> {
    let create = re(&format!(
        r"(?is)CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\((.*)\)\s*ENGINE\s*=\s*\w*MergeTree\s*(?:{ARGS})?\s*(.*)$"
    ));
    sqls.into_iter()
        .flat_map(|sql| sql.split("\n;\n").map(str::to_string).collect::<Vec<_>>())
        .filter_map(|statement| {
            let c = create.captures(statement.trim())?;
            Some((c[1].to_string(), sharding_key(&c[2], &c[4])))
        })
        .collect()
}

/// Picks the sharding key from a table's columns and its clauses after ENGINE.
fn sharding_key(columns: &str, clauses: &str) -> String {
    let has = |column: &str| re(&format!(r"(?m)(^|,)\s*{column}\s")).is_match(columns);
    if has("project_id") && has("fingerprint") {
        return "cityHash64(project_id, fingerprint)".into();
    }
    let order = re(&format!(r"(?is)ORDER\s+BY\s+(?:{ARGS}|(\w+))"));
    let Some(c) = order.captures(clauses) else { return "rand()".into() };
    let key = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
    // 18.16's cityHash64 refuses UUID arguments: hash their text instead.
    let uuid = |column: &str| re(&format!(r"(?m)(^|,)\s*{column}\s+(Nullable\()?UUID\b")).is_match(columns);
    let parts: Vec<String> = key
        .split(',')
        .map(str::trim)
        .map(|k| if re(r"^\w+$").is_match(k) && uuid(k) { format!("toString({k})") } else { k.to_string() })
        .collect();
    format!("cityHash64({})", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Cluster {
        Cluster::new("sl", "db")
    }

    fn tables() -> HashMap<String, String> {
        ["events", "issue_hourly"].iter().map(|s| (s.to_string(), "cityHash64(project_id)".to_string())).collect()
    }

    #[test]
    fn merge_tree_tables_become_replicated_local_tables_behind_distributed_ones() {
        let sql = "CREATE TABLE IF NOT EXISTS events (\n    project_id UInt64,\n    fingerprint String,\n    timestamp DateTime\n) ENGINE = MergeTree\nPARTITION BY toYYYYMMDD(timestamp)\nORDER BY (project_id, fingerprint, timestamp)";
        let out = cluster().rewrite(sql, &tables()).unwrap();
        assert_eq!(out.len(), 2);
        assert!(out[0].sql.starts_with("CREATE TABLE IF NOT EXISTS db.events_local ON CLUSTER sl ("), "{}", out[0].sql);
        assert!(out[0].sql.contains(
            "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/db/events_local', '{replica}') PARTITION BY"
        ));
        assert_eq!(
            out[1].sql,
            "CREATE TABLE IF NOT EXISTS db.events ON CLUSTER sl AS db.events_local ENGINE = Distributed(sl, db, events_local, cityHash64(project_id, fingerprint))"
        );
    }

    #[test]
    fn engine_arguments_are_kept_and_tables_without_fingerprint_shard_by_their_order_key() {
        let sql = "CREATE TABLE outcomes (project_id UInt64, day DateTime, quantity UInt64) ENGINE = SummingMergeTree(quantity) PARTITION BY toYYYYMMDD(day) ORDER BY (project_id, day)";
        let out = cluster().rewrite(sql, &tables()).unwrap();
        assert!(out[0].sql.contains(
            "ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/db/outcomes_local', '{replica}', quantity)"
        ));
        assert!(
            out[1].sql.ends_with("Distributed(sl, db, outcomes_local, cityHash64(project_id, day))"),
            "{}",
            out[1].sql
        );
        let sql = "CREATE TABLE s (project_id UInt64, feedback_id UUID) ENGINE = MergeTree ORDER BY (project_id, feedback_id)";
        let out = cluster().rewrite(sql, &tables()).unwrap();
        assert!(out[1].sql.ends_with("cityHash64(project_id, toString(feedback_id)))"), "{}", out[1].sql);
    }

    #[test]
    fn views_read_and_write_local_tables() {
        let sql = "CREATE MATERIALIZED VIEW IF NOT EXISTS issue_hourly_mv TO issue_hourly AS\nSELECT project_id, countState() AS events\nFROM events GROUP BY project_id";
        let out = cluster().rewrite(sql, &tables()).unwrap();
        assert_eq!(
            out[0].sql,
            "CREATE MATERIALIZED VIEW IF NOT EXISTS db.issue_hourly_mv ON CLUSTER sl TO db.issue_hourly_local AS SELECT project_id, countState() AS events\nFROM db.events_local GROUP BY project_id"
        );
    }

    #[test]
    fn column_changes_go_to_both_tables_and_other_statements_are_refused() {
        let out = cluster().rewrite("ALTER TABLE events ADD COLUMN x String", &tables()).unwrap();
        assert_eq!(out.len(), 3);
        assert!(out[0].may_exist);
        assert_eq!(out[0].sql, "ALTER TABLE db.events_local ON CLUSTER sl ADD COLUMN x String");
        assert_eq!(out[1].sql, "DROP TABLE IF EXISTS db.events ON CLUSTER sl");
        assert!(out[2].sql.ends_with("Distributed(sl, db, events_local, cityHash64(project_id))"), "{}", out[2].sql);
        let out = cluster().rewrite("ALTER TABLE events DELETE WHERE project_id = 1", &tables()).unwrap();
        assert_eq!(out.len(), 1);
        assert!(cluster().rewrite("CREATE VIEW v AS SELECT 1", &tables()).is_err());
        assert!(cluster().rewrite("CREATE TABLE t (a UInt8) ENGINE = Memory", &tables()).is_err());
    }

    #[test]
    fn created_tables_are_found_in_the_schema_files() {
        let names = created_tables([
            "CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = MergeTree ORDER BY x\n;\ncreate table b (project_id UInt64, fingerprint String) ENGINE = MergeTree ORDER BY project_id",
        ]);
        assert_eq!(names.get("a").map(String::as_str), Some("cityHash64(x)"));
        assert_eq!(names.get("b").map(String::as_str), Some("cityHash64(project_id, fingerprint)"));
    }
}
