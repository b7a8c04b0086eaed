//! Graceful restart under a steady stream of envelopes (issue 7): while
//! clients keep sending, the real `sightline serve` process gets SIGTERM,
//! exits, and a new process starts on the same port, as an app-only redeploy
//! does. Every event id answered 2xx must be in ClickHouse afterwards, once.
//! Directly, clients see refused connections during the gap (SDKs retry
//! those); behind the real Caddy with the repo's Caddyfile, the draining
//! server's probes tell Caddy to hold requests until the new process is up.

use std::{
    collections::{BTreeMap, HashSet},
    path::PathBuf,
    process::Stdio,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use nix::{sys::signal, unistd::Pid};
use sightline::projects;
use tokio::{process::Child, time::Instant};

use crate::{
    fixtures::*,
    helpers::{clickhouse_url, fresh_databases, Databases},
};

/// Concurrent clients, and the pause each takes between two envelopes
/// (about 8 × 40 = 320 envelopes/s in total, a steady stream, not a flood).
const CLIENTS: usize = 8;
const PAUSE: Duration = Duration::from_millis(25);

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Polls `url` until it answers 200 (20 s at most).
pub async fn wait_ok(http: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = http.get(url).send().await {
            if r.status() == 200 {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{url} did not answer 200 within 20 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts `sightline serve` on `port` with the test databases; after SIGTERM
/// it keeps serving `drain_secs` with its probes answering 503.
pub fn spawn_server(dbs: &Databases, port: u16, spool: &PathBuf, drain_secs: u32) -> Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_sightline"))
        .arg("serve")
        .env("SIGHTLINE_LISTEN", format!("127.0.0.1:{port}"))
        .env("SIGHTLINE_DATABASE_URL", &dbs.database_url)
        .env("SIGHTLINE_CLICKHOUSE_URL", clickhouse_url())
        .env("SIGHTLINE_CLICKHOUSE_DATABASE", &dbs.clickhouse_database)
        .env("SIGHTLINE_SPOOL_DIR", spool)
        .env("SIGHTLINE_DRAIN_DELAY_SECS", drain_secs.to_string())
        // Rows wait in the queue for up to a second, so SIGTERM finds work to drain.
        .env("SIGHTLINE_FLUSH_INTERVAL_MS", "1000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("server binary starts")
}

/// Sends SIGTERM and waits for a clean exit (the drain included).
pub async fn terminate(child: &mut Child) {
    signal::kill(Pid::from_raw(child.id().expect("still running") as i32), signal::Signal::SIGTERM).unwrap();
    let status =
        tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("exits after SIGTERM").unwrap();
    assert!(status.success(), "exit status {status:?}");
}

/// Starts Debian's Caddy with the repo's Caddyfile in local mode (`:port`) in front of `upstream`.
pub fn spawn_caddy(port: u16, upstream: u16, dir: &PathBuf) -> Child {
    spawn_caddy_to(port, &[upstream], dir)
}

/// Starts Caddy as [`spawn_caddy`] does, in front of several upstreams (its
/// health checks take a stopped one out).
pub fn spawn_caddy_to(port: u16, upstreams: &[u16], dir: &PathBuf) -> Child {
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
        .expect("Debian's caddy is installed (apt-get install caddy; scripts/test.sh does)")
}

/// What happened to one envelope.
pub enum Outcome {
    /// Answered 2xx: acknowledged, must be stored.
    Acked,
    /// Answered with another status (503 while draining, 502 from Caddy, …).
    Refused(u16),
    /// Never reached a server (connection refused): cannot have been stored.
    NotConnected,
    /// Sent, but the answer was lost: the SDK would retry; stored or not.
    Lost,
}

/// One envelope of the stream: its event id, when it was sent, what came of it.
pub struct Sent {
    pub id: String,
    pub at: Instant,
    pub answered: Instant,
    pub outcome: Outcome,
}

/// A steady stream of envelopes with distinct event ids from `CLIENTS`
/// clients, each send logged with what came of it.
pub struct Stream {
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Sent>>>,
    clients: Vec<tokio::task::JoinHandle<()>>,
}

impl Stream {
    /// Starts sending to the envelope endpoint of `project` at `127.0.0.1:port`.
    pub fn start(port: u16, project: &projects::ProjectWithKey) -> Self {
        let url =
            format!("http://127.0.0.1:{port}/api/{}/envelope/?sentry_key={}", project.project_id, project.public_key);
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let clients = stream(url, stop.clone(), log.clone());
        Stream { stop, log, clients }
    }

    /// How many sends were acknowledged so far.
    pub fn acked_so_far(&self) -> usize {
        self.log.lock().unwrap().iter().filter(|s| matches!(s.outcome, Outcome::Acked)).count()
    }

    /// Stops the clients, waits for their last answers and returns every send.
    pub async fn finish(self) -> Vec<Sent> {
        self.stop.store(true, Ordering::Relaxed);
        for c in self.clients {
            c.await.unwrap();
        }
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

/// The event ids of `log` that were answered 2xx.
pub fn acked_ids(log: &[Sent]) -> HashSet<&str> {
    log.iter().filter(|s| matches!(s.outcome, Outcome::Acked)).map(|s| s.id.as_str()).collect()
}

fn stream(url: String, stop: Arc<AtomicBool>, log: Arc<Mutex<Vec<Sent>>>) -> Vec<tokio::task::JoinHandle<()>> {
    (0..CLIENTS)
        .map(|client| {
            let (url, stop, log) = (url.clone(), stop.clone(), log.clone());
            tokio::spawn(async move {
                // Its own connection pool per client, as separate browsers have.
                let http = reqwest::Client::builder().timeout(Duration::from_secs(40)).build().unwrap();
                let mut tick = tokio::time::interval(PAUSE);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                for i in 0.. {
                    tick.tick().await;
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let id = new_id();
                    let body = event_envelope(&js_error(&id, &format!("restart {client}-{i}"), "f", 1));
                    let at = Instant::now();
                    let outcome = match http.post(&url).body(body).send().await {
                        Ok(r) if r.status().is_success() => Outcome::Acked,
                        Ok(r) => Outcome::Refused(r.status().as_u16()),
                        Err(e) if e.is_connect() => Outcome::NotConnected,
                        Err(_) => Outcome::Lost,
                    };
                    log.lock().unwrap().push(Sent { id, at, answered: Instant::now(), outcome });
                }
            })
        })
        .collect()
}

/// Runs the stream across a restart of the server, directly or behind Caddy,
/// and checks that every acknowledged event is stored exactly once.
async fn restart_under_stream(behind_caddy: bool) {
    let dbs = fresh_databases().await;
    let team = projects::ensure_team(&dbs.pg, "t").await.unwrap();
    let project = projects::ensure_project(&dbs.pg, team, "p").await.unwrap();
    let work = std::env::temp_dir().join(&dbs.clickhouse_database);
    let spool = work.join("spool");
    let server_port = free_port();
    let http = reqwest::Client::new();
    // Behind Caddy the server drains as in docker-compose.yaml: its probes say 503
    // for 2 s before it closes, longer than Caddy's 1 s health-check interval.
    let drain_secs = if behind_caddy { 2 } else { 0 };
    let mut server = spawn_server(&dbs, server_port, &spool, drain_secs);
    wait_ok(&http, &format!("http://127.0.0.1:{server_port}/readyz")).await;
    let mut caddy = None;
    let mut front = server_port;
    if behind_caddy {
        front = free_port();
        caddy = Some(spawn_caddy(front, server_port, &work.join("caddy")));
        wait_ok(&http, &format!("http://127.0.0.1:{front}/healthz")).await;
    }

    let stream = Stream::start(front, &project);

    tokio::time::sleep(Duration::from_secs(2)).await;
    let term_at = Instant::now();
    terminate(&mut server).await;
    let exited_at = Instant::now();
    // A real redeploy leaves a gap (a new container starting): keep it visible.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let restarted_at = Instant::now();
    let mut server = spawn_server(&dbs, server_port, &spool, drain_secs);
    wait_ok(&http, &format!("http://127.0.0.1:{server_port}/readyz")).await;
    let ready_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let log = stream.finish().await;
    // The second process drains too, so everything it acknowledged is written.
    terminate(&mut server).await;
    if let Some(mut c) = caddy.take() {
        c.kill().await.ok();
    }

    let acked = acked_ids(&log);
    let lost: HashSet<&str> =
        log.iter().filter(|s| matches!(s.outcome, Outcome::Lost)).map(|s| s.id.as_str()).collect();
    let refused = log.iter().fold(BTreeMap::<u16, usize>::new(), |mut m, s| {
        if let Outcome::Refused(code) = s.outcome {
            *m.entry(code).or_default() += 1;
        }
        m
    });
    let not_connected = log.iter().filter(|s| matches!(s.outcome, Outcome::NotConnected)).count();
    let acked_sent = |sent: &dyn Fn(Instant) -> bool| {
        log.iter().filter(|s| matches!(s.outcome, Outcome::Acked) && sent(s.at)).count()
    };
    let before = acked_sent(&|at| at < term_at);
    // Sent before the new process existed, answered 2xx after the old one had
    // exited: only Caddy holding the request across the gap explains that.
    let held = log
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Acked) && s.at < restarted_at && s.answered > exited_at)
        .count();
    let after = acked_sent(&|at| at >= ready_at);

    let ids: Vec<String> =
        dbs.ch.query("SELECT lower(replaceAll(toString(event_id), '-', '')) FROM events").fetch_all().await.unwrap();
    let stored: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let stored_unacked: Vec<&&str> = stored.difference(&acked).collect();
    println!(
        "restart {}: {} envelopes sent, {} acknowledged ({before} sent before SIGTERM, {held} held across the gap, \
         {after} after the new one was ready), refused {refused:?}, {not_connected} not connected, {} answers lost; \
         {} rows stored, {} of them unacknowledged",
        if behind_caddy { "behind caddy" } else { "direct" },
        log.len(),
        acked.len(),
        lost.len(),
        ids.len(),
        stored_unacked.len(),
    );

    assert!(before > 50 && after > 50, "the stream spans the restart ({before} acknowledged before, {after} after)");
    assert_eq!(ids.len(), stored.len(), "no event stored twice");
    let missing: Vec<&&str> = acked.difference(&stored).collect();
    let when = |id: &str| {
        let s = log.iter().find(|s| s.id == id).unwrap();
        format!(
            "{id} sent {:?} after SIGTERM, answered {:?} after it",
            s.at.checked_duration_since(term_at),
            s.answered.checked_duration_since(term_at)
        )
    };
    assert!(
        missing.is_empty(),
        "{} acknowledged events are not in ClickHouse ({}), e.g. {}; stored but unacknowledged: {:?}",
        missing.len(),
        dbs.clickhouse_database,
        when(missing[0]),
        stored_unacked.iter().map(|id| when(id)).collect::<Vec<_>>()
    );
    // Rows nobody acknowledged can only come from requests whose answer was lost.
    assert!(
        stored_unacked.iter().all(|id| lost.contains(**id)),
        "stored but never sent successfully: {stored_unacked:?}"
    );
    assert_eq!(stored.len(), acked.len() + stored_unacked.len());
    if behind_caddy {
        assert!(held > 0, "Caddy held envelopes sent before the new server existed and delivered them");
        assert_eq!(not_connected, 0, "Caddy, not the client, met the refused connections");
        assert!(refused.is_empty(), "Caddy held every request for the new server, none failed: {refused:?}");
    } else {
        assert!(not_connected > 0, "the direct stream noticed the gap");
    }
    assert_eq!(std::fs::read_dir(&spool).map(|d| d.count()).unwrap_or(0), 0, "nothing needed spooling");
    std::fs::remove_dir_all(&work).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_under_a_steady_stream_loses_no_acknowledged_event() {
    restart_under_stream(false).await;
}

/// Behind Caddy, nothing is even refused: the draining server's 503 health
/// check makes Caddy hold new requests (no body is read, so none needs
/// buffering) until the new process passes the check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_behind_caddy_loses_nothing_and_caddy_holds_the_gap() {
    restart_under_stream(true).await;
}
