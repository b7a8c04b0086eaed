//! Cluster mode on a real cluster (issue 18): ZooKeeper and four ClickHouse
//! 18.16 servers, 2 shards × 2 replicas, started by scripts/test-cluster.sh,
//! which sets `SIGHTLINE_TEST_CLUSTER_*`; without them every test here says
//! so and passes without checking anything (the script runs them for real).
//! Checks: `migrate` twice creates every table on every node; a steady
//! stream through Caddy to two servers survives a replica of each shard
//! being down 20 s and one server stopping, with every acknowledged event
//! stored once, replicas caught up and issue counts right; the dashboard
//! shows the same numbers as a single node; a retried insert whose answer
//! was cut stores nothing twice; a poison batch is quarantined.

use std::{
    collections::HashSet,
    path::PathBuf,
    process::Stdio,
    sync::{atomic::AtomicBool, atomic::Ordering, Arc, Mutex},
    time::Duration,
};

use serde_json::{json, Value};
use sightline::{config::RawConfig, projects, store};
use tokio::{process::Child, time::Instant};

use crate::{
    alerts_support::AlertsApp,
    exactly_once::CutProxy,
    fixtures::*,
    helpers::{empty_postgres_database, raw_config, spawn_app_on, Databases, TestApp},
    restart::{free_port, stream, terminate, wait_ok, Outcome, Sent},
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
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sightline"))
            .arg("migrate")
            .env("SIGHTLINE_DATABASE_URL", database_url)
            .env("SIGHTLINE_CLICKHOUSE_URL", &self.nodes[0])
            .env("SIGHTLINE_CLICKHOUSE_DATABASE", database)
            .env("SIGHTLINE_CLICKHOUSE_CLUSTER", &self.name)
            .env("RUST_LOG", "warn")
            .output()
            .expect("sightline migrate runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "migrate failed: {text}");
        text
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
    let mut caddy = spawn_caddy_upstreams(front, &[port_a, port_b], &work.join("caddy"));
    wait_ok(&http, &format!("http://127.0.0.1:{front}/healthz")).await;

    let url =
        format!("http://127.0.0.1:{front}/api/{}/envelope/?sentry_key={}", project.project_id, project.public_key);
    let stop = Arc::new(AtomicBool::new(false));
    let log = Arc::new(Mutex::new(Vec::<Sent>::new()));
    let clients = stream(url, stop.clone(), log.clone());
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
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    terminate(&mut b).await;
    caddy.kill().await.ok();

    let log = std::mem::take(&mut *log.lock().unwrap());
    let acked: HashSet<&str> =
        log.iter().filter(|s| matches!(s.outcome, Outcome::Acked)).map(|s| s.id.as_str()).collect();
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

/// Starts Caddy with the repo's Caddyfile in front of several upstreams.
fn spawn_caddy_upstreams(port: u16, upstreams: &[u16], dir: &PathBuf) -> Child {
    let list = upstreams.iter().map(|p| format!("127.0.0.1:{p}")).collect::<Vec<_>>().join(" ");
    let caddyfile = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../Caddyfile");
    std::fs::create_dir_all(dir).unwrap();
    tokio::process::Command::new("caddy")
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&caddyfile)
        .env("SIGHTLINE_DOMAIN", format!(":{port}"))
        .env("SIGHTLINE_UPSTREAM", list)
        .env("SIGHTLINE_CADDY_ADMIN", "off")
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("Debian's caddy is installed")
}

/// Error events of three kinds from three users, and page loads, fixed once.
fn sample() -> Vec<Vec<u8>> {
    let now = epoch(300.0);
    let mut bodies = Vec::new();
    for i in 0..30u32 {
        let id = new_id();
        let mut event =
            js_error(&id, &format!("sample {i}"), ["checkout", "cart", "search"][(i % 3) as usize], 10 + i % 3);
        event["user"]["id"] = json!(format!("u-{}", i % 4));
        event["timestamp"] = json!(now + f64::from(i));
        bodies.push(event_envelope(&event));
    }
    for i in 0..12 {
        let id = new_id();
        let mut tx = page_load(&id);
        tx["measurements"]["lcp"]["value"] = json!(1500.0 + 300.0 * f64::from(i));
        tx["start_timestamp"] = json!(now + f64::from(i));
        tx["timestamp"] = json!(now + f64::from(i) + 1.5);
        bodies.push(envelope(json!({"event_id": id}), &[("transaction", serde_json::to_vec(&tx).unwrap())]));
    }
    bodies
}

/// The dashboard's view of a project: issue list, each issue's page and tags, performance.
async fn dashboard(app: &TestApp) -> Value {
    let browser = AlertsApp::member_of(app).await;
    let pid = app.project_id;
    let (status, list) = browser.get(&format!("/api/v1/projects/{pid}/issues?period=24h")).await;
    assert_eq!(status, 200, "{list}");
    let mut pages = Vec::new();
    let mut items: Vec<Value> = list["issues"].as_array().cloned().unwrap_or_default();
    items.sort_by_key(|i| i["title"].to_string() + &i["culprit"].to_string());
    for issue in &items {
        let id = &issue["id"];
        let (_, page) = browser.get(&format!("/api/v1/issues/{id}")).await;
        let (_, tags) = browser.get(&format!("/api/v1/issues/{id}/tags")).await;
        pages.push(json!({"page": page, "tags": tags}));
    }
    let (status, performance) = browser.get(&format!("/api/v1/projects/{pid}/performance?period=24h")).await;
    assert_eq!(status, 200, "{performance}");
    strip_ids(json!({"issues": items, "pages": pages, "performance": performance}))
}

/// Drops what differs between two databases by construction (row ids, links).
fn strip_ids(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !matches!(k.as_str(), "id" | "issue_id" | "project_id" | "url" | "permalink"))
                .map(|(k, v)| (k, strip_ids(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_ids).collect()),
        other => other,
    }
}

