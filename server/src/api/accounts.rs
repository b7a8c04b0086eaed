//! Accounts: register, log in, log out, who am I, change password. Log-in
//! answers the same generic error for an unknown e-mail and a wrong password
//! (and takes the same time), and is throttled per account and per client
//! address ([`crate::net::client_ip`]: the real client behind a trusted proxy).
//! Sign-up follows the instance's policy ([`crate::accounts::signup`]); an
//! account with two-factor log-in gets a challenge instead of a session
//! ([`super::twofactor`]).

use std::net::IpAddr;

use axum::{
    extract::State,
    http::{HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use axum_extra::extract::{
    cookie::{Cookie, SameSite},
    CookieJar,
};
use sightline_api_types::{
    ChangePasswordRequest, ErrorBody, LoginRequest, Me, RegisterRequest, TwoFactorChallenge, User,
};

use super::{
    caller::{check_origin, Caller, Credential},
    error::{ApiError, ApiResult},
};
use crate::{
    accounts::{invitation, signup, Email},
    auth::{password, session},
    net::client_ip::ClientIp,
    projects,
    state::AppState,
};

/// `POST /api/v1/auth/register`: creates the user and a personal team (and joins the invitation's), and logs in.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", operation_id = "accounts_register", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Signed up and logged in", body = Me, headers(("set-cookie" = String, description = "The `sightline_session` cookie"))),
        (status = 403, description = "Sign-up is closed or needs a valid invitation, or the `Origin` header is missing or foreign (CSRF protection)", body = ErrorBody),
        (status = 409, description = "An account with this e-mail exists (`conflict`)", body = ErrorBody),
        (status = 422, description = "Bad e-mail or too weak a password (`validation`)", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    method: Method,
    headers: HeaderMap,
    jar: CookieJar,
    Json(body): Json<RegisterRequest>,
) -> ApiResult<(StatusCode, CookieJar, Json<Me>)> {
    check_origin(&method, &headers, &state)?;
    let email = Email::parse(&body.email).map_err(ApiError::Validation)?;
    let pw = password::NewPassword::parse(&body.password).map_err(ApiError::Validation)?;
    let name = body.name.trim().chars().take(100).collect::<String>();
    let mut tx = state.pg.begin().await?;
    // Decided before hashing: a refused sign-up costs no bcrypt time.
    let admission = signup::admit(&mut tx, state.config.signup, body.invite.as_deref())
        .await?
        .map_err(|refusal| ApiError::Forbidden(refusal.to_string()))?;
    let hash = password::hash(pw, state.config.bcrypt_cost).await?;
    let user_id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, name, is_superuser) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(email.as_str())
    .bind(hash)
    .bind(&name)
    .bind(admission.first_user)
    .fetch_optional(&mut *tx)
    .await?;
    let user_id = user_id
        .ok_or_else(|| ApiError::Conflict("an account with this e-mail already exists; log in instead".into()))?;
    let team_name =
        if name.is_empty() { email.as_str().split('@').next().unwrap_or("my").to_string() } else { name.clone() };
    projects::create_team(&mut tx, &format!("{team_name}'s team"), user_id).await?;
    if let Some(claimed) = admission.invitation {
        invitation::join(&mut tx, user_id, claimed).await?;
    }
    tx.commit().await?;
    let jar = start_session(&state, jar, user_id, &headers, ip).await?;
    Ok((StatusCode::CREATED, jar, Json(me(&state, user_id).await?)))
}

/// `POST /api/v1/auth/login`: starts a new session (rotating any old cookie), or a two-factor challenge.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", operation_id = "accounts_login", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = Me, headers(("set-cookie" = String, description = "The `sightline_session` cookie"))),
        (status = 202, description = "Password right; the account needs a second factor (no session yet)", body = TwoFactorChallenge),
        (status = 403, description = "The `Origin` header is missing or foreign (CSRF protection)", body = ErrorBody),
        (status = 422, description = "Wrong e-mail or password (`validation`)", body = ErrorBody),
        (status = 429, description = "Too many attempts (`rate_limited`)", body = ErrorBody, headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    method: Method,
    headers: HeaderMap,
    jar: CookieJar,
    Json(body): Json<LoginRequest>,
) -> ApiResult<Response> {
    check_origin(&method, &headers, &state)?;
    state.login_throttle.check(&body.email, ip).map_err(|wait| ApiError::TooManyRequests(wait.as_secs().max(1)))?;
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE lower(email) = lower($1)")
            .bind(body.email.trim())
            .fetch_optional(&state.pg)
            .await?;
    let (user_id, hash) = match row {
        Some((id, hash)) => (Some(id), hash),
        None => (None, state.dummy_hash.clone()),
    };
    let ok = password::verify(body.password, hash).await;
    let user_id = match (user_id, ok) {
        (Some(id), true) => id,
        _ => return Err(ApiError::Validation("wrong e-mail or password".into())),
    };
    if let Some(challenge) = super::twofactor::challenge(&state.pg, user_id).await? {
        return Ok((StatusCode::ACCEPTED, Json(challenge)).into_response());
    }
    Ok(replace_session(&state, jar, user_id, &headers, ip).await?.into_response())
}

/// Ends the request's old session, if any, and starts a new one for `user_id`
/// (a log-in never keeps a session id the client brought: no fixation).
pub(super) async fn replace_session(
    state: &AppState,
    jar: CookieJar,
    user_id: i64,
    headers: &HeaderMap,
    ip: IpAddr,
) -> ApiResult<(CookieJar, Json<Me>)> {
    if let Some(old) = jar.get(session::COOKIE) {
        session::delete(&state.pg, old.value()).await?;
    }
    let jar = start_session(state, jar, user_id, headers, ip).await?;
    Ok((jar, Json(me(state, user_id).await?)))
}

/// Fails with `wrong` (422) unless `password` is the account's own.
pub(super) async fn check_own_password(
    pg: &sqlx::PgPool,
    user_id: i64,
    password: String,
    wrong: &str,
) -> ApiResult<()> {
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(user_id).fetch_one(pg).await?;
    if password::verify(password, hash).await {
        Ok(())
    } else {
        Err(ApiError::Validation(wrong.into()))
    }
}

/// `POST /api/v1/auth/logout`: ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", operation_id = "accounts_logout",
    responses(
        (status = 204, description = "Logged out; the cookie is cleared"),
    ))]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    jar: CookieJar,
) -> ApiResult<(CookieJar, StatusCode)> {
    if let Credential::Session(token) = &caller.credential {
        session::delete(&state.pg, token).await?;
    }
    Ok((jar.remove(Cookie::build(session::COOKIE).path("/")), StatusCode::NO_CONTENT))
}

