//! Tenant isolation in one place: every handler that touches a team or a
//! project asks here first. A resource of a team the caller is not in is
//! answered 404, exactly like one that does not exist, so ids reveal nothing.

use sightline_api_types::Role;
use sqlx::PgPool;

use super::error::ApiError;

/// Returns the caller's role in `team_id`, or 404.
pub async fn team_role(pg: &PgPool, user_id: i64, team_id: i64) -> Result<Role, ApiError> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2")
        .bind(team_id)
        .bind(user_id)
        .fetch_optional(pg)
        .await?;
    role.as_deref().and_then(Role::parse).ok_or(ApiError::NotFound)
}

/// Returns the team of `project_id` and the caller's role there, or 404.
pub async fn project_role(pg: &PgPool, user_id: i64, project_id: i64) -> Result<(i64, Role), ApiError> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT p.team_id, m.role FROM projects p JOIN memberships m ON m.team_id = p.team_id \
         WHERE p.id = $1 AND m.user_id = $2",
    )
    .bind(project_id)
    .bind(user_id)
    .fetch_optional(pg)
    .await?;
    let (team_id, role) = row.ok_or(ApiError::NotFound)?;
    Ok((team_id, Role::parse(&role).ok_or(ApiError::NotFound)?))
}

/// Fails with 403 unless `role` is at least `needed`.
pub fn require(role: Role, needed: Role) -> Result<(), ApiError> {
    if role >= needed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("this needs the {} role", needed.as_str())))
    }
}
