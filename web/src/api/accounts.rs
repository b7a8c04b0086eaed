//! Accounts (sign-up, log-in, two-factor, passwords, API tokens) and teams.

use super::*;

// ---------------------------------------------------------------- accounts

/// Creates an account (with an invitation's token when given) and logs it in.
pub async fn register(email: String, password: String, name: String, invite: Option<String>) -> ApiResult<Me> {
    send("POST", "/api/v1/auth/register", &RegisterRequest { email, password, name, invite }).await
}

/// Tells who may sign up on this instance.
pub async fn signup_info() -> ApiResult<SignupInfo> {
    get("/api/v1/auth/signup").await
}

/// Logs in with the password: logged in, or a two-factor challenge.
pub async fn login(email: String, password: String) -> ApiResult<LoginOutcome> {
    send("POST", "/api/v1/auth/login", &LoginRequest { email, password }).await
}

/// Finishes a two-factor log-in with a code or a recovery code.
pub async fn login_two_factor(challenge: String, code: String) -> ApiResult<Me> {
    send("POST", "/api/v1/auth/login/two-factor", &TwoFactorLogin { challenge, code }).await
}

/// Loads whether the caller has two-factor log-in.
pub async fn two_factor_status() -> ApiResult<TwoFactorStatus> {
    get("/api/v1/auth/two-factor").await
}

/// Starts two-factor set-up: a new secret and its QR code.
pub async fn two_factor_setup() -> ApiResult<TwoFactorSetup> {
    call("POST", "/api/v1/auth/two-factor/setup", None).await
}

/// Confirms set-up with a code; answers the recovery codes.
pub async fn two_factor_enable(code: String) -> ApiResult<RecoveryCodes> {
    send("POST", "/api/v1/auth/two-factor/enable", &TwoFactorCode { code }).await
}

/// Turns two-factor log-in off.
pub async fn two_factor_disable(password: String, code: String) -> ApiResult<serde_json::Value> {
    send("POST", "/api/v1/auth/two-factor/disable", &DisableTwoFactor { password, code }).await
}

/// Requires (or stops requiring) two-factor log-in of a team's members.
pub async fn set_team_two_factor(team: i64, required: bool) -> ApiResult<serde_json::Value> {
    send("PUT", &format!("/api/v1/teams/{team}/two-factor"), &TeamTwoFactor { required }).await
}

/// Logs out.
pub async fn logout() -> ApiResult<serde_json::Value> {
    call("POST", "/api/v1/auth/logout", None).await
}

/// Loads the current user and teams.
pub async fn me() -> ApiResult<Me> {
    get("/api/v1/auth/me").await
}

/// Changes the caller's password.
pub async fn change_password(current_password: String, new_password: String) -> ApiResult<serde_json::Value> {
    send("POST", "/api/v1/auth/password", &ChangePasswordRequest { current_password, new_password }).await
}

/// Asks for a password-reset e-mail.
pub async fn request_reset(email: String) -> ApiResult<serde_json::Value> {
    send("POST", "/api/v1/auth/password-reset", &ResetRequest { email }).await
}

/// Sets a new password with a reset token.
pub async fn confirm_reset(token: String, new_password: String) -> ApiResult<serde_json::Value> {
    send("POST", "/api/v1/auth/password-reset/confirm", &ResetConfirm { token, new_password }).await
}

/// Lists the caller's API tokens.
pub async fn tokens() -> ApiResult<Vec<ApiToken>> {
    get("/api/v1/tokens").await
}

/// Creates an API token (its secret is in the answer only).
pub async fn create_token(name: String, scopes: Vec<String>) -> ApiResult<CreatedApiToken> {
    send("POST", "/api/v1/tokens", &NewApiToken { name, scopes }).await
}

/// Revokes an API token.
pub async fn delete_token(id: i64) -> ApiResult<serde_json::Value> {
    call("DELETE", &format!("/api/v1/tokens/{id}"), None).await
}

// ---------------------------------------------------------------- teams

/// Creates a team.
pub async fn create_team(name: String) -> ApiResult<TeamSummary> {
    send("POST", "/api/v1/teams", &TeamInput { name }).await
}

/// Renames a team.
pub async fn rename_team(team: i64, name: String) -> ApiResult<TeamSummary> {
    send("PATCH", &format!("/api/v1/teams/{team}"), &TeamInput { name }).await
}

/// Leaves a team.
pub async fn leave_team(team: i64) -> ApiResult<serde_json::Value> {
    call("POST", &format!("/api/v1/teams/{team}/leave"), None).await
}

/// Lists a team's members.
pub async fn members(team: i64) -> ApiResult<Vec<Member>> {
    get(&format!("/api/v1/teams/{team}/members")).await
}

/// Changes a member's role.
pub async fn set_role(team: i64, user: i64, role: Role) -> ApiResult<serde_json::Value> {
    send("PATCH", &format!("/api/v1/teams/{team}/members/{user}"), &MemberUpdate { role }).await
}

/// Removes a member from a team.
pub async fn remove_member(team: i64, user: i64) -> ApiResult<serde_json::Value> {
    call("DELETE", &format!("/api/v1/teams/{team}/members/{user}"), None).await
}

/// Lists a team's pending invitations.
pub async fn invites(team: i64) -> ApiResult<Vec<Invite>> {
    get(&format!("/api/v1/teams/{team}/invites")).await
}

/// Invites someone by e-mail.
pub async fn invite(team: i64, email: String, role: Role) -> ApiResult<Invite> {
    send("POST", &format!("/api/v1/teams/{team}/invites"), &NewInvite { email, role }).await
}

/// Withdraws an invitation.
pub async fn delete_invite(team: i64, id: i64) -> ApiResult<serde_json::Value> {
    call("DELETE", &format!("/api/v1/teams/{team}/invites/{id}"), None).await
}

/// Accepts an invitation for the logged-in caller.
pub async fn accept_invite(token: String) -> ApiResult<serde_json::Value> {
    send("POST", "/api/v1/invites/accept", &AcceptInvite { token }).await
}
