//! Server-side sessions: the cookie holds a random token, Postgres holds its
//! hash, the user and an expiry. Logging in creates a new session (rotation:
//! a token planted before log-in is worthless afterwards); logging out or
//! changing the password deletes sessions.

use chrono::{Duration, Utc};
use sqlx::PgPool;

use super::secret;

/// The cookie's name.
pub const COOKIE: &str = "sightline_session";
/// How long a session lasts.
pub const TTL_DAYS: i64 = 30;

/// Creates a session for `user_id`; returns the token for the cookie.
pub async fn create(pool: &PgPool, user_id: i64, user_agent: &str, ip: &str) -> sqlx::Result<String> {
    let token = secret::generate("");
    sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at, user_agent, ip) VALUES ($1, $2, $3, $4, $5)")
        .bind(secret::hash(&token))
        .bind(user_id)
        .bind(Utc::now() + Duration::days(TTL_DAYS))
        .bind(user_agent.chars().take(512).collect::<String>())
        .bind(ip)
        .execute(pool)
        .await?;
    Ok(token)
}

/// Returns the user of a live session.
pub async fn user_of(pool: &PgPool, token: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > now()")
        .bind(secret::hash(token))
        .fetch_optional(pool)
        .await
}

/// Deletes one session.
pub async fn delete(pool: &PgPool, token: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(secret::hash(token)).execute(pool).await?;
    Ok(())
}

/// Deletes every session of a user except `keep` (the caller's own).
pub async fn delete_others(pool: &PgPool, user_id: i64, keep: Option<&str>) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep.map(secret::hash).unwrap_or_default())
        .execute(pool)
        .await?;
    Ok(())
}
