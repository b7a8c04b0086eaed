//! The only module that talks to the network: one function per call of the
//! dashboard JSON API (`/api/v1/…`), typed with the shared
//! `sightline-api-types` wire types. Same-origin `fetch` carries the session
//! cookie and the `Origin` header the server's CSRF check wants.

use serde::{de::DeserializeOwned, Serialize};
use sightline_api_types::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A failed call: the HTTP status and the API's `{"error": {code, message}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    fn network(e: JsValue) -> Self {
        let detail = e.as_string().or_else(|| js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string()));
        ApiError {
            status: 0,
            code: "network".into(),
            message: format!("cannot reach the server ({})", detail.unwrap_or_default()),
        }
    }

    /// Returns true when the caller must log in.
    pub fn is_unauthenticated(&self) -> bool {
        self.status == 401
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The result of every call.
pub type ApiResult<T> = Result<T, ApiError>;

async fn call<T: DeserializeOwned>(method: &str, path: &str, body: Option<String>) -> ApiResult<T> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(ApiError::network)?;
    headers.set("accept", "application/json").map_err(ApiError::network)?;
    if let Some(body) = &body {
        headers.set("content-type", "application/json").map_err(ApiError::network)?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(path, &init).map_err(ApiError::network)?;
    let window = web_sys::window().ok_or_else(|| ApiError::network(JsValue::from_str("no window")))?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_request(&request)).await.map_err(ApiError::network)?.unchecked_into();
    let text = JsFuture::from(response.text().map_err(ApiError::network)?).await.map_err(ApiError::network)?;
    let text = text.as_string().unwrap_or_default();
    let status = response.status();
    if !(200..300).contains(&status) {
        return Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(b) => ApiError { status, code: b.error.code, message: b.error.message },
            Err(_) => ApiError { status, code: "http".into(), message: format!("the server answered {status}") },
        });
    }
    let text = if text.trim().is_empty() { "null" } else { text.as_str() };
    serde_json::from_str(text).map_err(|e| ApiError {
        status,
        code: "decode".into(),
        message: format!("unexpected answer: {e}"),
    })
}

async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    call("GET", path, None).await
}

async fn send<T: DeserializeOwned, B: Serialize>(method: &str, path: &str, body: &B) -> ApiResult<T> {
    let json = serde_json::to_string(body).map_err(|e| ApiError {
        status: 0,
        code: "encode".into(),
        message: e.to_string(),
    })?;
    call(method, path, Some(json)).await
}

/// Percent-encodes a query value.
pub fn encode(v: &str) -> String {
    js_sys::encode_uri_component(v).as_string().unwrap_or_default()
}

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

// ---------------------------------------------------------------- projects

/// Lists a team's projects.
pub async fn projects(team: i64) -> ApiResult<Vec<Project>> {
    get(&format!("/api/v1/teams/{team}/projects")).await
}

/// Creates a project (with its first key).
pub async fn create_project(team: i64, name: String, platform: Option<String>) -> ApiResult<Project> {
    send("POST", &format!("/api/v1/teams/{team}/projects"), &NewProject { name, platform }).await
}

/// Loads one project.
pub async fn project(id: i64) -> ApiResult<Project> {
    get(&format!("/api/v1/projects/{id}")).await
}

/// Changes a project's settings.
pub async fn update_project(id: i64, update: ProjectUpdate) -> ApiResult<Project> {
    send("PATCH", &format!("/api/v1/projects/{id}"), &update).await
}

/// Deletes a project with its keys and issues.
pub async fn delete_project(id: i64) -> ApiResult<serde_json::Value> {
    call("DELETE", &format!("/api/v1/projects/{id}"), None).await
}

/// Lists a project's keys.
pub async fn keys(project: i64) -> ApiResult<Vec<ProjectKey>> {
    get(&format!("/api/v1/projects/{project}/keys")).await
}

/// Creates a key.
pub async fn create_key(project: i64, update: KeyUpdate) -> ApiResult<ProjectKey> {
    send("POST", &format!("/api/v1/projects/{project}/keys"), &update).await
}

/// Changes a key's label, state or rate limit.
pub async fn update_key(project: i64, key: i64, update: KeyUpdate) -> ApiResult<ProjectKey> {
    send("PATCH", &format!("/api/v1/projects/{project}/keys/{key}"), &update).await
}

