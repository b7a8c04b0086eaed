//! Password rules and bcrypt hashing (on the blocking pool: a cost-12 hash
//! takes ~0.3 s of CPU and must not stall the async runtime).

use anyhow::Context;

/// A password that satisfies the rules (8 characters to 72 bytes).
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    /// Checks the rules; the error is fit to show the user.
    pub fn parse(raw: &str) -> Result<NewPassword, String> {
        if raw.chars().count() < 8 {
            return Err("password must be at least 8 characters".into());
        }
        if raw.len() > 72 {
            return Err("password must be at most 72 bytes".into());
        }
        Ok(NewPassword(raw.to_string()))
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// Hashes a password with bcrypt at `cost`.
pub async fn hash(password: NewPassword, cost: u32) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || bcrypt::hash(password.0, cost))
        .await
        .context("hashing task failed")?
        .context("cannot hash password")
}

/// Checks a password against a stored hash; false for any mismatch or bad hash.
pub async fn verify(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false)).await.unwrap_or(false)
}

/// A valid hash of a random password, verified against when an e-mail is
/// unknown so that log-in takes the same time whether or not it exists.
pub fn dummy_hash(cost: u32) -> String {
    bcrypt::hash("sightline-dummy-password", cost).expect("bcrypt with a valid cost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_enforced() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse(&"x".repeat(73)).is_err());
        assert!(NewPassword::parse("long enough").is_ok());
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash(NewPassword::parse("long enough").unwrap(), 4).await.unwrap();
        assert!(verify("long enough".into(), h.clone()).await);
        assert!(!verify("wrong one".into(), h).await);
    }
}
