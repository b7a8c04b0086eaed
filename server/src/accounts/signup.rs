//! Who may create an account through `POST /api/v1/auth/register`
//! (`SIGHTLINE_SIGNUP`). The first account of an empty instance may always
//! register and becomes superuser, so a fresh install can be set up from the
//! browser; after that `open` lets anyone in, `invite` only the holder of a
//! pending invitation, and `closed` nobody (`sightline user create` still
//! works). An instance on a public address should not be open by default, so
//! the default is `invite`.

use sqlx::{Postgres, Transaction};

use super::invitation::{self, Claimed};

/// The sign-up policy of the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignupPolicy {
    /// Anyone may create an account.
    Open,
    /// Only someone with a pending invitation may.
    #[default]
    Invite,
    /// Only `sightline user create` creates accounts.
    Closed,
}

impl SignupPolicy {
    /// Returns the policy's name as in `SIGHTLINE_SIGNUP`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignupPolicy::Open => "open",
            SignupPolicy::Invite => "invite",
            SignupPolicy::Closed => "closed",
        }
    }
}

impl std::str::FromStr for SignupPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(SignupPolicy::Open),
            "invite" => Ok(SignupPolicy::Invite),
            "closed" => Ok(SignupPolicy::Closed),
            _ => Err("expected open, invite or closed".into()),
        }
    }
}

/// What a sign-up was admitted with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    /// The instance had no account: this one becomes superuser.
    pub first_user: bool,
    /// The invitation that was redeemed, to join its team once the user exists.
    pub invitation: Option<Claimed>,
}

/// Why a sign-up was refused; the message is shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("sign-up is closed on this instance; ask an administrator to create your account")]
    Closed,
    #[error("sign-up needs an invitation on this instance; ask a team admin to invite you")]
    NeedsInvitation,
    #[error("this invitation is invalid, used or expired; ask for a new one")]
    BadInvitation,
}

/// Returns true when the instance has no account yet.
pub async fn is_empty(pg: impl sqlx::PgExecutor<'_>) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM users)").fetch_one(pg).await
}

/// Decides, inside the sign-up transaction, whether an account may be created,
/// claiming the invitation when one is given.
pub async fn admit(
    tx: &mut Transaction<'_, Postgres>,
    policy: SignupPolicy,
    invite: Option<&str>,
) -> sqlx::Result<Result<Admission, Refusal>> {
    // Two sign-ups on an empty instance must not both become "the first":
    // they queue on this lock until the first one commits its user.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('sightline.signup'))").execute(&mut **tx).await?;
    let first_user = is_empty(&mut **tx).await?;
    let invite = invite.map(str::trim).filter(|t| !t.is_empty());
    let invitation = match invite {
        Some(token) if policy != SignupPolicy::Closed || first_user => match invitation::claim(tx, token).await? {
            Some(claimed) => Some(claimed),
            None => return Ok(Err(Refusal::BadInvitation)),
        },
        _ => None,
    };
    if first_user {
        return Ok(Ok(Admission { first_user, invitation }));
    }
    Ok(match (policy, invitation) {
        (SignupPolicy::Closed, _) => Err(Refusal::Closed),
        (SignupPolicy::Invite, None) => Err(Refusal::NeedsInvitation),
        (_, invitation) => Ok(Admission { first_user, invitation }),
    })
}

#[cfg(test)]
mod tests {
    use super::SignupPolicy;

    #[test]
    fn policies_parse_and_others_are_refused() {
        assert_eq!("open".parse::<SignupPolicy>(), Ok(SignupPolicy::Open));
        assert_eq!(" Invite ".parse::<SignupPolicy>(), Ok(SignupPolicy::Invite));
        assert_eq!("closed".parse::<SignupPolicy>(), Ok(SignupPolicy::Closed));
        assert!("yes".parse::<SignupPolicy>().is_err());
        assert_eq!(SignupPolicy::default().as_str(), "invite");
    }
}
