//! Two-factor log-in over the API. Set-up: `setup` makes a secret (pending
//! until confirmed) and answers its otpauth URI and QR code; `enable` checks
//! a code from the app, turns two-factor on and answers recovery codes once;
//! `disable` wants the password and a code. Log-in: a right password for
//! such an account answers a short-lived challenge ([`challenge`]) instead of
//! a session, and `login` trades the challenge and a code (or a recovery
//! code) for the session, throttled like the password step. Teams that
//! require two factors are enforced in [`super::access`]; the setting is
//! [`set_team_requirement`].

use axum::{
    extract::{Path, State},
    http::{HeaderMap, Method, StatusCode},
    Json,
};
use axum_extra::extract::CookieJar;
use secrecy::SecretString;
use sightline_api_types::{
    DisableTwoFactor, ErrorBody, Me, RecoveryCodes, Role, TeamTwoFactor, TwoFactorChallenge, TwoFactorCode,
    TwoFactorLogin, TwoFactorSetup, TwoFactorStatus,
};
use sqlx::PgPool;

use super::{
    access::{require, team_role},
    accounts::{check_own_password, replace_session},
    caller::{check_origin, Caller},
    error::{ApiError, ApiResult},
};
use crate::{
    auth::{secret, totp},
    net::client_ip::ClientIp,
    state::AppState,
};

/// How long the code step may follow the password step.
const CHALLENGE_SECS: u64 = 300;
/// Wrong codes one challenge survives before the password must be typed again.
const CHALLENGE_ATTEMPTS: i32 = 5;

/// Returns true when `user_id` logs in with two factors.
pub async fn is_enabled(pg: &PgPool, user_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT totp_secret IS NOT NULL FROM users WHERE id = $1").bind(user_id).fetch_one(pg).await
}

/// Starts the code step of a log-in, if `user_id` has two-factor log-in on.
pub async fn challenge(pg: &PgPool, user_id: i64) -> sqlx::Result<Option<TwoFactorChallenge>> {
    if !is_enabled(pg, user_id).await? {
        return Ok(None);
    }
    let token = secret::generate("");
    sqlx::query("DELETE FROM login_challenges WHERE expires_at < now()").execute(pg).await?;
    sqlx::query(
        "INSERT INTO login_challenges (token_hash, user_id, expires_at) \
         VALUES ($1, $2, now() + make_interval(secs => $3))",
    )
    .bind(secret::hash(&token))
    .bind(user_id)
    .bind(CHALLENGE_SECS as f64)
    .execute(pg)
    .await?;
    Ok(Some(TwoFactorChallenge { challenge: token, expires_in: CHALLENGE_SECS }))
}

/// Checks a TOTP code (each time step accepted once) or spends a recovery code.
async fn verify_code(pg: &PgPool, user_id: i64, code: &str) -> ApiResult<bool> {
    let secret: Option<String> =
        sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1").bind(user_id).fetch_one(pg).await?;
    let Some(secret) = secret.map(SecretString::from) else { return Ok(false) };
    if totp::is_totp_shaped(code) {
        let Some(step) = totp::matching_step(&secret, code)? else { return Ok(false) };
        // A code seen once (a replay, or a second log-in in the same 30 s) is refused.
        let done = sqlx::query("UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2")
            .bind(user_id)
            .bind(step as i64)
            .execute(pg)
            .await?;
        return Ok(done.rows_affected() == 1);
    }
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(totp::recovery_hash(code))
    .execute(pg)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// `GET /api/v1/auth/two-factor`: whether two-factor log-in is on.
#[utoipa::path(get, path = "/api/v1/auth/two-factor", tag = "accounts", operation_id = "twofactor_status",
    responses((status = 200, description = "Two-factor state of the caller", body = TwoFactorStatus)))]
