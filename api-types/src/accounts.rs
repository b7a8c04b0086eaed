//! Sign-up, log-in and the current user.

use serde::{Deserialize, Serialize};

use crate::teams::TeamSummary;

/// Body of `POST /api/v1/auth/register`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub name: String,
    /// The token of a pending invitation (from its link): needed to sign up
    /// when the policy is `invite`; the new account also joins the team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<String>,
}

/// Body of `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Body of `POST /api/v1/auth/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// A user as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
}

/// `GET /api/v1/auth/me`: who is logged in and in which teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub user: User,
    pub teams: Vec<TeamSummary>,
    /// False when no mail path is configured (the UI says so on invite/reset pages).
    pub mail_enabled: bool,
}

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    /// Read the caller's teams' data.
    #[serde(rename = "read")]
    Read,
    /// Read and change it.
    #[serde(rename = "write")]
    Write,
    /// Upload source maps and releases (what sentry-cli's tokens get).
    #[serde(rename = "project:releases")]
    ProjectReleases,
}

crate::names::named!(Scope, "scope", {
    Read => "read",
    Write => "write",
    ProjectReleases => "project:releases",
});

/// A personal API token as listed (the secret itself is shown only once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The first characters, to tell tokens apart.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewApiToken {
    pub name: String,
    /// Any of `read`, `write`, `project:releases`.
    pub scopes: Vec<String>,
}

/// Answer to `POST /api/v1/tokens`: the token, once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiToken {
    pub token: ApiToken,
    /// Use as `Authorization: Bearer <secret>`; it cannot be shown again.
    pub secret: String,
}

/// Body of `POST /api/v1/auth/password-reset`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetRequest {
    pub email: String,
}

/// Body of `POST /api/v1/auth/password-reset/confirm`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetConfirm {
    pub token: String,
    pub new_password: String,
}
