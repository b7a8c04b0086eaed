//! Work that must run once at a time across several `sightline serve`
//! processes sharing one Postgres (retention sweeps, alert evaluation;
//! `migrate`, which waits for the lock instead of skipping, [`exclusive`]):
//! each run takes a transaction-level advisory lock
//! (`pg_try_advisory_xact_lock`) keyed by the work's name, and a process
//! that does not get it skips this run — another one is doing it. The lock
//! lives as long as its transaction: it is released when the work ends, and
//! also when the process dies or the connection drops, so a crashed server
//! never blocks the others. (A session lock on a pooled connection would
//! outlive a cancelled task.) Work that is shared row by row instead, such
//! as the alert outbox (`FOR UPDATE SKIP LOCKED`), needs no lock.

use std::future::Future;

use anyhow::Context;
use sqlx::PgPool;

/// The first key of Sightline's advisory locks ("SL"), so they do not collide
/// with another application's locks in the same database.
const LOCK_CLASS: i32 = 0x534c;

/// Runs `work` if no other process is running the work called `name`;
/// returns None when another one holds it.
pub async fn once<T>(
    pg: &PgPool,
    name: &str,
    work: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<Option<T>> {
    let mut lock = pg.begin().await.with_context(|| format!("cannot lock {name}"))?;
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1, hashtext($2))")
        .bind(LOCK_CLASS)
        .bind(name)
        .fetch_one(&mut *lock)
        .await
        .with_context(|| format!("cannot lock {name}"))?;
    if !got {
        tracing::debug!(work = name, "another server holds the lock; skipping this run");
        return Ok(None);
    }
    let out = work.await;
    // Ending the transaction releases the lock; a failure here releases it too.
    let _ = lock.rollback().await;
    out.map(Some)
}

/// Runs `work` alone: waits while another process runs the work called
/// `name` (e.g. several `serve --migrate` starting at once), then runs it.
pub async fn exclusive<T>(pg: &PgPool, name: &str, work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    let mut lock = pg.begin().await.with_context(|| format!("cannot lock {name}"))?;
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(LOCK_CLASS)
        .bind(name)
        .execute(&mut *lock)
        .await
        .with_context(|| format!("cannot lock {name}"))?;
    let out = work.await;
    let _ = lock.rollback().await;
    out
}
