//! Artifacts in Postgres (`sourcemap_artifacts`): saving an upload under the
//! project's storage quota in one transaction, listing, deleting, and the
//! look-ups symbolication needs (by debug ID, or by release and name).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::artifacts::Artifact;

/// An artifact as listed (without its bytes).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredArtifact {
    pub id: i64,
    pub release: String,
    pub name: String,
    pub kind: String,
    pub debug_id: Option<Uuid>,
    pub sourcemap_name: Option<String>,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, release, name, kind, debug_id, sourcemap_name, size, sha256, created_at";

/// Why an upload could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error(
        "this upload would use {needed} bytes of the project's {quota}-byte source-map quota ({used} already used)"
    )]
    OverQuota { needed: u64, used: u64, quota: u64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Saves `artifacts` (replacing same-named ones of the release) if the project's
/// total stays within `quota` bytes; all or nothing.
pub async fn save(
    pg: &PgPool,
    project_id: i64,
    release: &str,
    artifacts: &[Artifact],
    quota: u64,
) -> Result<Vec<StoredArtifact>, SaveError> {
    let mut tx = pg.begin().await?;
    // Serialises uploads of one project, so two cannot both pass the quota check.
    sqlx::query("SELECT id FROM projects WHERE id = $1 FOR UPDATE").bind(project_id).execute(&mut *tx).await?;
    let names: Vec<&str> = artifacts.iter().map(|a| a.name.as_str()).collect();
    let used: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(size), 0)::BIGINT FROM sourcemap_artifacts \
         WHERE project_id = $1 AND NOT (release = $2 AND name = ANY($3))",
    )
    .bind(project_id)
    .bind(release)
    .bind(&names)
    .fetch_one(&mut *tx)
    .await?;
    let needed: u64 = artifacts.iter().map(|a| a.content.len() as u64).sum();
    if used as u64 + needed > quota {
        return Err(SaveError::OverQuota { needed, used: used as u64, quota });
    }
    let mut saved = Vec::with_capacity(artifacts.len());
    for a in artifacts {
        let row: StoredArtifact = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO sourcemap_artifacts \
               (project_id, release, name, kind, debug_id, sourcemap_name, size, sha256, content) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (project_id, release, name) DO UPDATE SET kind = EXCLUDED.kind, \
               debug_id = EXCLUDED.debug_id, sourcemap_name = EXCLUDED.sourcemap_name, size = EXCLUDED.size, \
               sha256 = EXCLUDED.sha256, content = EXCLUDED.content, created_at = now() \
             RETURNING {COLUMNS}"
        )))
        .bind(project_id)
        .bind(release)
        .bind(&a.name)
        .bind(a.kind.as_str())
        .bind(a.debug_id)
        .bind(&a.sourcemap_name)
        .bind(a.content.len() as i64)
        .bind(hex::encode(Sha256::digest(&a.content)))
        .bind(&a.content)
        .fetch_one(&mut *tx)
        .await?;
        saved.push(row);
    }
    tx.commit().await?;
    Ok(saved)
}

/// Lists a release's artifacts by name.
pub async fn list(pg: &PgPool, project_id: i64, release: &str) -> sqlx::Result<Vec<StoredArtifact>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM sourcemap_artifacts WHERE project_id = $1 AND release = $2 ORDER BY name"
    )))
    .bind(project_id)
    .bind(release)
    .fetch_all(pg)
    .await
}

/// Returns the bytes the project's artifacts take.
pub async fn usage(pg: &PgPool, project_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(SUM(size), 0)::BIGINT FROM sourcemap_artifacts WHERE project_id = $1")
        .bind(project_id)
        .fetch_one(pg)
        .await
}

/// Deletes one artifact of a release; false if there was none.
pub async fn delete(pg: &PgPool, project_id: i64, release: &str, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM sourcemap_artifacts WHERE id = $1 AND project_id = $2 AND release = $3")
        .bind(id)
        .bind(project_id)
        .bind(release)
        .execute(pg)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// What symbolication needs to know of an artifact before loading it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArtifactRef {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub sourcemap_name: Option<String>,
    pub sha256: String,
}

/// Tells which of `projects` have any artifact at all.
pub async fn projects_with_artifacts(pg: &PgPool, projects: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT DISTINCT project_id FROM sourcemap_artifacts WHERE project_id = ANY($1)")
        .bind(projects)
        .fetch_all(pg)
        .await
}

/// Finds the artifacts carrying `debug_id` (a map and maybe its minified file).
pub async fn by_debug_id(pg: &PgPool, project_id: i64, debug_id: Uuid) -> sqlx::Result<Vec<ArtifactRef>> {
    sqlx::query_as(
        "SELECT id, name, kind, sourcemap_name, sha256 FROM sourcemap_artifacts \
         WHERE project_id = $1 AND debug_id = $2 ORDER BY created_at DESC",
    )
    .bind(project_id)
    .bind(debug_id)
    .fetch_all(pg)
    .await
}

/// Finds a release's artifacts among `names`.
pub async fn by_names(pg: &PgPool, project_id: i64, release: &str, names: &[String]) -> sqlx::Result<Vec<ArtifactRef>> {
    sqlx::query_as(
        "SELECT id, name, kind, sourcemap_name, sha256 FROM sourcemap_artifacts \
         WHERE project_id = $1 AND release = $2 AND name = ANY($3)",
    )
    .bind(project_id)
    .bind(release)
    .bind(names)
    .fetch_all(pg)
    .await
}

/// Loads an artifact's bytes.
pub async fn content(pg: &PgPool, id: i64) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT content FROM sourcemap_artifacts WHERE id = $1").bind(id).fetch_optional(pg).await
}
