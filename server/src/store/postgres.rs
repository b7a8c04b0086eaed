//! Postgres connection pool and embedded migrations (`server/migrations`).
//! sqlx records applied versions in `_sqlx_migrations`, which makes
//! `migrate` idempotent.

use anyhow::Context;
use sqlx::{postgres::PgPoolOptions, PgPool};
use std::time::Duration;

/// Opens a lazily-connecting pool, so the server starts even while Postgres is down.
pub fn connect_lazy(database_url: &str) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(3))
        .connect_lazy(database_url)
        .context("invalid Postgres URL")
}

/// Opens a pool and checks that Postgres answers.
pub async fn connect(database_url: &str) -> anyhow::Result<PgPool> {
    let pool = connect_lazy(database_url)?;
    sqlx::query("SELECT 1").execute(&pool).await.context("cannot reach Postgres")?;
    Ok(pool)
}

/// Applies every pending Postgres migration.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::migrate!("./migrations").run(pool).await.context("Postgres migration failed")?;
    Ok(())
}