/// Replaces a key's public key (the old DSN stops working).
pub async fn rotate_key(project: i64, key: i64) -> ApiResult<ProjectKey> {
    call("POST", &format!("/api/v1/projects/{project}/keys/{key}/rotate"), None).await
}

/// Deletes a key (its DSN stops working).
pub async fn delete_key(project: i64, key: i64) -> ApiResult<serde_json::Value> {
    call("DELETE", &format!("/api/v1/projects/{project}/keys/{key}"), None).await
}

// ---------------------------------------------------------------- issues

/// Loads a page of issues; `query` is the list's query string (without `?`).
pub async fn issues(project: i64, query: &str) -> ApiResult<IssuePage> {
    get(&format!("/api/v1/projects/{project}/issues?{query}")).await
}

/// Sets the status of several issues.
pub async fn bulk_status(project: i64, ids: Vec<i64>, status: IssueStatus) -> ApiResult<serde_json::Value> {
    let update = IssueUpdate { ids, status, snooze: None, in_next_release: false };
    send("PATCH", &format!("/api/v1/projects/{project}/issues"), &update).await
}

/// Loads an issue with its latest event.
pub async fn issue(id: i64) -> ApiResult<IssueDetail> {
    get(&format!("/api/v1/issues/{id}")).await
}

/// Sets an issue's status.
pub async fn set_status(id: i64, status: IssueStatus) -> ApiResult<serde_json::Value> {
    update_issue(id, IssueUpdate { ids: vec![], status, snooze: None, in_next_release: false }).await
}

/// Changes an issue's status with a snooze or "in the next release".
pub async fn update_issue(id: i64, update: IssueUpdate) -> ApiResult<serde_json::Value> {
    send("PATCH", &format!("/api/v1/issues/{id}"), &update).await
}

/// Assigns an issue to a member, the team, or nobody.
pub async fn assign(id: i64, to: AssignIssue) -> ApiResult<Option<IssueAssignee>> {
    send("PUT", &format!("/api/v1/issues/{id}/assignee"), &to).await
}

/// Loads an issue's activity timeline, oldest first.
pub async fn activity(id: i64) -> ApiResult<Vec<ActivityEntry>> {
    get(&format!("/api/v1/issues/{id}/activity")).await
}

/// Adds a comment to an issue.
pub async fn comment(id: i64, text: String) -> ApiResult<serde_json::Value> {
    send("POST", &format!("/api/v1/issues/{id}/comments"), &NewComment { text }).await
}

/// Merges issues of a project into one.
pub async fn merge(project: i64, ids: Vec<i64>, target: Option<i64>) -> ApiResult<Merged> {
    send("POST", &format!("/api/v1/projects/{project}/issues/merge"), &MergeIssues { ids, target }).await
}

/// Lists the issues probably of the same bug.
pub async fn similar(id: i64) -> ApiResult<Vec<SimilarIssue>> {
    get(&format!("/api/v1/issues/{id}/similar")).await
}

/// Lists the issues merged into an issue.
pub async fn merged(id: i64) -> ApiResult<Vec<MergedIssue>> {
    get(&format!("/api/v1/issues/{id}/merged")).await
}

/// Splits issues merged into `id` off again (all when `ids` is empty).
pub async fn unmerge(id: i64, ids: Vec<i64>) -> ApiResult<Vec<i64>> {
    send("POST", &format!("/api/v1/issues/{id}/unmerge"), &UnmergeIssues { ids }).await
}

/// Loads one event of an issue.
pub async fn event(id: i64, event_id: &str) -> ApiResult<EventDetail> {
    get(&format!("/api/v1/issues/{id}/events/{}", encode(event_id))).await
}

/// Loads an issue's tag breakdown.
pub async fn tags(id: i64) -> ApiResult<Vec<TagBreakdown>> {
    get(&format!("/api/v1/issues/{id}/tags")).await
}

// ---------------------------------------------------------------- performance

/// Loads a project's Web Vitals over `period` (e.g. `24h`).
pub async fn performance(project: i64, period: &str) -> ApiResult<Performance> {
    get(&format!("/api/v1/projects/{project}/performance?period={}", encode(period))).await
}

