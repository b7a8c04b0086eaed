//! ClickHouse client and schema migrations. The schema is written for the
//! subset shared by ClickHouse 18.16 (Debian's server, used in tests) and
//! current releases; applied versions are recorded in `schema_migrations`.
//! In cluster mode the same single-node statements are rewritten into
//! replicated, sharded ones ([`super::cluster`]).

use anyhow::Context;
use clickhouse::Client;
use url::Url;

use super::cluster::Cluster;

/// Schema versions in order; each is a list of statements separated by `\n;\n`.
const MIGRATIONS: &[(u32, &str, &str)] = &[
    (1, "events and transactions", include_str!("clickhouse_schema.sql")),
    (2, "dashboard rollups", include_str!("clickhouse_rollups.sql")),
    (10, "web vitals attribution", include_str!("clickhouse_attribution.sql")),
    (11, "outcomes", include_str!("clickhouse_outcomes.sql")),
    (12, "user feedback", include_str!("clickhouse_feedback.sql")),
    (20, "session replays", include_str!("clickhouse_replays.sql")),
    (30, "release health sessions", include_str!("clickhouse_sessions.sql")),
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

/// Sets what a client of a cluster needs: inserts into Distributed tables
/// wait until every shard has its rows (so an acknowledged insert is
/// stored, and a failure is retried by the writer), reads and inserts
/// prefer the same replica (the first live one in `remote_servers` order,
/// so an existence check sees what the previous insert wrote), and `IN`
/// subqueries over Distributed tables run once, globally.
pub fn for_cluster(client: Client) -> Client {
    client
        .with_setting("insert_distributed_sync", "1")
        .with_setting("load_balancing", "in_order")
        .with_setting("distributed_product_mode", "global")
}

/// Checks that ClickHouse answers a query.
pub async fn ping(client: &Client) -> anyhow::Result<()> {
    client.query("SELECT 1").execute().await.context("cannot reach ClickHouse")
}

/// Creates the database if needed and applies every pending schema version.
pub async fn migrate(client: &Client, database: &str) -> anyhow::Result<Vec<u32>> {
    migrate_on(client, database, None).await
}

/// [`migrate`] on a single node (`cluster` None) or on a cluster.
pub async fn migrate_on(client: &Client, database: &str, cluster: Option<&Cluster>) -> anyhow::Result<Vec<u32>> {
    match cluster {
        None => migrate_single(client, database).await,
        Some(cluster) => migrate_cluster(client, cluster).await.with_context(|| {
            format!(
                "migrate on cluster {} did not finish: an ON CLUSTER statement waits {} s for every node \
                 (SIGHTLINE_CLICKHOUSE_DDL_TIMEOUT_SECS), and ClickHouse keeps it queued in ZooKeeper for a node \
                 that is down; once every node is up, run `sightline migrate` again: it resumes where this stopped",
                cluster.name, cluster.ddl_timeout_secs
            )
        }),
    }
}

async fn migrate_single(client: &Client, database: &str) -> anyhow::Result<Vec<u32>> {
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
        for statement in statements_of(sql) {
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

/// Returns every table the schema versions create, with its cluster sharding key.
pub fn schema_tables() -> std::collections::HashMap<String, String> {
    super::cluster::created_tables(MIGRATIONS.iter().map(|(_, _, sql)| *sql))
}

/// Splits a schema file into statements, without comment lines.
fn statements_of(sql: &str) -> Vec<String> {
    sql.split("\n;\n")
        .map(|s| {
            s.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n").trim().to_string()
        })
        .filter(|s| !s.trim().is_empty())
        .collect()
}

/// Applies pending versions on a cluster: every statement rewritten by
/// [`Cluster::rewrite`] and run `ON CLUSTER`; the versions recorded in the
/// cluster-wide `schema_migrations`.
async fn migrate_cluster(client: &Client, cluster: &Cluster) -> anyhow::Result<Vec<u32>> {
    // ON CLUSTER answers list each node's status; buffering the answer turns
    // a failure on any node into an HTTP error instead of a truncated body.
    let ddl = for_cluster(client.clone())
        .with_setting("wait_end_of_query", "1")
        .with_setting("distributed_ddl_task_timeout", cluster.ddl_timeout_secs.to_string());
    ddl.clone()
        .with_database("default")
        .query(&format!("CREATE DATABASE IF NOT EXISTS {} {}", cluster.database, cluster.on()))
        .execute()
        .await
        .context("cannot create the ClickHouse database on the cluster")?;
    for statement in cluster.bootstrap() {
        ddl.query(&statement).execute().await.with_context(|| format!("cannot run {statement}"))?;
    }
    // A replica created a moment ago may still be fetching the versions.
    ddl.query("SYSTEM SYNC REPLICA schema_migrations")
        .execute()
        .await
        .context("cannot sync schema_migrations from the other replicas")?;
    let applied: Vec<u32> = ddl
        .query("SELECT DISTINCT version FROM schema_migrations")
        .fetch_all()
        .await
        .context("cannot read schema_migrations")?;
    let tables = schema_tables();
    let statements = ddl.clone().with_setting("max_bytes_before_external_group_by", "150000000");
    let mut done = Vec::new();
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        for statement in statements_of(sql) {
            let rewritten = cluster.rewrite(&statement, &tables).map_err(anyhow::Error::msg)?;
            for step in rewritten {
                match statements.query(&step.sql).execute().await {
                    Ok(()) => {}
                    // Applied on some node by an earlier, interrupted run.
                    Err(e) if step.may_exist && e.to_string().contains("already exists") => {}
                    Err(e) => {
                        return Err(anyhow::Error::new(e)
                            .context(format!("ClickHouse migration {version} ({name}) failed: {}", step.sql)))
                    }
                }
            }
        }
        ddl.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, now())")
            .bind(*version)
            .bind(*name)
            .execute()
            .await
            .context("cannot record ClickHouse migration")?;
        done.push(*version);
    }
    Ok(done)
}
