//! Tenant isolation in one place: every handler that touches a team or a
//! project asks here first. A resource of a team the caller is not in is
//! answered 404, exactly like one that does not exist, so ids reveal nothing.
//! A team that requires two-factor log-in answers 403 to members without it.

use sightline_api_types::Role;
use sqlx::PgPool;

use super::error::ApiError;

/// Returns the caller's role in `team_id`, or 404.
pub async fn team_role(pg: &PgPool, user_id: i64, team_id: i64) -> Result<Role, ApiError> {
    let row: Option<Membership> = sqlx::query_as(
        "SELECT m.role, t.require_two_factor AND u.totp_secret IS NULL AS blocked FROM memberships m \
         JOIN teams t ON t.id = m.team_id JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 AND m.user_id = $2",
    )
    .bind(team_id)
    .bind(user_id)
    .fetch_optional(pg)
    .await?;
    let Membership { role, blocked } = row.ok_or(ApiError::NotFound)?;
    two_factor_gate(blocked)?;
    Ok(role)
}

/// The caller's role in a team, and whether the team's two-factor rule
/// blocks them. A stored role this version does not know fails the query.
#[derive(sqlx::FromRow)]
struct Membership {
    role: Role,
    blocked: bool,
}

/// [`Membership`] reached through a project.
#[derive(sqlx::FromRow)]
struct ProjectMembership {
    team_id: i64,
    role: Role,
    blocked: bool,
}

fn two_factor_gate(blocked: bool) -> Result<(), ApiError> {
    if blocked {
        return Err(ApiError::Forbidden(
            "this team requires two-factor log-in: turn it on in your account settings to see its projects".into(),
        ));
    }
    Ok(())
}

/// Returns the team of `project_id` and the caller's role there, or 404.
pub async fn project_role(pg: &PgPool, user_id: i64, project_id: i64) -> Result<(i64, Role), ApiError> {
    let row: Option<ProjectMembership> = sqlx::query_as(
        "SELECT p.team_id, m.role, t.require_two_factor AND u.totp_secret IS NULL AS blocked FROM projects p \
         JOIN memberships m ON m.team_id = p.team_id JOIN teams t ON t.id = p.team_id JOIN users u ON u.id = m.user_id \
         WHERE p.id = $1 AND m.user_id = $2",
    )
    .bind(project_id)
    .bind(user_id)
    .fetch_optional(pg)
    .await?;
    let ProjectMembership { team_id, role, blocked } = row.ok_or(ApiError::NotFound)?;
    two_factor_gate(blocked)?;
    Ok((team_id, role))
}

/// Fails with 403 unless `role` is at least `needed`.
pub fn require(role: Role, needed: Role) -> Result<(), ApiError> {
    if role >= needed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("this needs the {} role", needed.as_str())))
    }
}

/// Returns the team named by `slug` (Sentry's organization slug, as
/// sentry-cli's `--org` gives it) and the caller's role there, or 404.
pub async fn team_by_slug(pg: &PgPool, user_id: i64, slug: &str) -> Result<(i64, Role), ApiError> {
    let team_id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM teams WHERE slug = $1").bind(slug).fetch_optional(pg).await?;
    let team_id = team_id.ok_or(ApiError::NotFound)?;
    Ok((team_id, team_role(pg, user_id, team_id).await?))
}

/// Resolves sentry-cli's project names (slugs, or ids as numbers or strings)
/// within `team_id`; 404 for any that is not there.
pub async fn team_projects(pg: &PgPool, team_id: i64, names: &[String]) -> Result<Vec<i64>, ApiError> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM projects WHERE team_id = $1 AND (slug = $2 OR id::TEXT = $2) ORDER BY slug = $2 DESC LIMIT 1",
        )
        .bind(team_id)
        .bind(name)
        .fetch_optional(pg)
        .await?;
        let id = id.ok_or(ApiError::NotFound)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}
