//! Triage as a team: assignees, comments and the activity timeline,
//! snoozes, merges and similar issues.

use serde::{Deserialize, Serialize};

/// Who owns an issue: one member, or the project's team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueAssignee {
    /// Set when a member owns it.
    pub user_id: Option<i64>,
    /// Set when the team owns it.
    pub team_id: Option<i64>,
    /// The member's e-mail address or the team's name.
    pub name: String,
}

/// Body of `PUT /api/v1/issues/{id}/assignee`: a member, the team, or
/// neither (unassign).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignIssue {
    #[serde(default)]
    pub user_id: Option<i64>,
    #[serde(default)]
    pub team_id: Option<i64>,
}

/// Body of `POST /api/v1/issues/{id}/comments`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewComment {
    /// Plain text (links are shown as links), 1 to 10 000 characters.
    pub text: String,
}

/// One entry of an issue's timeline, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityEntry {
    /// `first_seen`, `regression`, `status`, `assigned`, `comment`,
    /// `merged`, `unmerged`, `snooze_expired` or `alert`.
    pub kind: String,
    /// Who did it (e-mail), `None` for what Sightline did itself.
    pub user: Option<String>,
    /// The comment, the new status, the assignee, the alert's summary, …
    pub body: String,
    /// RFC 3339.
    pub at: String,
}

/// "Ignore until": any one condition met brings the issue back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snooze {
    /// Until this many more events.
    #[serde(default)]
    pub events: Option<u64>,
    /// Until this many more distinct users (id, else e-mail, else IP).
    #[serde(default)]
    pub users: Option<u32>,
    /// For this many minutes.
    #[serde(default)]
    pub minutes: Option<u32>,
}

/// Body of `POST /api/v1/projects/{id}/issues/merge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeIssues {
    /// 2 to 100 issues of the project.
    pub ids: Vec<i64>,
    /// The issue to keep (one of `ids`); default: the one with most events.
    #[serde(default)]
    pub target: Option<i64>,
}

/// What a merge did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Merged {
    pub target: i64,
    pub merged: Vec<i64>,
}

/// Body of `POST /api/v1/issues/{id}/unmerge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnmergeIssues {
    /// Issues merged into this one to split off again; empty = all.
    #[serde(default)]
    pub ids: Vec<i64>,
}

/// An issue merged into another, as the target lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergedIssue {
    pub id: i64,
    pub title: String,
    pub culprit: String,
    pub fingerprint: String,
}

/// An issue that is probably the same bug, with how alike (0 to 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimilarIssue {
    pub id: i64,
    pub title: String,
    pub culprit: String,
    pub score: f64,
}
