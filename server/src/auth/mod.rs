//! Authentication building blocks for the dashboard API: password hashing,
//! server-side sessions, hashed one-time secrets (reset links, invites, API
//! tokens), log-in throttling and two-factor codes (TOTP, recovery codes).
//! HTTP concerns (cookies, CSRF, extractors) live in [`crate::api`].

pub mod password;
pub mod secret;
pub mod session;
pub mod throttle;
pub mod totp;