/// Loads what the SDK blamed for one page's LCP, CLS and INP over `period`.
pub async fn attribution(project: i64, page: &str, period: &str) -> ApiResult<PageAttribution> {
    get(&format!("/api/v1/projects/{project}/performance/attribution?page={}&period={}", encode(page), encode(period)))
        .await
}

// ---------------------------------------------------------------- feedback

/// Loads a project's user feedback over `period` (e.g. `30d`), newest first.
pub async fn feedback(project: i64, period: &str) -> ApiResult<Vec<Feedback>> {
    get(&format!("/api/v1/projects/{project}/feedback?period={}", encode(period))).await
}

/// Loads the feedback about an issue's events.
pub async fn issue_feedback(issue: i64) -> ApiResult<Vec<Feedback>> {
    get(&format!("/api/v1/issues/{issue}/feedback")).await
}

// ---------------------------------------------------------------- usage

/// Loads what became of a project's items over `period` (e.g. `30d`).
pub async fn usage(project: i64, period: &str) -> ApiResult<Usage> {
    get(&format!("/api/v1/projects/{project}/usage?period={}", encode(period))).await
}

// ---------------------------------------------------------------- releases

/// Lists a project's releases, most recently active first, with their health over `period`.
pub async fn releases(project: i64, period: &str) -> ApiResult<Vec<Release>> {
    get(&format!("/api/v1/projects/{project}/releases?period={}", encode(period))).await
}

/// Returns a release's health and crash-free line over `period`, in `environment` ("" for all).
pub async fn release_health(
    project: i64,
    version: &str,
    period: &str,
    environment: &str,
) -> ApiResult<ReleaseHealthDetail> {
    get(&format!(
        "/api/v1/projects/{project}/releases/{}/health?period={}&environment={}",
        encode(version),
        encode(period),
        encode(environment)
    ))
    .await
}

// ---------------------------------------------------------------- alerts

/// Lists a project's alert rules.
pub async fn alert_rules(project: i64) -> ApiResult<Vec<AlertRule>> {
    get(&format!("/api/v1/projects/{project}/alert-rules")).await
}

/// Creates an alert rule.
pub async fn create_alert_rule(project: i64, rule: AlertRuleInput) -> ApiResult<AlertRule> {
    send("POST", &format!("/api/v1/projects/{project}/alert-rules"), &rule).await
}

/// Replaces an alert rule.
pub async fn replace_alert_rule(id: i64, rule: AlertRuleInput) -> ApiResult<AlertRule> {
    send("PUT", &format!("/api/v1/alert-rules/{id}"), &rule).await
}

/// Deletes an alert rule with its alert log.
pub async fn delete_alert_rule(id: i64) -> ApiResult<serde_json::Value> {
    call("DELETE", &format!("/api/v1/alert-rules/{id}"), None).await
}

/// Queues a test notification on an alert rule's channels.
pub async fn test_alert_rule(id: i64) -> ApiResult<AlertTestQueued> {
    call("POST", &format!("/api/v1/alert-rules/{id}/test"), None).await
}

/// Loads the latest alerts of a project with their delivery log.
pub async fn alerts(project: i64) -> ApiResult<Vec<AlertFiring>> {
    get(&format!("/api/v1/projects/{project}/alerts")).await
}

// ---------------------------------------------------------------- replays

/// Loads a page of a project's session replays; `query` is the list's query string (without `?`).
pub async fn replays(project: i64, query: &str) -> ApiResult<ReplayPage> {
    get(&format!("/api/v1/projects/{project}/replays?{query}")).await
}

/// Loads one replay: its summary, error events, URLs and segment ids.
pub async fn replay(project: i64, replay_id: &str) -> ApiResult<ReplayDetail> {
    get(&format!("/api/v1/projects/{project}/replays/{}", encode(replay_id))).await
}

/// Erases a replay (a visitor's erasure request).
pub async fn delete_replay(project: i64, replay_id: &str) -> ApiResult<serde_json::Value> {
    call("DELETE", &format!("/api/v1/projects/{project}/replays/{}", encode(replay_id)), None).await
}

/// Returns the URL of one stored segment (the player fetches it itself).
pub fn replay_segment_url(project: i64, replay_id: &str, segment: u32) -> String {
    format!("/api/v1/projects/{project}/replays/{}/segments/{segment}", encode(replay_id))
}
