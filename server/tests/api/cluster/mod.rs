//! Cluster mode on a real cluster (issue 18): ZooKeeper and four ClickHouse
//! 18.16 servers, 2 shards × 2 replicas, started by scripts/test-cluster.sh,
//! which sets `SIGHTLINE_TEST_CLUSTER_*`; without them every test here says
//! so and passes without checking anything (the script runs them for real).
//! Checks: `migrate` twice creates every table on every node; a steady
//! stream through Caddy to two servers survives a replica of each shard
//! being down 20 s and one server stopping, with every acknowledged event
//! stored once, replicas caught up and issue counts right; the dashboard
//! shows the same numbers as a single node; a retried insert whose answer
//! was cut stores nothing twice; a poison batch is quarantined; `migrate`
//! with a replica down stops, and resumes once it is back ([`node_down`]).
//! The cases live in this module and its children: [`parity`] (the
//! dashboard beside a single node), [`writes`] (the writer's exactly-once and
//! quarantine, retention), [`node_down`].

mod node_down;
mod parity;
mod writes;

use std::{collections::HashSet, path::PathBuf, process::Stdio, time::Duration};

use serde_json::{json, Value};
use sightline::{config::RawConfig, projects, store};
use tokio::{process::Child, time::Instant};

use crate::{
    alerts_support::AlertsApp,
    exactly_once::CutProxy,
    fixtures::*,
    helpers::{empty_postgres_database, raw_config, spawn_app_on, Databases, TestApp},
    restart::{acked_ids, free_port, spawn_caddy_to, terminate, wait_ok, Outcome, Stream},
};

/// The cluster scripts/test-cluster.sh started.
struct ClusterEnv {
    name: String,
    /// HTTP URLs: shard 1 replica 1, s1r2, s2r1, s2r2.
    nodes: Vec<String>,
    /// Their config files, to stop and restart a node.
    configs: Vec<String>,
}

fn cluster_env() -> Option<ClusterEnv> {
    let get = |v: &str| std::env::var(v).ok().filter(|s| !s.is_empty());
    let (Some(name), Some(nodes), Some(configs)) = (
        get("SIGHTLINE_TEST_CLUSTER_NAME"),
        get("SIGHTLINE_TEST_CLUSTER_NODES"),
        get("SIGHTLINE_TEST_CLUSTER_CONFIGS"),
    ) else {
        println!("skipped: no ClickHouse cluster (SIGHTLINE_TEST_CLUSTER_* unset; scripts/test-cluster.sh sets them)");
        return None;
    };
    let split = |s: String| s.split(',').map(str::to_string).collect::<Vec<_>>();
    let (nodes, configs) = (split(nodes), split(configs));
    assert_eq!(nodes.len(), 4, "four nodes: 2 shards x 2 replicas");
    Some(ClusterEnv { name, nodes, configs })
}

impl ClusterEnv {
    /// A client of `database` on node `n` (no cluster settings: node-local reads).
    fn node(&self, n: usize, database: &str) -> clickhouse::Client {
        store::clickhouse::client(&url::Url::parse(&self.nodes[n]).unwrap(), database, None, None)
    }

    /// Runs `sightline migrate` in cluster mode against node 1; returns its output.
    fn migrate(&self, database_url: &str, database: &str) -> String {
        let (ok, text) = self.try_migrate(database_url, database, &[]);
        assert!(ok, "migrate failed: {text}");
        text
    }