#[tokio::test]
async fn cluster_dashboard_shows_the_same_numbers_as_a_single_node() {
    let Some(env) = cluster_env() else { return };
    let bodies = sample();
    let cluster_dbs = env.databases().await;
    let single_dbs = crate::helpers::fresh_databases().await;
    let mut single_raw = raw_config(&single_dbs);
    single_raw.signup = Some("open".into());
    let cluster = spawn_app_on(&cluster_dbs, env.raw(&cluster_dbs, 2)).await;
    let single = spawn_app_on(&single_dbs, single_raw).await;
    for body in &bodies {
        assert_eq!(cluster.post_envelope(body.clone()).await.status(), 200);
        assert_eq!(single.post_envelope(body.clone()).await.status(), 200);
    }
    for app in [&cluster, &single] {
        assert_eq!(app.wait_for_events(30).await, 30);
        assert_eq!(app.wait_for_count("SELECT count() FROM transactions", 12).await, 12);
        assert_eq!(app.wait_for_issues(3).await, 3);
    }
    // Issue counts are flushed to Postgres in the background.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (on_cluster, on_single) = (dashboard(&cluster).await, dashboard(&single).await);
    assert_eq!(on_cluster["issues"].as_array().map(Vec::len), Some(3), "{on_cluster}");
    assert_eq!(on_cluster, on_single, "cluster:\n{on_cluster:#}\nsingle node:\n{on_single:#}");
    cluster.stop().await;
    single.stop().await;
}

