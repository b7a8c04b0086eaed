//! Redeeming a team invitation: the single-use token (stored hashed) is
//! marked accepted and the user joins the team with the invited role. Used by
//! `POST /api/v1/invites/accept` for an existing account and by sign-up for
//! a new one, in the caller's transaction so a failed step undoes the claim.

use sightline_api_types::Role;
use sqlx::{PgConnection, Postgres, Transaction};

use crate::auth::secret;

/// A claimed invitation: the team to join and the role to join with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claimed {
    pub team_id: i64,
    pub role: Role,
}

/// Marks a pending, unexpired invitation accepted; `None` if the token is invalid, used or expired.
pub async fn claim(tx: &mut Transaction<'_, Postgres>, token: &str) -> sqlx::Result<Option<Claimed>> {
    let found: Option<(i64, Role)> = sqlx::query_as(
        "UPDATE invites SET accepted_at = now() \
         WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > now() RETURNING team_id, role",
    )
    .bind(secret::hash(token.trim()))
    .fetch_optional(&mut **tx)
    .await?;
    Ok(found.map(|(team_id, role)| Claimed { team_id, role }))
}

/// Adds `user_id` to the claimed team; an existing member keeps the higher of the two roles.
pub async fn join(conn: &mut PgConnection, user_id: i64, claimed: Claimed) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (team_id, user_id) DO UPDATE \
         SET role = CASE WHEN memberships.role = 'owner' OR EXCLUDED.role = 'member' THEN memberships.role ELSE EXCLUDED.role END",
    )
    .bind(claimed.team_id)
    .bind(user_id)
    .bind(claimed.role.as_str())
    .execute(conn)
    .await?;
    Ok(())
}
