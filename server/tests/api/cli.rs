//! The `sightline` command line, run as a real process: `migrate` is
//! idempotent and records schema versions, `project create` prints the DSN as
//! its last line (the same one when re-run), `user create` reads the password
//! from stdin, and a bad setting exits 2 naming the variable.

use std::process::Stdio;

use tokio::{io::AsyncWriteExt, process::Command};

use crate::helpers::{clickhouse_url, empty_postgres_database};

struct Env {
    database_url: String,
    clickhouse_database: String,
}

impl Env {
    async fn new() -> Env {
        let (name, database_url) = empty_postgres_database().await;
        Env { database_url, clickhouse_database: name }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sightline"));
        cmd.args(args)
            .env("SIGHTLINE_DATABASE_URL", &self.database_url)
            .env("SIGHTLINE_CLICKHOUSE_URL", clickhouse_url())
            .env("SIGHTLINE_CLICKHOUSE_DATABASE", &self.clickhouse_database)
            .env("SIGHTLINE_PUBLIC_URL", "https://errors.example.com")
            .env("SIGHTLINE_BCRYPT_COST", "4")
            .stdin(Stdio::null());
        cmd
    }

    async fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.command(args).output().await.unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    async fn pg(&self) -> sqlx::PgPool {
        sightline::store::postgres::connect(&self.database_url).await.unwrap()
    }
}

#[tokio::test]
async fn migrate_twice_succeeds_and_records_each_schema_version_once() {
    let env = Env::new().await;
    for _ in 0..2 {
        let (code, _, stderr) = env.run(&["migrate"]).await;
        assert_eq!(code, 0, "{stderr}");
    }
    let pg = env.pg().await;
    let pg_versions: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations").fetch_one(&pg).await.unwrap();
    let embedded = sqlx::migrate!("./migrations").iter().count() as i64;
    assert_eq!(pg_versions, embedded, "each Postgres migration applied once");
    let ch =
        sightline::store::clickhouse::client(&clickhouse_url().parse().unwrap(), &env.clickhouse_database, None, None);
    let versions: Vec<u32> =
        ch.query("SELECT version FROM schema_migrations ORDER BY version").fetch_all().await.unwrap();
    assert_eq!(versions, vec![1, 2, 10, 11, 12, 20, 30]);
    let tables: Vec<String> = ch
        .query("SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name")
        .fetch_all()
        .await
        .unwrap();
    let rollups = ["issue_daily", "issue_daily_mv", "issue_hourly", "issue_hourly_mv"];
    let vitals = ["vitals_daily", "vitals_daily_mv", "vitals_hourly", "vitals_hourly_mv", "vitals_site_daily"];
    let site = ["vitals_site_daily_mv", "vitals_site_hourly", "vitals_site_hourly_mv"];
    let feedback = ["feedback", "feedback_screenshots"];
    let replays = ["replay_deletions", "replay_segments", "replays"];
    let other = ["events", "outcomes", "release_sessions", "schema_migrations", "transactions"];
    let mut expected: Vec<&str> = [&other[..], &feedback, &replays, &rollups, &vitals, &site].concat();
    expected.sort_unstable();
    assert_eq!(tables, expected);
}

#[tokio::test]
async fn project_create_prints_the_dsn_last_and_is_idempotent() {
    let env = Env::new().await;
    assert_eq!(env.run(&["migrate"]).await.0, 0);
    let (code, first, stderr) = env.run(&["project", "create", "Web Shop"]).await;
    assert_eq!(code, 0, "{stderr}");
    let dsn = first.lines().last().unwrap().to_string();
    let parsed: sentry_types::Dsn = dsn.parse().expect("a valid Sentry DSN");
    assert_eq!(parsed.host(), "errors.example.com");
    let (_, second, _) = env.run(&["project", "create", "Web Shop"]).await;
    assert_eq!(second.lines().last().unwrap(), dsn, "re-running reuses the project and key");
    let pg = env.pg().await;
    let (projects, keys): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM project_keys WHERE public_key = $1)",
    )
    .bind(parsed.public_key())
    .fetch_one(&pg)
    .await
    .unwrap();
    assert_eq!((projects, keys), (1, 1));
}

#[tokio::test]
async fn user_create_reads_the_password_from_stdin_and_refuses_duplicates() {
    let env = Env::new().await;
    assert_eq!(env.run(&["migrate"]).await.0, 0);
    let create = || async {
        let mut child = env
            .command(&["user", "create", "ada@example.com", "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"correct horse battery\n").await.unwrap();
        child.wait_with_output().await.unwrap()
    };
    let out = create().await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE email = 'ada@example.com'")
        .fetch_one(&env.pg().await)
        .await
        .unwrap();
    assert!(bcrypt::verify("correct horse battery", &hash).unwrap());
    let again = create().await;
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[tokio::test]
async fn an_invalid_setting_exits_2_with_one_line_naming_the_variable() {
    let env = Env::new().await;
    for (var, value) in [
        ("SIGHTLINE_LISTEN", "not-an-address"),
        ("SIGHTLINE_QUEUE_CAPACITY", "lots"),
        ("SIGHTLINE_CLICKHOUSE_URL", "ftp://x"),
        ("SIGHTLINE_DATABASE_URL", "mysql://root@localhost/x"),
        ("SIGHTLINE_WEBHOOK_ALLOW_PRIVATE", "maybe"),
        ("SIGHTLINE_SIGNUP", "everyone"),
        ("SIGHTLINE_TRUSTED_PROXIES", "caddy"),
    ] {
        let out = env.command(&["migrate"]).env(var, value).output().await.unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(var), "{stderr}");
    }
}
