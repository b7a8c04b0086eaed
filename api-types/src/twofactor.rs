//! The sign-up policy as the dashboard sees it, and two-factor log-in: TOTP
//! set-up, the log-in challenge between the password and the code, recovery
//! codes, and the team setting that requires two factors of its members.

use serde::{Deserialize, Serialize};

use crate::accounts::Me;

/// `GET /api/v1/auth/signup`: whether the sign-up form would work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignupInfo {
    /// `open`, `invite` or `closed`.
    pub policy: String,
    /// True on an empty instance: the first account may always register.
    pub first_user: bool,
}

/// Answer `202` of `POST /api/v1/auth/login` for an account with two-factor
/// log-in: no session yet; send the challenge with a code to
/// `POST /api/v1/auth/login/two-factor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorChallenge {
    pub challenge: String,
    /// Seconds the challenge stays valid.
    pub expires_in: u64,
}

/// What `POST /api/v1/auth/login` answered: logged in, or a code is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LoginOutcome {
    TwoFactor(TwoFactorChallenge),
    LoggedIn(Me),
}

/// Body of `POST /api/v1/auth/login/two-factor`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorLogin {
    pub challenge: String,
    /// A 6-digit code from the authenticator app, or an unused recovery code.
    pub code: String,
}

/// `GET /api/v1/auth/two-factor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: i64,
}

/// Answer of `POST /api/v1/auth/two-factor/setup`: a new secret to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorSetup {
    /// The base32 secret, for typing into an app by hand.
    pub secret: String,
    /// The `otpauth://totp/…` URI the QR code holds.
    pub otpauth_uri: String,
    /// The QR code as an SVG document.
    pub qr_svg: String,
}

/// Body of `POST /api/v1/auth/two-factor/enable`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorCode {
    pub code: String,
}

/// One-time recovery codes, shown once when two-factor log-in is enabled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// Body of `POST /api/v1/auth/two-factor/disable`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisableTwoFactor {
    pub password: String,
    /// A current code or an unused recovery code.
    pub code: String,
}

/// Body of `PUT /api/v1/teams/{team_id}/two-factor`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamTwoFactor {
    pub required: bool,
}
