//! Who an issue is assigned to, by name: read by the issue API and by the
//! alert rules (their e-mails name the assignee). It sits in `store`, below
//! both `issues` and `alerts`, so neither has to import the other for it.

use std::collections::HashMap;

use sightline_api_types::IssueAssignee;
use sqlx::PgConnection;

/// An issue id, its assigned member and team, and the member's e-mail or the team's name.
type AssigneeRow = (i64, Option<i64>, Option<i64>, Option<String>);

/// Returns the assignee of each of `issue_ids` that has one.
pub async fn names(conn: &mut PgConnection, issue_ids: &[i64]) -> Result<HashMap<i64, IssueAssignee>, sqlx::Error> {
    let rows: Vec<AssigneeRow> = sqlx::query_as(
        "SELECT i.id, i.assignee_user_id, i.assignee_team_id, COALESCE(u.email, t.name) FROM issues i \
         LEFT JOIN users u ON u.id = i.assignee_user_id LEFT JOIN teams t ON t.id = i.assignee_team_id \
         WHERE i.id = ANY($1) AND (i.assignee_user_id IS NOT NULL OR i.assignee_team_id IS NOT NULL)",
    )
    .bind(issue_ids)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, user_id, team_id, name)| (id, IssueAssignee { user_id, team_id, name: name.unwrap_or_default() }))
        .collect())
}