    /// Runs `sightline migrate` with `more` environment; returns whether it
    /// succeeded, and its output.
    fn try_migrate(&self, database_url: &str, database: &str, more: &[(&str, &str)]) -> (bool, String) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sightline"))
            .arg("migrate")
            .env("SIGHTLINE_DATABASE_URL", database_url)
            .env("SIGHTLINE_CLICKHOUSE_URL", &self.nodes[0])
            .env("SIGHTLINE_CLICKHOUSE_DATABASE", database)
            .env("SIGHTLINE_CLICKHOUSE_CLUSTER", &self.name)
            .env("RUST_LOG", "warn")
            .envs(more.iter().copied())
            .output()
            .expect("sightline migrate runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    }

    /// Fresh Postgres database and a cluster-migrated ClickHouse database.
    async fn databases(&self) -> Databases {
        let (name, database_url) = empty_postgres_database().await;
        self.migrate(&database_url, &name);
        let pg = store::postgres::connect(&database_url).await.unwrap();
        let ch = store::clickhouse::for_cluster(self.node(0, &name));
        Databases { database_url, clickhouse_database: name, pg, ch }
    }

    /// Test settings for an in-process server in cluster mode on node `n`.
    fn raw(&self, dbs: &Databases, n: usize) -> RawConfig {
        let mut raw = raw_config(dbs);
        raw.clickhouse_url = Some(self.nodes[n].clone());
        raw.clickhouse_cluster = Some(self.name.clone());
        raw.signup = Some("open".into());
        raw
    }

    /// Stops node `n` (SIGTERM, waits until it is gone).
    async fn stop_node(&self, n: usize) {
        let pids = pids_with(&format!("--config-file={}", self.configs[n]));
        assert!(!pids.is_empty(), "node {n} is running");
        for &pid in &pids {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while !pids_with(&format!("--config-file={}", self.configs[n])).is_empty() {
            assert!(Instant::now() < deadline, "node {n} did not stop within 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts node `n` again, in its own process group (the script stops it by path).
    async fn start_node(&self, n: usize) {
        use std::os::unix::process::CommandExt;
        let mut child = std::process::Command::new("clickhouse-server")
            .arg(format!("--config-file={}", self.configs[n]))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("clickhouse-server starts");
        // It outlives the test (the script stops it by path); reap it if it exits before.
        std::thread::spawn(move || child.wait());
        wait_ok(&reqwest::Client::new(), &format!("{}/ping", self.nodes[n])).await;
    }
}

/// Pids of processes whose command line contains `needle`.
fn pids_with(needle: &str) -> Vec<i32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        if cmdline.split(|&b| b == 0).any(|arg| String::from_utf8_lossy(arg).contains(needle)) {
            pids.push(pid);
        }
    }
    pids
}

async fn count(ch: &clickhouse::Client, sql: &str) -> u64 {
    ch.query(sql).fetch_one().await.unwrap()
}

/// Polls `sql` until it gives `want` (60 s at most); returns the last value.
async fn wait_count(ch: &clickhouse::Client, sql: &str, want: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = ch.query(sql).fetch_one::<u64>().await.unwrap_or(u64::MAX);
        if n == want || Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn cluster_migrate_twice_creates_every_table_on_every_node() {
    let Some(env) = cluster_env() else { return };
    let (name, database_url) = empty_postgres_database().await;
    let first = env.migrate(&database_url, &name);
    assert!(first.contains("ClickHouse schema versions applied"), "{first}");
    let second = env.migrate(&database_url, &name);
    assert!(second.contains("ClickHouse schema is current"), "the second run applies nothing: {second}");

    let mut first_node: Option<Vec<(String, String)>> = None;
    for n in 0..4 {
        let node = env.node(n, &name);
        let tables: Vec<(String, String)> = node
            .query("SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name")
            .fetch_all()
            .await
            .unwrap();
        let engine = |t: &str| tables.iter().find(|(name, _)| name == t).map(|(_, e)| e.as_str());
        for table in sightline::retention::TABLES.iter().map(|(t, _)| *t) {
            assert_eq!(engine(table), Some("Distributed"), "node {n}: {table} in {tables:?}");
            let local = engine(&format!("{table}_local")).unwrap_or_else(|| panic!("node {n}: no {table}_local"));
            assert!(
                local.starts_with("Replicated") && local.ends_with("MergeTree"),
                "node {n}: {table}_local is {local}"
            );
        }
        assert_eq!(engine("issue_hourly_mv"), Some("MaterializedView"), "node {n}");
        assert_eq!(engine("schema_migrations"), Some("ReplicatedMergeTree"), "node {n}");
        // Every node has the version record (replicated to all four).
        let versions = wait_count(&node, "SELECT uniqExact(version) FROM schema_migrations", 5).await;
        assert!(versions >= 5, "node {n} sees {versions} schema versions");
        match &first_node {
            None => first_node = Some(tables),
            Some(t) => assert_eq!(t, &tables, "node {n} has the same tables as node 0"),
        }
    }
}

/// Starts `sightline serve` in cluster mode on `port`, talking to `node`.
fn spawn_cluster_server(env: &ClusterEnv, dbs: &Databases, node: usize, port: u16, spool: &PathBuf) -> Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_sightline"))
        .arg("serve")
        .env("SIGHTLINE_LISTEN", format!("127.0.0.1:{port}"))
        .env("SIGHTLINE_DATABASE_URL", &dbs.database_url)
        .env("SIGHTLINE_CLICKHOUSE_URL", &env.nodes[node])
        .env("SIGHTLINE_CLICKHOUSE_DATABASE", &dbs.clickhouse_database)
        .env("SIGHTLINE_CLICKHOUSE_CLUSTER", &env.name)
        .env("SIGHTLINE_SPOOL_DIR", spool)
        .env("SIGHTLINE_DRAIN_DELAY_SECS", "2")
        .env("SIGHTLINE_FLUSH_INTERVAL_MS", "200")
        .env("SIGHTLINE_ISSUE_FLUSH_MS", "200")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("server binary starts")
}

#[tokio::test]
async fn cluster_keeps_every_acknowledged_event_once_through_replica_and_server_stops() {
    let Some(env) = cluster_env() else { return };
    let dbs = env.databases().await;
    let team = projects::ensure_team(&dbs.pg, "t").await.unwrap();
    let project = projects::ensure_project(&dbs.pg, team, "p").await.unwrap();
    let work = std::env::temp_dir().join(&dbs.clickhouse_database);
    let http = reqwest::Client::new();
    // Two servers: A talks to shard 1 replica 1, B to shard 2 replica 2.
    let (port_a, port_b) = (free_port(), free_port());
    let mut a = spawn_cluster_server(&env, &dbs, 0, port_a, &work.join("spool-a"));
    let mut b = spawn_cluster_server(&env, &dbs, 3, port_b, &work.join("spool-b"));
    wait_ok(&http, &format!("http://127.0.0.1:{port_a}/readyz")).await;
    wait_ok(&http, &format!("http://127.0.0.1:{port_b}/readyz")).await;
    let front = free_port();
    // Caddy's SIGHTLINE_UPSTREAM takes several upstreams, space-separated.
    let mut caddy = spawn_caddy_to(front, &[port_a, port_b], &work.join("caddy"));
    wait_ok(&http, &format!("http://127.0.0.1:{front}/healthz")).await;

    let stream = Stream::start(front, &project);
    tokio::time::sleep(Duration::from_secs(2)).await;

    // One replica of each shard down for 20 s, then back: shard 1's second
    // and shard 2's first, so A's inserts for shard 2 fail over to its
    // second replica (the first in `remote_servers` order is down).
    env.stop_node(1).await;
    env.stop_node(2).await;
    let down_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(20)).await;
    env.start_node(1).await;
    env.start_node(2).await;
    let up_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    // One server stops mid-stream (as a redeploy or a crashed box would take it out).
    terminate(&mut a).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let log = stream.finish().await;
    terminate(&mut b).await;
    caddy.kill().await.ok();

    let acked = acked_ids(&log);
    let while_down =
        log.iter().filter(|s| matches!(s.outcome, Outcome::Acked) && s.at > down_at && s.at < up_at).count();
    let ids: Vec<String> =
        dbs.ch.query("SELECT lower(replaceAll(toString(event_id), '-', '')) FROM events").fetch_all().await.unwrap();
    let stored: HashSet<&str> = ids.iter().map(String::as_str).collect();
    println!(
        "cluster stream: {} sent, {} acknowledged ({while_down} while a replica of each shard was down), {} stored",
        log.len(),
        acked.len(),
        ids.len()
    );
    assert!(while_down > 100, "the stream went on while replicas were down ({while_down} acknowledged)");
    assert_eq!(ids.len(), stored.len(), "no event stored twice");
    let missing: Vec<&&str> = acked.difference(&stored).collect();
    assert!(missing.is_empty(), "{} acknowledged events are not stored, e.g. {:?}", missing.len(), missing.first());

    // The restarted replicas catch up: both replicas of each shard hold the same rows.
    let mut per_shard = 0;
    for shard in [0, 2] {
        let first = count(&env.node(shard, &dbs.clickhouse_database), "SELECT count() FROM events_local").await;
        let second =
            wait_count(&env.node(shard + 1, &dbs.clickhouse_database), "SELECT count() FROM events_local", first).await;
        assert_eq!(second, first, "shard {} replicas agree", shard / 2 + 1);
        per_shard += first;
        let rollup = "SELECT count() FROM issue_hourly_local";
        let want = count(&env.node(shard, &dbs.clickhouse_database), rollup).await;
        assert_eq!(wait_count(&env.node(shard + 1, &dbs.clickhouse_database), rollup, want).await, want);
    }
    assert_eq!(per_shard, ids.len() as u64, "the shards hold every row once");

    // Two servers upserted the same issues: counts add up to what is stored.
    let by_fingerprint: Vec<(String, u64)> =
        dbs.ch.query("SELECT fingerprint, count() FROM events GROUP BY fingerprint").fetch_all().await.unwrap();
    let issues: Vec<(String, i64)> =
        sqlx::query_as("SELECT fingerprint, times_seen::bigint FROM issues").fetch_all(&dbs.pg).await.unwrap();
    let mut issues = issues.into_iter().map(|(f, n)| (f, n as u64)).collect::<Vec<_>>();
    let mut by_fingerprint = by_fingerprint;
    issues.sort();
    by_fingerprint.sort();
    assert_eq!(issues, by_fingerprint, "one issue per fingerprint, counting each stored event once");
    let rollup: u64 = count(&dbs.ch, "SELECT toUInt64(countMerge(events)) FROM issue_hourly").await;
    assert_eq!(rollup, ids.len() as u64, "the rollups count every stored event once");
    std::fs::remove_dir_all(work).ok();
}
