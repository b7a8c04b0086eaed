//! The writer on a cluster: a retried insert whose answer was cut stores
//! nothing twice (events and outcome counts), a poison batch is quarantined while later batches land,
//! and retention drops old partitions on every shard and replica.

use std::sync::atomic::Ordering;

use super::*;

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
    // The envelopes' outcomes are flushed every 5 s: hold the cut until a flush has committed too.
    let accepted = "SELECT toUInt64(sum(quantity)) FROM outcomes WHERE outcome = 'accepted' AND category = 'error'";
    let deadline = Instant::now() + Duration::from_secs(15);
    while count(&dbs.ch, accepted).await == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(count(&dbs.ch, accepted).await > 0, "an outcome flush commits while its answer is cut");
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
    // The failed flush's block is sent again unchanged (5 s tick): the replicas drop it as a duplicate.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(count(&dbs.ch, accepted).await, 10, "outcomes are not counted twice");
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
