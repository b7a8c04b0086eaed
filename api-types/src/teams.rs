//! Teams and their members.

use serde::{Deserialize, Serialize};

/// A member's role; owners and admins manage the team, members use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Admin,
    Owner,
}

crate::names::named!(Role, "role", {
    Member => "member",
    Admin => "admin",
    Owner => "owner",
});

impl Role {
    /// Parses a stored role name; `None` when unknown (see [`std::str::FromStr`] for the error).
    pub fn parse(s: &str) -> Option<Role> {
        s.parse().ok()
    }
}

/// A team and the caller's role in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamSummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub role: Role,
    /// Members must log in with two factors to see the team's resources.
    #[serde(default)]
    pub require_two_factor: bool,
}

/// Body of `POST /api/v1/teams` and `PATCH /api/v1/teams/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamInput {
    pub name: String,
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// Body of `PATCH /api/v1/teams/{id}/members/{user_id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberUpdate {
    pub role: Role,
}

/// A pending invitation to a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invite {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub created_at: String,
    pub expires_at: String,
    /// The link to send by hand when mail is off; present only when created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_url: Option<String>,
}

/// Body of `POST /api/v1/teams/{id}/invites`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewInvite {
    pub email: String,
    pub role: Role,
}

/// Body of `POST /api/v1/invites/accept`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptInvite {
    pub token: String,
}
