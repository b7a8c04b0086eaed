//! ClickHouse client and schema migrations. The schema is written for the
//! subset shared by ClickHouse 18.16 (Debian's server, used in tests) and
//! current releases; applied versions are recorded in `schema_migrations`.

use anyhow::Context;
use clickhouse::Client;
use url::Url;

/// Schema versions in order; each is a list of statements separated by `\n;\n`.
const MIGRATIONS: &[(u32, &str, &str)] = &[
    (1, "events and transactions", include_str!("clickhouse_schema.sql")),
    (2, "dashboard rollups", include_str!("clickhouse_rollups.sql")),
    (10, "web vitals attribution", include_str!("clickhouse_attribution.sql")),
    (11, "outcomes", include_str!("clickhouse_outcomes.sql")),
    (12, "user feedback", include_str!("clickhouse_feedback.sql")),
    (20, "session replays", include_str!("clickhouse_replays.sql")),
];

/// Builds a client for `database` (plain RowBinary: 18.16 lacks the typed formats).
pub fn client(url: &Url, database: &str, user: Option<&str>, password: Option<&str>) -> Client {
    let mut client =
        Client::default().with_url(url.as_str().trim_end_matches('/')).with_database(database).with_validation(false);
    if let Some(user) = user {
        client = client.with_user(user);
    }
    if let Some(password) = password {
        client = client.with_password(password);
    }
    client
}

/// Checks that ClickHouse answers a query.
pub async fn ping(client: &Client) -> anyhow::Result<()> {
    client.query("SELECT 1").execute().await.context("cannot reach ClickHouse")
}

/// Creates the database if needed and applies every pending schema version.
pub async fn migrate(client: &Client, database: &str) -> anyhow::Result<Vec<u32>> {
    // The database may not exist yet, so this statement runs outside it.
    let server = client.clone().with_database("default");
    server
        .query(&format!("CREATE DATABASE IF NOT EXISTS {database}"))
        .execute()
        .await
        .context("cannot create ClickHouse database")?;
    client
        .query(
            "CREATE TABLE IF NOT EXISTS schema_migrations \
             (version UInt32, name String, applied_at DateTime) \
             ENGINE = MergeTree ORDER BY version",
        )
        .execute()
        .await
        .context("cannot create schema_migrations")?;
    let applied: Vec<u32> = client
        .query("SELECT version FROM schema_migrations")
        .fetch_all()
        .await
        .context("cannot read schema_migrations")?;
    // Backfills aggregate all existing rows at once: let their GROUP BY spill
    // to disk instead of failing at the server's per-query memory limit
    // (10 M events needed more than the 512 MiB of deploy/clickhouse).
    let statements = client.clone().with_setting("max_bytes_before_external_group_by", "150000000");
    let mut done = Vec::new();
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        for statement in sql.split("\n;\n").map(str::trim).filter(|s| !s.is_empty()) {
            let statement: String =
                statement.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
            if statement.trim().is_empty() {
                continue;
            }
            statements
                .query(&statement)
                .execute()
                .await
                .with_context(|| format!("ClickHouse migration {version} ({name}) failed"))?;
        }
        client
            .query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, now())")
            .bind(*version)
            .bind(*name)
            .execute()
            .await
            .context("cannot record ClickHouse migration")?;
        done.push(*version);
    }
    Ok(done)
}
