//! `migrate` on a cluster with one replica down: each `ON CLUSTER` statement
//! waits `SIGHTLINE_CLICKHOUSE_DDL_TIMEOUT_SECS` for every node, then
//! `migrate` stops with an error that says what to do. ZooKeeper keeps the
//! statement for the missing replica, which runs it when it is back; then
//! `migrate` again finishes, and every node has every table.

use super::*;

/// Names and engines of the tables of `database` on node `n`.
async fn tables_on(env: &ClusterEnv, n: usize, database: &str) -> Vec<(String, String)> {
    env.node(n, database)
        .query("SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name")
        .fetch_all()
        .await
        .unwrap_or_default()
}

#[tokio::test]
async fn cluster_migrate_with_a_replica_down_stops_then_resumes_once_it_is_back() {
    let Some(env) = cluster_env() else { return };
    let (name, database_url) = empty_postgres_database().await;
    env.stop_node(3).await;
    let (ok, text) = env.try_migrate(&database_url, &name, &[("SIGHTLINE_CLICKHOUSE_DDL_TIMEOUT_SECS", "5")]);
    // Back before any assertion, so a failure here leaves the cluster whole for the next test.
    env.start_node(3).await;
    assert!(!ok, "migrate cannot finish while a replica is down: {text}");
    assert!(text.contains("run `sightline migrate` again"), "the error says what to do: {text}");

    let again = env.migrate(&database_url, &name);
    assert!(again.contains("ClickHouse schema versions applied"), "{again}");
    let want = tables_on(&env, 0, &name).await;
    assert!(want.iter().any(|(t, e)| t == "events" && e == "Distributed"), "{want:?}");
    for n in 1..4 {
        // The returning replica works through its queue of cluster DDL.
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut got = tables_on(&env, n, &name).await;
        while got != want && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(250)).await;
            got = tables_on(&env, n, &name).await;
        }
        assert_eq!(got, want, "node {n} has every table node 0 has");
    }
    let versions = wait_count(&env.node(3, &name), "SELECT uniqExact(version) FROM schema_migrations", 5).await;
    assert!(versions >= 5, "the replica that was down sees the schema versions ({versions})");
}