/// `GET /api/v1/auth/me`.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "accounts", operation_id = "accounts_current",
    responses(
        (status = 200, description = "The caller and their teams", body = Me),
    ))]
pub async fn current(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Me>> {
    Ok(Json(me(&state, caller.user_id).await?))
}

/// `POST /api/v1/auth/password`: changes the password and ends every other session.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "accounts", operation_id = "accounts_change_password", request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; every other session ended"),
        (status = 403, description = "Called with an API token instead of a session", body = ErrorBody),
        (status = 422, description = "The current password is wrong, or the new one too weak (`validation`)", body = ErrorBody),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    let Credential::Session(token) = &caller.credential else {
        return Err(ApiError::Forbidden("change the password from a logged-in session".into()));
    };
    check_own_password(&state.pg, caller.user_id, body.current_password, "the current password is wrong").await?;
    let pw = password::NewPassword::parse(&body.new_password).map_err(ApiError::Validation)?;
    let hash = password::hash(pw, state.config.bcrypt_cost).await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(caller.user_id)
        .execute(&state.pg)
        .await?;
    session::delete_others(&state.pg, caller.user_id, Some(token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a session and adds its cookie to `jar`.
pub(super) async fn start_session(
    state: &AppState,
    jar: CookieJar,
    user_id: i64,
    headers: &HeaderMap,
    ip: IpAddr,
) -> ApiResult<CookieJar> {
    let ua = headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("");
    let token = session::create(&state.pg, user_id, ua, &ip.to_string()).await?;
    let cookie = Cookie::build((session::COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.public_url.scheme() == "https")
        .max_age(time::Duration::days(session::TTL_DAYS))
        .build();
    Ok(jar.add(cookie))
}

/// Loads the user and their teams.
pub async fn me(state: &AppState, user_id: i64) -> ApiResult<Me> {
    let (id, email, name): (i64, String, String) =
        sqlx::query_as("SELECT id, email, name FROM users WHERE id = $1").bind(user_id).fetch_one(&state.pg).await?;
    let teams = super::teams::teams_of(&state.pg, user_id).await?;
    Ok(Me { user: User { id, email, name }, teams, mail_enabled: state.config.mail.is_enabled() })
}
