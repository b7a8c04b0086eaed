//! Who is calling: the `Caller` extractor authenticates a request by its
//! session cookie or by `Authorization: Bearer <api token>`, and protects
//! cookie-authenticated writes against CSRF by checking that `Origin` is the
//! dashboard's own (a cross-site form or fetch carries a foreign origin; a
//! bearer token is never sent by a browser on its own, so it needs no check).
//! Which scopes a token needs is the route's declared access ([`super::guard`]).

use axum::{
    extract::FromRequestParts,
    http::{request::Parts, HeaderMap, Method},
};
use axum_extra::extract::CookieJar;
use sightline_api_types::Scope;

use super::error::ApiError;
use crate::{
    auth::{secret, session},
    state::AppState,
};

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A session cookie (the token, so log-out can delete it).
    Session(String),
    /// A personal API token with its scopes.
    Token { scopes: Vec<Scope> },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub credential: Credential,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Behind the route's guard (api::guard), which has authenticated already.
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        if let Some(token) = bearer(parts) {
            let row: Option<(i64, i64, Vec<Scope>)> = sqlx::query_as(
                // `last_used_at` is kept to the minute: a script polling the API
                // should not rewrite the token's row on every call.
                "WITH t AS (SELECT id, user_id, scopes FROM api_tokens WHERE token_hash = $1), \
                 used AS (UPDATE api_tokens SET last_used_at = now() WHERE id IN (SELECT id FROM t) \
                          AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')) \
                 SELECT id, user_id, scopes FROM t",
            )
            .bind(secret::hash(&token))
            .fetch_optional(&state.pg)
            .await?;
            let (_, user_id, scopes) = row.ok_or(ApiError::Unauthenticated)?;
            return Ok(Caller { user_id, credential: Credential::Token { scopes } });
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar.get(session::COOKIE).map(|c| c.value().to_string()).ok_or(ApiError::Unauthenticated)?;
        let user_id = session::user_of(&state.pg, &token).await?.ok_or(ApiError::Unauthenticated)?;
        check_origin(&parts.method, &parts.headers, state)?;
        Ok(Caller { user_id, credential: Credential::Session(token) })
    }
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// Refuses a state-changing, cookie-authenticated request from another origin.
pub fn check_origin(method: &Method, headers: &HeaderMap, state: &AppState) -> Result<(), ApiError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let origin = headers
        .get(axum::http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::Forbidden("missing Origin header on a cookie-authenticated request".into()))?;
    let public = state.config.public_url.origin().ascii_serialization();
    let host = headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let same_host = origin.split_once("://").is_some_and(|(_, rest)| rest == host);
    if origin == public || same_host {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("cross-site request from {origin} refused")))
    }
}
