//! Who may call a route, enforced by its declaration: every entry of
//! [`super::table`] names an [`Access`], and [`super::router`] wraps the
//! route's handler in [`guard`], which authenticates the caller and checks
//! the API token's scopes before the handler runs. A handler cannot forget
//! the check, and a new route cannot be added without choosing one.
//!
//! Only what depends on the credential alone is decided here. What depends
//! on the resource — the caller's role in the team that owns it — stays with
//! the handler ([`super::access`]), which knows which team that is.

use axum::{
    extract::{FromRequestParts, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sightline_api_types::Scope;

use super::{
    caller::{Caller, Credential},
    error::ApiError,
};
use crate::state::AppState;

/// What a route asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not (sign-up, log-in, this API's document).
    Public,
    /// Any authenticated caller, whatever its token's scopes (log-out, which
    /// only ends the caller's own session).
    Caller,
    /// A session, or an API token with the `read` or `write` scope.
    Read,
    /// A session, or an API token with the `write` scope.
    Write,
    /// A session, or an API token with `write` or `project:releases` (the
    /// scope sentry-cli's tokens get): source-map uploads.
    Releases,
    /// A logged-in session only, never an API token: the account's own
    /// credentials (password, API tokens), so a leaked token cannot mint more.
    Session,
}

impl Access {
    /// Returns whether this access refuses a token that may only read.
    pub fn writes(self) -> bool {
        matches!(self, Access::Write | Access::Releases | Access::Session)
    }

    /// Returns whether the route needs an authenticated caller.
    pub fn authenticated(self) -> bool {
        self != Access::Public
    }

    /// Fails with 403 unless `caller`'s credential grants this access.
    pub fn check(self, caller: &Caller) -> Result<(), ApiError> {
        let scopes = match &caller.credential {
            Credential::Session(_) => return Ok(()),
            Credential::Token { scopes } => scopes,
        };
        let has = |wanted: &[Scope]| scopes.iter().any(|s| wanted.contains(s));
        let missing = match self {
            Access::Public | Access::Caller => return Ok(()),
            Access::Read if has(&[Scope::Read, Scope::Write]) => return Ok(()),
            Access::Write if has(&[Scope::Write]) => return Ok(()),
            Access::Releases if has(&[Scope::Write, Scope::ProjectReleases]) => return Ok(()),
            Access::Read => "this API token lacks the read scope",
            Access::Write => "this API token lacks the write scope",
            Access::Releases => "this API token lacks the project:releases scope",
            Access::Session => "this needs a logged-in session, not an API token",
        };
        Err(ApiError::Forbidden(missing.into()))
    }
}

/// Authenticates the request, checks `access`, and hands the [`Caller`] on to
/// the handler (its `Caller` extractor takes it from the request's extensions
/// instead of asking Postgres again).
pub async fn guard(State((state, access)): State<(AppState, Access)>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let caller = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(caller) => caller,
        Err(refused) => return refused.into_response(),
    };
    if let Err(refused) = access.check(&caller) {
        return refused.into_response();
    }
    parts.extensions.insert(caller);
    next.run(Request::from_parts(parts, body)).await
}
