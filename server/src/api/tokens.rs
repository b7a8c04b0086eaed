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
use sightline_api_types::{ApiToken, CreatedApiToken, ErrorBody, NewApiToken};

use super::{
    caller::Caller,
    error::{ApiError, ApiResult},
};
use crate::{auth::secret, state::AppState};

const SCOPES: [&str; 3] = ["read", "write", "project:releases"];

type TokenRow = (i64, String, String, Vec<String>, DateTime<Utc>, Option<DateTime<Utc>>);

fn to_token(r: TokenRow) -> ApiToken {
    ApiToken {
        id: r.0,
        name: r.1,
        prefix: r.2,
        scopes: r.3,
        created_at: r.4.to_rfc3339(),
        last_used_at: r.5.map(|t| t.to_rfc3339()),
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
    let mut scopes: Vec<String> = input.scopes.iter().map(|s| s.trim().to_string()).collect();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ApiError::Validation(format!("choose at least one scope of {SCOPES:?}")));
    }
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(ApiError::Validation(format!("unknown scope {bad:?}; known: {SCOPES:?}")));
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