pub async fn status(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<TwoFactorStatus>> {
    let (enabled, left): (bool, i64) = sqlx::query_as(
        "SELECT u.totp_secret IS NOT NULL, \
                (SELECT count(*) FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL) \
         FROM users u WHERE u.id = $1",
    )
    .bind(caller.user_id)
    .fetch_one(&state.pg)
    .await?;
    Ok(Json(TwoFactorStatus { enabled, recovery_codes_left: left }))
}

/// `POST /api/v1/auth/two-factor/setup`: a new secret, pending until confirmed by `enable`.
#[utoipa::path(post, path = "/api/v1/auth/two-factor/setup", tag = "accounts", operation_id = "twofactor_setup",
    responses(
        (status = 200, description = "The secret, its otpauth URI and QR code", body = TwoFactorSetup),
        (status = 403, description = "Called with an API token instead of a session", body = ErrorBody),
        (status = 409, description = "Two-factor log-in is already on (`conflict`)", body = ErrorBody),
    ))]
pub async fn setup(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<TwoFactorSetup>> {
    if is_enabled(&state.pg, caller.user_id).await? {
        return Err(ApiError::Conflict("two-factor log-in is already on; turn it off first to change the app".into()));
    }
    let secret = totp::new_secret();
    let email: String = sqlx::query_scalar("UPDATE users SET totp_pending_secret = $2 WHERE id = $1 RETURNING email")
        .bind(caller.user_id)
        .bind(secrecy::ExposeSecret::expose_secret(&secret))
        .fetch_one(&state.pg)
        .await?;
    let otpauth_uri = totp::otpauth_uri(&secret, &email)?;
    let qr_svg = totp::qr_svg(&otpauth_uri)?;
    Ok(Json(TwoFactorSetup { secret: secrecy::ExposeSecret::expose_secret(&secret).to_string(), otpauth_uri, qr_svg }))
}

/// `POST /api/v1/auth/two-factor/enable`: confirms the pending secret with a code.
#[utoipa::path(post, path = "/api/v1/auth/two-factor/enable", tag = "accounts", operation_id = "twofactor_enable", request_body = TwoFactorCode,
    responses(
        (status = 200, description = "On; the recovery codes, shown this once", body = RecoveryCodes),
        (status = 403, description = "Called with an API token instead of a session", body = ErrorBody),
        (status = 422, description = "No set-up was started, or the code is wrong (`validation`)", body = ErrorBody),
    ))]
pub async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<TwoFactorCode>,
) -> ApiResult<Json<RecoveryCodes>> {
    let pending: Option<String> = sqlx::query_scalar("SELECT totp_pending_secret FROM users WHERE id = $1")
        .bind(caller.user_id)
        .fetch_one(&state.pg)
        .await?;
    let pending = pending
        .map(SecretString::from)
        .ok_or_else(|| ApiError::Validation("start the two-factor set-up first".into()))?;
    let step = totp::matching_step(&pending, &body.code)?.ok_or_else(|| {
        ApiError::Validation("that code is not the current one; check the app and the device's clock".into())
    })?;
    let codes = totp::new_recovery_codes();
    let mut tx = state.pg.begin().await?;
    sqlx::query(
        "UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_enabled_at = now(), \
         totp_last_step = $2 WHERE id = $1",
    )
    .bind(caller.user_id)
    .bind(step as i64)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(caller.user_id).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])")
        .bind(caller.user_id)
        .bind(codes.iter().map(|c| totp::recovery_hash(c)).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Json(RecoveryCodes { codes }))
}

/// `POST /api/v1/auth/two-factor/disable`: turns two-factor log-in off (password and a code).
#[utoipa::path(post, path = "/api/v1/auth/two-factor/disable", tag = "accounts", operation_id = "twofactor_disable", request_body = DisableTwoFactor,
    responses(
        (status = 204, description = "Off; the recovery codes are gone"),
        (status = 403, description = "Called with an API token instead of a session", body = ErrorBody),
        (status = 422, description = "Wrong password or code, or two-factor log-in is off (`validation`)", body = ErrorBody),
    ))]
