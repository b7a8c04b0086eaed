//! Issues: the list, an issue, its events and tags, and triage.

use super::*;

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
