//! User accounts: creating a user from the CLI with a bcrypt hash (cost
//! from config), who may sign up ([`signup`]) and redeeming team invitations
//! ([`invitation`]); sessions and teams come with the dashboard API.

pub mod invitation;
pub mod signup;

use anyhow::Context;
use sqlx::PgPool;

/// A validated e-mail address (trimmed, one `@`, a dot in the domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an address, refusing obviously malformed ones.
    pub fn parse(raw: &str) -> Result<Email, String> {
        let s = raw.trim();
        let valid = s.len() <= 254
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
            })
            && s.matches('@').count() == 1
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid {
            Ok(Email(s.to_string()))
        } else {
            Err(format!("{raw:?} is not a valid e-mail address"))
        }
    }

    /// Returns the address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Creates a user (superuser if it is the first) with a bcrypt hash of `password`.
pub async fn create_user(pool: &PgPool, email: &Email, password: &str, bcrypt_cost: u32) -> anyhow::Result<i64> {
    anyhow::ensure!(password.chars().count() >= 8, "password must be at least 8 characters");
    anyhow::ensure!(password.len() <= 72, "password must be at most 72 bytes (bcrypt's limit)");
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || bcrypt::hash(password, bcrypt_cost))
        .await
        .context("hashing task failed")?
        .context("cannot hash password")?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, is_superuser) \
         VALUES ($1, $2, NOT EXISTS (SELECT 1 FROM users)) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(email.as_str())
    .bind(hash)
    .fetch_optional(pool)
    .await
    .context("cannot create user")?;
    id.with_context(|| format!("a user with e-mail {} already exists", email.as_str()))
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn emails_are_checked() {
        assert!(Email::parse(" ada@example.com ").is_ok());
        // NUL and other control characters: found by schemathesis (scripts/test-api-fuzz.sh).
        let controls = ["\u{b3}\u{cb}B\0\u{1}", "ada\0@example.com", "ada@exa\u{7}mple.com"];
        for bad in
            ["", "ada", "ada@", "@example.com", "a@b", "a b@example.com", "a@@example.com"].iter().chain(&controls)
        {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
