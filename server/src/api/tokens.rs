//! Personal API tokens: created with scopes (`read`, `write`,
//! `project:releases`), shown once, stored as a SHA-256 hash, listed by
//! prefix, revoked by id. Only a logged-in session manages tokens, so a
//! leaked token cannot mint more (their routes are `Access::Session`).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use chrono::{DateTime, Utc};
use sightline_api_types::{ApiToken, CreatedApiToken, ErrorBody, NewApiToken, Scope};

use super::{
    caller::Caller,
    error::{ApiError, ApiResult},
};
use crate::{auth::secret, state::AppState};

/// A stored token, as listed.
#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    scopes: Vec<Scope>,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
}

fn to_token(r: TokenRow) -> ApiToken {
    ApiToken {
        id: r.id,
        name: r.name,
        prefix: r.prefix,
        scopes: r.scopes,
        created_at: r.created_at.to_rfc3339(),
        last_used_at: r.last_used_at.map(|t| t.to_rfc3339()),
    }
}

/// `GET /api/v1/tokens`.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", operation_id = "tokens_list",
    responses(
        (status = 200, description = "The caller's tokens", body = Vec<ApiToken>),
        (status = 403, description = "Called with an API token: tokens are managed from a session", body = ErrorBody),
    ))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<ApiToken>>> {
    let rows: Vec<TokenRow> = sqlx::query_as(
        "SELECT id, name, prefix, scopes, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
    )
    .bind(caller.user_id)
    .fetch_all(&state.pg)
    .await?;
    Ok(Json(rows.into_iter().map(to_token).collect()))
}

/// `POST /api/v1/tokens`: answers the secret once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", operation_id = "tokens_create", request_body = NewApiToken,
    responses(
        (status = 201, description = "Created; the secret is shown this once", body = CreatedApiToken),
        (status = 403, description = "Called with an API token: tokens are managed from a session", body = ErrorBody),
        (status = 422, description = "Bad name or unknown scope (`validation`)", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<NewApiToken>,
) -> ApiResult<(StatusCode, Json<CreatedApiToken>)> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::Validation("a token name has 1 to 100 characters".into()));
    }
    let mut scopes = input.scopes.iter().map(|s| s.trim().parse::<Scope>()).collect::<Result<Vec<_>, _>>()?;
    // Stored (and listed) in the order of their names, as before they were typed.
    scopes.sort_by_key(|s| s.as_str());
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ApiError::Validation(format!("choose at least one scope of {:?}", Scope::NAMES)));
    }
    let plain = secret::generate("slt_");
    let prefix: String = plain.chars().take(10).collect();
    let row: TokenRow = sqlx::query_as(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, name, prefix, scopes, created_at, last_used_at",
    )
    .bind(caller.user_id)
    .bind(name)
    .bind(secret::hash(&plain))
    .bind(&prefix)
    .bind(&scopes)
    .fetch_one(&state.pg)
    .await?;
    Ok((StatusCode::CREATED, Json(CreatedApiToken { token: to_token(row), secret: plain })))
}

/// `DELETE /api/v1/tokens/{token_id}`: revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{token_id}", tag = "tokens", operation_id = "tokens_delete",
    params(("token_id" = i64, Path, description = "An API token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Called with an API token: tokens are managed from a session", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn delete(State(state): State<AppState>, caller: Caller, Path(token_id): Path<i64>) -> ApiResult<StatusCode> {
    let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
        .bind(token_id)
        .bind(caller.user_id)
        .execute(&state.pg)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