pub async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<DisableTwoFactor>,
) -> ApiResult<StatusCode> {
    check_own_password(&state.pg, caller.user_id, body.password, "the password is wrong").await?;
    if !is_enabled(&state.pg, caller.user_id).await? {
        return Err(ApiError::Validation("two-factor log-in is not on".into()));
    }
    if !verify_code(&state.pg, caller.user_id, &body.code).await? {
        return Err(ApiError::Validation("the code is wrong or was already used".into()));
    }
    let mut tx = state.pg.begin().await?;
    sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL WHERE id = $1",
    )
    .bind(caller.user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(caller.user_id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM login_challenges WHERE user_id = $1").bind(caller.user_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/auth/login/two-factor`: the code step of a log-in; starts the session.
#[utoipa::path(post, path = "/api/v1/auth/login/two-factor", tag = "accounts", operation_id = "twofactor_login", request_body = TwoFactorLogin,
    responses(
        (status = 200, description = "Logged in", body = Me, headers(("set-cookie" = String, description = "The `sightline_session` cookie"))),
        (status = 403, description = "The `Origin` header is missing or foreign (CSRF protection)", body = ErrorBody),
        (status = 422, description = "Wrong or used code, or the challenge expired (`validation`)", body = ErrorBody),
        (status = 429, description = "Too many attempts (`rate_limited`)", body = ErrorBody, headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    method: Method,
    headers: HeaderMap,
    jar: CookieJar,
    Json(body): Json<TwoFactorLogin>,
) -> ApiResult<(CookieJar, Json<Me>)> {
    check_origin(&method, &headers, &state)?;
    let found: Option<(i64, String)> = sqlx::query_as(
        "UPDATE login_challenges c SET attempts = attempts + 1 FROM users u \
         WHERE c.token_hash = $1 AND c.expires_at > now() AND c.attempts < $2 AND u.id = c.user_id \
         RETURNING c.user_id, u.email",
    )
    .bind(secret::hash(body.challenge.trim()))
    .bind(CHALLENGE_ATTEMPTS)
    .fetch_optional(&state.pg)
    .await?;
    let (user_id, email) =
        found.ok_or_else(|| ApiError::Validation("this log-in expired; enter your password again".into()))?;
    // The same buckets as the password step: a stolen password does not buy
    // more guesses at the code than at the password.
    state.login_throttle.check(&email, ip).map_err(|wait| ApiError::TooManyRequests(wait.as_secs().max(1)))?;
    if !verify_code(&state.pg, user_id, &body.code).await? {
        return Err(ApiError::Validation("the code is wrong or was already used".into()));
    }
    sqlx::query("DELETE FROM login_challenges WHERE token_hash = $1")
        .bind(secret::hash(body.challenge.trim()))
        .execute(&state.pg)
        .await?;
    replace_session(&state, jar, user_id, &headers, ip).await
}

/// `PUT /api/v1/teams/{team_id}/two-factor`: requires (or stops requiring) two factors of members.
#[utoipa::path(put, path = "/api/v1/teams/{team_id}/two-factor", tag = "teams", operation_id = "twofactor_team", request_body = TeamTwoFactor,
    params(("team_id" = i64, Path, description = "A team id")),
    responses(
        (status = 204, description = "Saved"),
        (status = 403, description = "Not an admin, or the caller has no two-factor log-in themselves", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn set_team_requirement(
    State(state): State<AppState>,
    caller: Caller,
    Path(team_id): Path<i64>,
    Json(body): Json<TeamTwoFactor>,
) -> ApiResult<StatusCode> {
    require(team_role(&state.pg, caller.user_id, team_id).await?, Role::Admin)?;
    if body.required && !is_enabled(&state.pg, caller.user_id).await? {
        return Err(ApiError::Forbidden(
            "turn on two-factor log-in for your own account before requiring it of the team".into(),
        ));
    }
    sqlx::query("UPDATE teams SET require_two_factor = $2 WHERE id = $1")
        .bind(team_id)
        .bind(body.required)
        .execute(&state.pg)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
