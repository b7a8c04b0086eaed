//! Projects and their client keys: creation from the CLI, and the in-memory
//! key cache the ingest endpoints authenticate against without touching
//! Postgres on the request path, and the allowed-origins matcher it holds.

pub mod keycache;
pub mod origins;
pub mod replay_quota;

use anyhow::Context;
use rand::RngCore;
use sqlx::PgPool;

/// A project with the key SDKs use to send to it.
#[derive(Debug, Clone)]
pub struct ProjectWithKey {
    pub project_id: i64,
    pub team_id: i64,
    pub name: String,
    pub public_key: String,
}

/// Generates a 32-hex-character public key, the shape Sentry SDKs expect.
pub fn generate_public_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Turns a display name into a URL slug (`My Shop!` → `my-shop`).
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "project".into()
    } else {
        slug
    }
}

/// Finds or creates the team with `team_slug`.
pub async fn ensure_team(pool: &PgPool, team_slug: &str) -> anyhow::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO teams (slug, name) VALUES ($1, $2) \
         ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug RETURNING id",
    )
    .bind(slugify(team_slug))
    .bind(team_slug)
    .fetch_one(pool)
    .await
    .context("cannot create team")?;
    Ok(id)
}

/// Creates a team owned by `owner_id`, making its slug unique if needed.
pub async fn create_team(conn: &mut sqlx::PgConnection, name: &str, owner_id: i64) -> anyhow::Result<i64> {
    let base = slugify(name);
    let mut slug = base.clone();
    let team_id = loop {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO teams (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING RETURNING id",
        )
        .bind(&slug)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .context("cannot create team")?;
        if let Some(id) = id {
            break id;
        }
        slug = format!("{base}-{}", &generate_public_key()[..6]);
    };
    sqlx::query("INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, 'owner')")
        .bind(team_id)
        .bind(owner_id)
        .execute(&mut *conn)
        .await
        .context("cannot add team owner")?;
    Ok(team_id)
}

/// Finds or creates project `name` in `team_id`, with an active key; idempotent.
pub async fn ensure_project(pool: &PgPool, team_id: i64, name: &str) -> anyhow::Result<ProjectWithKey> {
    let name = name.trim();
    anyhow::ensure!(!name.is_empty(), "project name must not be empty");
    let mut tx = pool.begin().await.context("cannot start transaction")?;
    let project_id: i64 = sqlx::query_scalar(
        "INSERT INTO projects (team_id, name, slug) VALUES ($1, $2, $3) \
         ON CONFLICT (team_id, slug) DO UPDATE SET slug = EXCLUDED.slug RETURNING id",
    )
    .bind(team_id)
    .bind(name)
    .bind(slugify(name))
    .fetch_one(&mut *tx)
    .await
    .context("cannot create project")?;
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT public_key FROM project_keys WHERE project_id = $1 AND is_active ORDER BY id LIMIT 1",
    )
    .bind(project_id)
    .fetch_optional(&mut *tx)
    .await
    .context("cannot read project keys")?;
    let public_key = match existing {
        Some(key) => key,
        None => create_key(&mut tx, project_id, None).await?,
    };
    let name: String = sqlx::query_scalar("SELECT name FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_one(&mut *tx)
        .await
        .context("cannot read project")?;
    tx.commit().await.context("cannot commit project")?;
    Ok(ProjectWithKey { project_id, team_id, name, public_key })
}

/// Adds a key to a project and returns its public key.
pub async fn create_key(
    conn: &mut sqlx::PgConnection,
    project_id: i64,
    rate_limit_per_minute: Option<i32>,
) -> anyhow::Result<String> {
    let public_key = generate_public_key();
    sqlx::query("INSERT INTO project_keys (project_id, public_key, rate_limit_per_minute) VALUES ($1, $2, $3)")
        .bind(project_id)
        .bind(&public_key)
        .bind(rate_limit_per_minute)
        .execute(conn)
        .await
        .context("cannot create project key")?;
    Ok(public_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(slugify("  My Shop!! (prod) "), "my-shop-prod");
        assert_eq!(slugify("***"), "project");
    }

    #[test]
    fn keys_are_32_hex() {
        let k = generate_public_key();
        assert_eq!(k.len(), 32);
        assert!(k.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
