//! Team invitations: an admin invites an e-mail address with a role; the
//! invitee gets a single-use link valid for seven days (by mail, and shown
//! to the admin once for mail-less installs); a logged-in user who opens it
//! joins the team, and someone without an account may sign up with it.
//! Pending invites can be listed and withdrawn.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use chrono::{DateTime, Duration, Utc};
use sightline_api_types::{AcceptInvite, ErrorBody, Invite, NewInvite, Role, TeamSummary};

use super::{
    access::{require, team_role},
    caller::Caller,
    error::{ApiError, ApiResult},
    teams::teams_of,
};
use crate::{
    accounts::{invitation, Email},
    auth::secret,
    mail::Message,
    state::AppState,
};

const VALID_FOR: Duration = Duration::days(7);

/// A pending invite (the role column decodes to [`Role`] or fails the query).
#[derive(sqlx::FromRow)]
struct InviteRow {
    id: i64,
    email: String,
    role: Role,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

fn to_invite(r: InviteRow, accept_url: Option<String>) -> Invite {
    Invite {
        id: r.id,
        email: r.email,
        role: r.role,
        created_at: r.created_at.to_rfc3339(),
        expires_at: r.expires_at.to_rfc3339(),
        accept_url,
    }
}

/// `GET /api/v1/teams/{team_id}/invites`: pending ones (admins).
#[utoipa::path(get, path = "/api/v1/teams/{team_id}/invites", tag = "invites", operation_id = "invites_list",
    params(("team_id" = i64, Path, description = "A team id")),
    responses(
        (status = 200, description = "Pending invites", body = Vec<Invite>),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(team_id): Path<i64>,
) -> ApiResult<Json<Vec<Invite>>> {
    require(team_role(&state.pg, caller.user_id, team_id).await?, Role::Admin)?;
    let rows: Vec<InviteRow> = sqlx::query_as(
        "SELECT id, email, role, created_at, expires_at FROM invites \
         WHERE team_id = $1 AND accepted_at IS NULL AND expires_at > now() ORDER BY id",
    )
    .bind(team_id)
    .fetch_all(&state.pg)
    .await?;
    Ok(Json(rows.into_iter().map(|r| to_invite(r, None)).collect()))
}

/// `POST /api/v1/teams/{team_id}/invites`: invites an address (admins; owners for the owner role).
#[utoipa::path(post, path = "/api/v1/teams/{team_id}/invites", tag = "invites", operation_id = "invites_create", request_body = NewInvite,
    params(("team_id" = i64, Path, description = "A team id")),
    responses(
        (status = 201, description = "Invited; `accept_url` is shown this once", body = Invite),
        (status = 403, description = "The caller's role is too low", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 422, description = "Not an e-mail address (`validation`)", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(team_id): Path<i64>,
    Json(input): Json<NewInvite>,
) -> ApiResult<(StatusCode, Json<Invite>)> {
    let mine = team_role(&state.pg, caller.user_id, team_id).await?;
    require(mine, Role::Admin)?;
    if input.role == Role::Owner && mine != Role::Owner {
        return Err(ApiError::Forbidden("only owners can invite owners".into()));
    }
    let email = Email::parse(&input.email).map_err(ApiError::Validation)?;
    let token = secret::generate("");
    let row: InviteRow = sqlx::query_as(
        "INSERT INTO invites (team_id, email, role, token_hash, invited_by, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, email, role, created_at, expires_at",
    )
    .bind(team_id)
    .bind(email.as_str())
    .bind(input.role)
    .bind(secret::hash(&token))
    .bind(caller.user_id)
    .bind(Utc::now() + VALID_FOR)
    .fetch_one(&state.pg)
    .await?;
    let mut link = state.config.public_url.join("invites/accept").map_err(anyhow::Error::from)?;
    link.query_pairs_mut().append_pair("token", &token);
    let team: String =
        sqlx::query_scalar("SELECT name FROM teams WHERE id = $1").bind(team_id).fetch_one(&state.pg).await?;
    let message = Message {
        to: vec![email.as_str().to_string()],
        subject: format!("You're invited to {team} on Sightline"),
        text: format!("You're invited to join the team {team} on Sightline.\n\nAccept within 7 days:\n{link}\n"),
        html: format!("<p>You're invited to join the team <b>{}</b> on Sightline.</p><p><a href=\"{link}\">Accept the invitation</a> within 7 days.</p>", html_escape(&team)),
    };
    let mailer = state.mailer.clone();
    tokio::spawn(async move {
        if let Err(e) = mailer.send(&message).await {
            tracing::error!(error = %e, "cannot send invitation mail");
        }
    });
    let invite = to_invite(row, Some(link.to_string()));
    Ok((StatusCode::CREATED, Json(invite)))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `DELETE /api/v1/teams/{team_id}/invites/{invite_id}`: withdraws (admins).
#[utoipa::path(delete, path = "/api/v1/teams/{team_id}/invites/{invite_id}", tag = "invites", operation_id = "invites_delete",
    params(("team_id" = i64, Path, description = "A team id"), ("invite_id" = i64, Path, description = "A pending invite's id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 403, description = "The caller's role is too low", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((team_id, invite_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    require(team_role(&state.pg, caller.user_id, team_id).await?, Role::Admin)?;
    let done = sqlx::query("DELETE FROM invites WHERE id = $1 AND team_id = $2 AND accepted_at IS NULL")
        .bind(invite_id)
        .bind(team_id)
        .execute(&state.pg)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/invites/accept`: the caller joins the invite's team.
#[utoipa::path(post, path = "/api/v1/invites/accept", tag = "invites", operation_id = "invites_accept", request_body = AcceptInvite,
    responses(
        (status = 200, description = "Joined; the team with the caller's role", body = TeamSummary),
        (status = 422, description = "The invitation is invalid, used or expired (`validation`)", body = ErrorBody),
    ))]
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<AcceptInvite>,
) -> ApiResult<Json<TeamSummary>> {
    let mut tx = state.pg.begin().await?;
    let claimed = invitation::claim(&mut tx, &input.token)
        .await?
        .ok_or_else(|| ApiError::Validation("this invitation is invalid, used or expired".into()))?;
    let team_id = claimed.team_id;
    invitation::join(&mut tx, caller.user_id, claimed).await?;
    tx.commit().await?;
    let team =
        teams_of(&state.pg, caller.user_id).await?.into_iter().find(|t| t.id == team_id).ok_or(ApiError::NotFound)?;
    Ok(Json(team))
}
