//! Projects, their keys and their alert rules.

use super::*;

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
