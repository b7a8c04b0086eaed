//! Teams and members: list and create teams, rename (admins), list members,
//! change roles and remove members (admins; only owners touch owners), and
//! leave — except the last owner, who would orphan the team.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use sightline_api_types::{ErrorBody, Member, MemberUpdate, Role, TeamInput, TeamSummary};
use sqlx::PgPool;

use super::{
    access::{require, team_role},
    caller::Caller,
    error::{ApiError, ApiResult},
};
use crate::{projects, state::AppState};

/// Lists the teams of `user_id` with their role in each.
pub async fn teams_of(pg: &PgPool, user_id: i64) -> Result<Vec<TeamSummary>, ApiError> {
    // A role this version does not know fails the query (a logged 500), never a default.
    Ok(sqlx::query_as(
        "SELECT t.id, t.slug, t.name, m.role, t.require_two_factor FROM teams t JOIN memberships m ON m.team_id = t.id \
         WHERE m.user_id = $1 ORDER BY t.name, t.id",
    )
    .bind(user_id)
    .fetch_all(pg)
    .await?)
}

/// `GET /api/v1/teams`.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", operation_id = "teams_list",
    responses(
        (status = 200, description = "The caller's teams", body = Vec<TeamSummary>),
    ))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<TeamSummary>>> {
    Ok(Json(teams_of(&state.pg, caller.user_id).await?))
}

fn team_name(input: &TeamInput) -> ApiResult<String> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::Validation("a team name has 1 to 100 characters".into()));
    }
    Ok(name.to_string())
}

/// `POST /api/v1/teams`: the caller becomes its owner.
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", operation_id = "teams_create", request_body = TeamInput,
    responses(
        (status = 201, description = "Created; the caller owns it", body = TeamSummary),
        (status = 422, description = "A team name has 1 to 100 characters (`validation`)", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<TeamInput>,
) -> ApiResult<(StatusCode, Json<TeamSummary>)> {
    let name = team_name(&input)?;
    let mut tx = state.pg.begin().await?;
    let id = projects::create_team(&mut tx, &name, caller.user_id).await?;
    tx.commit().await?;
    let team = teams_of(&state.pg, caller.user_id).await?.into_iter().find(|t| t.id == id).ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(team)))
}

/// `PATCH /api/v1/teams/{team_id}`: renames (admins).
#[utoipa::path(patch, path = "/api/v1/teams/{team_id}", tag = "teams", operation_id = "teams_rename", request_body = TeamInput,
    params(("team_id" = i64, Path, description = "A team id")),
    responses(
        (status = 200, description = "Renamed", body = TeamSummary),
        (status = 403, description = "The caller's role is too low", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 422, description = "A team name has 1 to 100 characters (`validation`)", body = ErrorBody),
    ))]
pub async fn rename(
    State(state): State<AppState>,
    caller: Caller,
    Path(team_id): Path<i64>,
    Json(input): Json<TeamInput>,
) -> ApiResult<Json<TeamSummary>> {
    require(team_role(&state.pg, caller.user_id, team_id).await?, Role::Admin)?;
    let name = team_name(&input)?;
    sqlx::query("UPDATE teams SET name = $1 WHERE id = $2").bind(&name).bind(team_id).execute(&state.pg).await?;
    let team =
        teams_of(&state.pg, caller.user_id).await?.into_iter().find(|t| t.id == team_id).ok_or(ApiError::NotFound)?;
    Ok(Json(team))
}

/// `GET /api/v1/teams/{team_id}/members`.
#[utoipa::path(get, path = "/api/v1/teams/{team_id}/members", tag = "teams", operation_id = "teams_members",
    params(("team_id" = i64, Path, description = "A team id")),
    responses(
        (status = 200, description = "The members", body = Vec<Member>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
    Path(team_id): Path<i64>,
) -> ApiResult<Json<Vec<Member>>> {
    team_role(&state.pg, caller.user_id, team_id).await?;
    let members: Vec<Member> = sqlx::query_as(
        "SELECT u.id AS user_id, u.email, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.team_id = $1 ORDER BY u.email",
    )
    .bind(team_id)
    .fetch_all(&state.pg)
    .await?;
    Ok(Json(members))
}

/// `PATCH /api/v1/teams/{team_id}/members/{user_id}`: changes a role.
#[utoipa::path(patch, path = "/api/v1/teams/{team_id}/members/{user_id}", tag = "teams", operation_id = "teams_update_member", request_body = MemberUpdate,
    params(("team_id" = i64, Path, description = "A team id"), ("user_id" = i64, Path, description = "A user id")),
    responses(
        (status = 204, description = "Role changed"),
        (status = 403, description = "The caller's role is too low", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 409, description = "The team would be left without an owner (`conflict`)", body = ErrorBody),
    ))]
pub async fn update_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((team_id, user_id)): Path<(i64, i64)>,
    Json(update): Json<MemberUpdate>,
) -> ApiResult<StatusCode> {
    let mine = team_role(&state.pg, caller.user_id, team_id).await?;
    require(mine, Role::Admin)?;
    let theirs = team_role(&state.pg, user_id, team_id).await?;
    if (theirs == Role::Owner || update.role == Role::Owner) && mine != Role::Owner {
        return Err(ApiError::Forbidden("only owners can grant or take the owner role".into()));
    }
    let mut tx = state.pg.begin().await?;
    sqlx::query("UPDATE memberships SET role = $1 WHERE team_id = $2 AND user_id = $3")
        .bind(update.role.as_str())
        .bind(team_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    ensure_an_owner_remains(&mut tx, team_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/teams/{team_id}/members/{user_id}`: removes a member (admins).
#[utoipa::path(delete, path = "/api/v1/teams/{team_id}/members/{user_id}", tag = "teams", operation_id = "teams_remove_member",
    params(("team_id" = i64, Path, description = "A team id"), ("user_id" = i64, Path, description = "A user id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "The caller's role is too low", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 409, description = "The team would be left without an owner (`conflict`)", body = ErrorBody),
    ))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((team_id, user_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let mine = team_role(&state.pg, caller.user_id, team_id).await?;
    let theirs = team_role(&state.pg, user_id, team_id).await?;
    if user_id != caller.user_id {
        require(mine, Role::Admin)?;
        if theirs == Role::Owner && mine != Role::Owner {
            return Err(ApiError::Forbidden("only owners can remove an owner".into()));
        }
    }
    let mut tx = state.pg.begin().await?;
    sqlx::query("DELETE FROM memberships WHERE team_id = $1 AND user_id = $2")
        .bind(team_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    ensure_an_owner_remains(&mut tx, team_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/teams/{team_id}/leave`.
#[utoipa::path(post, path = "/api/v1/teams/{team_id}/leave", tag = "teams", operation_id = "teams_leave",
    params(("team_id" = i64, Path, description = "A team id")),
    responses(
        (status = 204, description = "Left the team"),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 409, description = "The last owner cannot leave (`conflict`)", body = ErrorBody),
    ))]
pub async fn leave(state: State<AppState>, caller: Caller, Path(team_id): Path<i64>) -> ApiResult<StatusCode> {
    let me = caller.user_id;
    remove_member(state, caller, Path((team_id, me))).await
}

async fn ensure_an_owner_remains(conn: &mut sqlx::PgConnection, team_id: i64) -> ApiResult<()> {
    let owners: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships WHERE team_id = $1 AND role = 'owner'")
        .bind(team_id)
        .fetch_one(conn)
        .await?;
    if owners == 0 {
        return Err(ApiError::Conflict("a team needs at least one owner; make someone else owner first".into()));
    }
    Ok(())
}
