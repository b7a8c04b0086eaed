//! `spawn_app()`: a running server on a fresh Postgres database and a fresh
//! ClickHouse database, plus helpers to send envelopes and wait for rows.

use std::time::Duration;

use sightline::{
    config::{Config, RawConfig},
    projects,
    startup::Application,
    state::AppState,
    store,
};
use sqlx::{Connection, PgConnection, PgPool};
use tokio::{sync::oneshot, task::JoinHandle};

/// The admin URL of the test Postgres server.
pub fn postgres_admin_url() -> String {
    std::env::var("SIGHTLINE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The HTTP URL of the test ClickHouse server.
pub fn clickhouse_url() -> String {
    std::env::var("SIGHTLINE_TEST_CLICKHOUSE_URL").unwrap_or_else(|_| "http://127.0.0.1:18123".into())
}

/// Fresh, migrated databases for one test.
pub struct Databases {
    pub database_url: String,
    pub clickhouse_database: String,
    pub pg: PgPool,
    pub ch: clickhouse::Client,
}

/// Creates an empty uuid-named Postgres database; returns its name and URL.
pub async fn empty_postgres_database() -> (String, String) {
    let name = format!("sightline_test_{}", uuid::Uuid::new_v4().simple());
    let admin_url = postgres_admin_url();
    let mut admin =
        PgConnection::connect(&admin_url).await.expect("test Postgres must be running (see scripts/test.sh)");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path(&name);
    (name, url.to_string())
}

/// Creates a uuid-named Postgres database and ClickHouse database and migrates both.
pub async fn fresh_databases() -> Databases {
    let (name, database_url) = empty_postgres_database().await;
    let pg = store::postgres::connect(&database_url).await.unwrap();
    store::postgres::migrate(&pg).await.unwrap();
    let ch = store::clickhouse::client(&url::Url::parse(&clickhouse_url()).unwrap(), &name, None, None);
    store::clickhouse::migrate(&ch, &name).await.expect("test ClickHouse must be running (see scripts/test.sh)");
    Databases { database_url, clickhouse_database: name, pg, ch }
}

/// Returns test settings for `dbs` (port 0, fast flushes, low bcrypt cost).
pub fn raw_config(dbs: &Databases) -> RawConfig {
    RawConfig {
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(dbs.database_url.clone()),
        clickhouse_url: Some(clickhouse_url()),
        clickhouse_database: Some(dbs.clickhouse_database.clone()),
        flush_interval_ms: Some("50".into()),
        issue_flush_ms: Some("50".into()),
        bcrypt_cost: Some("4".into()),
        spool_dir: Some(std::env::temp_dir().join(&dbs.clickhouse_database).join("spool").display().to_string()),
        shutdown_timeout_secs: Some("5".into()),
        ..Default::default()
    }
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub pg: PgPool,
    pub ch: clickhouse::Client,
    pub project_id: i64,
    pub public_key: String,
    pub state: AppState,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

/// Starts a server with default test settings and one project.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server where anyone may sign up (`SIGHTLINE_SIGNUP=open`), for
/// tests that register several users; the default (`invite`) stays tested elsewhere.
pub async fn spawn_open_app() -> TestApp {
    spawn_app_with(|c| c.signup = Some("open".into())).await
}

/// Starts a server after letting the test adjust its settings.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut RawConfig)) -> TestApp {
    let dbs = fresh_databases().await;
    let mut raw = raw_config(&dbs);
    tweak(&mut raw);
    spawn_app_on(&dbs, raw).await
}

/// Starts a server with `raw` settings on existing databases (e.g. for a restart).
pub async fn spawn_app_on(dbs: &Databases, raw: RawConfig) -> TestApp {
    // Logs show with `RUST_LOG=info cargo test -- --nocapture`.
    sightline::telemetry::init_with_default("off");
    let dbs = Databases {
        database_url: dbs.database_url.clone(),
        clickhouse_database: dbs.clickhouse_database.clone(),
        pg: dbs.pg.clone(),
        ch: dbs.ch.clone(),
    };
    let config = Config::from_raw(&raw).expect("valid test config");
    let team = projects::ensure_team(&dbs.pg, "test team").await.unwrap();
    let project = projects::ensure_project(&dbs.pg, team, "test project").await.unwrap();
    let app = Application::build(config).await.expect("app builds");
    let address = format!("http://{}", app.local_addr());
    let state = app.state();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        pg: dbs.pg,
        ch: dbs.ch,
        project_id: project.project_id,
        public_key: project.public_key,
        state,
        http: reqwest::Client::new(),
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestApp {
    /// Returns the envelope URL of the test project, authenticated by query string.
    pub fn envelope_url(&self) -> String {
        format!("{}/api/{}/envelope/?sentry_key={}&sentry_version=7", self.address, self.project_id, self.public_key)
    }

    /// Returns the DSN of the test project (on the port actually bound).
    pub fn dsn(&self) -> String {
        let host = self.address.trim_start_matches("http://");
        format!("http://{}@{host}/{}", self.public_key, self.project_id)
    }

    /// POSTs an envelope body with query-string auth.
    pub async fn post_envelope(&self, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.http
            .post(self.envelope_url())
            .header("content-type", "application/x-sentry-envelope")
            .body(body)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Reloads the key cache now (instead of waiting for NOTIFY).
    pub async fn reload_keys(&self) {
        self.state.keys.reload(&self.pg).await.unwrap();
    }

    /// Polls ClickHouse until `sql` (a count) reaches `want`, or panics after 15 s.
    pub async fn wait_for_count(&self, sql: &str, want: u64) -> u64 {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let n: u64 = self.ch.query(sql).fetch_one().await.unwrap();
            if n >= want || tokio::time::Instant::now() > deadline {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the project has `want` stored error events; returns the count.
    pub async fn wait_for_events(&self, want: u64) -> u64 {
        self.wait_for_count(&format!("SELECT count() FROM events WHERE project_id = {}", self.project_id), want).await
    }

    /// Waits until Postgres has `want` issues for the project; returns the count.
    pub async fn wait_for_issues(&self, want: i64) -> i64 {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM issues WHERE project_id = $1")
                .bind(self.project_id)
                .fetch_one(&self.pg)
                .await
                .unwrap();
            if n >= want || tokio::time::Instant::now() > deadline {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Fetches rows of type `T` with `SELECT ?fields FROM {table} WHERE project_id = … {rest}`.
    pub async fn rows<T>(&self, table: &str, rest: &str) -> Vec<T>
    where
        T: clickhouse::RowOwned + clickhouse::RowRead,
    {
        let sql = format!("SELECT ?fields FROM {table} WHERE project_id = {} {rest}", self.project_id);
        self.ch.query(&sql).fetch_all::<T>().await.unwrap()
    }

    /// Stops the server the way SIGTERM does and waits for it to drain.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}