#[tokio::test]
async fn cluster_retried_insert_whose_answer_was_cut_stores_nothing_twice() {
    let Some(env) = cluster_env() else { return };
    let dbs = env.databases().await;
    let proxy = CutProxy::start_to(&env.nodes[0]).await;
    let mut raw = env.raw(&dbs, 0);
    raw.clickhouse_url = Some(proxy.url.clone());
    let app = spawn_app_on(&dbs, raw).await;
    proxy.cut.store(true, Ordering::SeqCst);
    for i in 0..10 {
        let body = event_envelope(&js_error(&new_id(), &format!("cut {i}"), ["a", "b", "c", "d"][i % 4], 1));
        assert_eq!(app.post_envelope(body).await.status(), 200);
    }
    // Batches stored (on both shards), but the writer saw their inserts fail;
    // it retries the first and the rest wait behind it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut stored = 0;
    while stored == 0 && Instant::now() < deadline {
        stored = count(&dbs.ch, "SELECT count() FROM events").await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stored > 0, "inserts commit while their answers are cut");
    tokio::time::sleep(Duration::from_millis(800)).await;
    proxy.cut.store(false, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = 0i64;
    while seen < 10 && Instant::now() < deadline {
        seen = sqlx::query_scalar("SELECT coalesce(sum(times_seen), 0)::bigint FROM issues")
            .fetch_one(&dbs.pg)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(count(&dbs.ch, "SELECT count() FROM events").await, 10, "no event stored twice");
    assert_eq!(count(&dbs.ch, "SELECT uniqExact(event_id) FROM events").await, 10);
    let seen: i64 = sqlx::query_scalar("SELECT sum(times_seen)::bigint FROM issues").fetch_one(&dbs.pg).await.unwrap();
    assert_eq!(seen, 10, "the issues count each event once");
    app.stop().await;
}

#[tokio::test]
async fn cluster_poison_batch_is_quarantined_and_later_batches_land() {
    let Some(env) = cluster_env() else { return };
    let dbs = env.databases().await;
    let raw = env.raw(&dbs, 0);
    let spool = PathBuf::from(raw.spool_dir.clone().unwrap());
    let app = spawn_app_on(&dbs, raw).await;
    let cluster = store::cluster::Cluster::new(&env.name, &dbs.clickhouse_database);
    let alter = |op: &str| {
        let statement = format!("ALTER TABLE transactions {op}");
        cluster.rewrite(&statement, &store::clickhouse::schema_tables()).unwrap()
    };
    // The server's rows no longer match the table on any node.
    for step in alter("DROP COLUMN sdk_version") {
        dbs.ch.query(&step.sql).execute().await.unwrap();
    }
    let tx = new_id();
    let body = envelope(json!({"event_id": tx}), &[("transaction", serde_json::to_vec(&page_load(&tx)).unwrap())]);
    assert_eq!(app.post_envelope(body).await.status(), 200);
    assert_eq!(app.post_envelope(event_envelope(&js_error(&new_id(), "poison", "f", 1))).await.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(20);
    let quarantined = || async {
        let ready: Value = app.http.get(format!("{}/readyz", app.address)).send().await.unwrap().json().await.unwrap();
        ready["ingest"]["quarantined_batches"].as_u64().unwrap_or(0)
    };
    while quarantined().await != 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(quarantined().await, 1);
    assert_eq!(app.wait_for_events(1).await, 1, "the error event is stored beside the refused page load");

    for step in alter("ADD COLUMN sdk_version String") {
        dbs.ch.query(&step.sql).execute().await.unwrap();
    }
    let tx = new_id();
    let body = envelope(json!({"event_id": tx}), &[("transaction", serde_json::to_vec(&page_load(&tx)).unwrap())]);
    assert_eq!(app.post_envelope(body).await.status(), 200);
    assert_eq!(wait_count(&dbs.ch, "SELECT count() FROM transactions", 1).await, 1, "a later batch lands");
    assert_eq!(quarantined().await, 1);
    app.stop().await;
    std::fs::remove_dir_all(spool).ok();
}

#[tokio::test]
async fn cluster_retention_drops_old_partitions_on_every_shard_and_replica() {
    let Some(env) = cluster_env() else { return };
    let dbs = env.databases().await;
    let team = projects::ensure_team(&dbs.pg, "t").await.unwrap();
    let project = projects::ensure_project(&dbs.pg, team, "p").await.unwrap();
    let now = chrono::Utc::now().timestamp();
    // Old and fresh rows of many fingerprints, so that both shards hold some.
    for (age_days, n) in [(100i64, 20u64), (0, 20)] {
        dbs.ch
            .query(
                "INSERT INTO events (project_id, event_id, fingerprint, timestamp, received_at) \
                 SELECT ?, generateUUIDv4(), toString(number), toDateTime(?), toDateTime(?) FROM system.numbers LIMIT ?",
            )
            .bind(project.project_id as u64)
            .bind(now - age_days * 86_400)
            .bind(now - age_days * 86_400)
            .bind(n)
            .execute()
            .await
            .unwrap();
    }
    let old = format!("SELECT count() FROM events_local WHERE timestamp < toDateTime({})", now - 50 * 86_400);
    for n in [0, 2] {
        assert!(count(&env.node(n, &dbs.clickhouse_database), &old).await > 0, "shard {} holds old rows", n / 2 + 1);
    }
    let retention = sightline::retention::Retention::default()
        .on_cluster(Some(store::cluster::Cluster::new(&env.name, &dbs.clickhouse_database)));
    let sweep = retention.sweep(&dbs.pg, &dbs.ch, chrono::Utc::now()).await.unwrap();
    assert!(sweep.dropped_partitions.iter().any(|p| p.starts_with("events/")), "{sweep:?}");
    assert!(sweep.dropped_partitions.iter().any(|p| p.starts_with("issue_hourly/")), "{sweep:?}");
    for n in 0..4 {
        assert_eq!(wait_count(&env.node(n, &dbs.clickhouse_database), &old, 0).await, 0, "node {n} dropped them");
    }
    assert_eq!(count(&dbs.ch, "SELECT count() FROM events").await, 20, "the fresh rows stay");
}
