//! Password reset by e-mail: a single-use link valid for one hour. The
//! request answers the same whether or not the address has an account, and
//! the mail goes out in the background so timing reveals nothing either.
//! Requests are throttled per address and per e-mail (a 429 says nothing
//! about whether the account exists). Using the link sets the password, burns every outstanding link of that
//! user and ends all their sessions.

use axum::{
    extract::State,
    http::{HeaderMap, Method, StatusCode},
    Json,
};
use chrono::{Duration, Utc};
use sightline_api_types::{ErrorBody, ResetConfirm, ResetRequest};

use super::{
    caller::check_origin,
    error::{ApiError, ApiResult},
};
use crate::{
    auth::{password, secret},
    mail::Message,
    net::client_ip::ClientIp,
    state::AppState,
};

/// How long a reset link works.
const VALID_FOR: Duration = Duration::hours(1);

/// `POST /api/v1/auth/password-reset`: always 202.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "accounts", operation_id = "reset_request", request_body = ResetRequest,
    responses(
        (status = 202, description = "Accepted, whether or not the address has an account"),
        (status = 403, description = "The `Origin` header is missing or foreign (CSRF protection)", body = ErrorBody),
        (status = 429, description = "Too many requests for this address or e-mail (`rate_limited`)", body = ErrorBody, headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn request(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    method: Method,
    headers: HeaderMap,
    Json(body): Json<ResetRequest>,
) -> ApiResult<StatusCode> {
    check_origin(&method, &headers, &state)?;
    state
        .login_throttle
        .check_reset(&body.email, ip)
        .map_err(|wait| ApiError::TooManyRequests(wait.as_secs().max(1)))?;
    let user: Option<(i64, String)> = sqlx::query_as("SELECT id, email FROM users WHERE lower(email) = lower($1)")
        .bind(body.email.trim())
        .fetch_optional(&state.pg)
        .await?;
    if let Some((user_id, email)) = user {
        let token = secret::generate("");
        sqlx::query("INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(secret::hash(&token))
            .bind(user_id)
            .bind(Utc::now() + VALID_FOR)
            .execute(&state.pg)
            .await?;
        let mut link = state.config.public_url.join("reset-password").map_err(anyhow::Error::from)?;
        link.query_pairs_mut().append_pair("token", &token);
        let message = Message {
            to: vec![email],
            subject: "Reset your Sightline password".into(),
            text: format!(
                "Someone asked to reset the password of your Sightline account.\n\n\
                 Set a new password within an hour:\n{link}\n\n\
                 If it wasn't you, ignore this e-mail: your password stays as it is.\n"
            ),
            html: format!(
                "<p>Someone asked to reset the password of your Sightline account.</p>\
                 <p><a href=\"{link}\">Set a new password</a> within an hour.</p>\
                 <p>If it wasn't you, ignore this e-mail: your password stays as it is.</p>"
            ),
        };
        let mailer = state.mailer.clone();
        tokio::spawn(async move {
            match mailer.send(&message).await {
                Ok(d) => tracing::info!(path = d.path.as_str(), "password reset mail sent"),
                Err(e) => tracing::error!(error = %e, "cannot send password reset mail"),
            }
        });
    }
    Ok(StatusCode::ACCEPTED)
}

/// `POST /api/v1/auth/password-reset/confirm`: sets the new password.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "accounts", operation_id = "reset_confirm", request_body = ResetConfirm,
    responses(
        (status = 204, description = "Password set; all sessions of the user ended"),
        (status = 403, description = "The `Origin` header is missing or foreign (CSRF protection)", body = ErrorBody),
        (status = 422, description = "The link is invalid, used or expired, or the password too weak (`validation`)", body = ErrorBody),
    ))]
pub async fn confirm(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    Json(body): Json<ResetConfirm>,
) -> ApiResult<StatusCode> {
    check_origin(&method, &headers, &state)?;
    let pw = password::NewPassword::parse(&body.new_password).map_err(ApiError::Validation)?;
    let hash = password::hash(pw, state.config.bcrypt_cost).await?;
    let mut tx = state.pg.begin().await?;
    let user_id: Option<i64> = sqlx::query_scalar(
        "UPDATE password_resets SET used_at = now() \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id",
    )
    .bind(secret::hash(body.token.trim()))
    .fetch_optional(&mut *tx)
    .await?;
    let user_id = user_id.ok_or_else(|| ApiError::Validation("this reset link is invalid, used or expired".into()))?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user_id).execute(&mut *tx).await?;
    sqlx::query("UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
