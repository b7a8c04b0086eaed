//! Who owns an issue: a member of the project's team or the team itself.
//! Assigning writes the activity entry and, when someone assigns an issue
//! to another member, queues an e-mail to that member through the alert
//! outbox (same retries and delivery log as alerts). Alert e-mails name the
//! assignee (`crate::store::assignees::names`, used by the alert rules too).

use serde_json::json;
use sightline_api_types::IssueAssignee;
use sqlx::{PgConnection, PgPool};
use url::Url;

use super::activity;

/// Why an assignment is refused.
#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    #[error("give a user_id or a team_id, not both")]
    Both,
    #[error("that user is not a member of this project's team")]
    NotMember,
    #[error("an issue can be assigned to its own project's team only")]
    OtherTeam,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// An issue to assign, as the API loaded it.
pub struct Target<'a> {
    pub issue_id: i64,
    pub team_id: i64,
    pub title: &'a str,
}

/// Assigns `target` to `user_id`, to `team_id`, or to nobody; `by` is the
/// caller. Returns the new assignee.
pub async fn assign(
    pg: &PgPool,
    public_url: &Url,
    target: Target<'_>,
    by: i64,
    user_id: Option<i64>,
    team_id: Option<i64>,
) -> Result<Option<IssueAssignee>, AssignError> {
    if user_id.is_some() && team_id.is_some() {
        return Err(AssignError::Both);
    }
    let mut tx = pg.begin().await?;
    let assignee = match (user_id, team_id) {
        (Some(user), _) => {
            let email: Option<String> = sqlx::query_scalar(
                "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 AND m.user_id = $2",
            )
            .bind(target.team_id)
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
            let email = email.ok_or(AssignError::NotMember)?;
            Some(IssueAssignee { user_id: Some(user), team_id: None, name: email })
        }
        (None, Some(team)) if team != target.team_id => return Err(AssignError::OtherTeam),
        (None, Some(team)) => {
            let name: String =
                sqlx::query_scalar("SELECT name FROM teams WHERE id = $1").bind(team).fetch_one(&mut *tx).await?;
            Some(IssueAssignee { user_id: None, team_id: Some(team), name })
        }
        (None, None) => None,
    };
    sqlx::query("UPDATE issues SET assignee_user_id = $2, assignee_team_id = $3 WHERE id = $1")
        .bind(target.issue_id)
        .bind(user_id)
        .bind(team_id)
        .execute(&mut *tx)
        .await?;
    let body = match &assignee {
        Some(a) if a.team_id.is_some() => format!("assigned to the team {}", a.name),
        Some(a) => format!("assigned to {}", a.name),
        None => "unassigned".into(),
    };
    activity::record(&mut tx, target.issue_id, "assigned", Some(by), &body).await?;
    if let Some(IssueAssignee { user_id: Some(user), name: email, .. }) = &assignee {
        if *user != by {
            queue_mail(&mut tx, public_url, &target, by, email).await?;
        }
    }
    tx.commit().await?;
    Ok(assignee)
}

/// Queues "assigned to you" for `email`.
async fn queue_mail(
    tx: &mut PgConnection,
    public_url: &Url,
    target: &Target<'_>,
    by: i64,
    email: &str,
) -> Result<(), sqlx::Error> {
    let by_email: String =
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1").bind(by).fetch_one(&mut *tx).await?;
    let link = format!("{}/issues/{}", public_url.as_str().trim_end_matches('/'), target.issue_id);
    let subject = format!("Assigned to you: {}", target.title);
    let text = format!("{by_email} assigned an issue to you.\n\n{}\n\nOpen in Sightline: {link}", target.title);
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let html = format!(
        "<p style=\"font-family:sans-serif\">{} assigned an issue to you.</p><h2 style=\"font-family:sans-serif\">{}</h2>\
         <p style=\"font-family:sans-serif\"><a href=\"{}\">Open in Sightline</a></p>",
        esc(&by_email),
        esc(target.title),
        esc(&link)
    );
    let payload = json!({ "to": [email], "subject": subject, "text": text, "html": html });
    sqlx::query("INSERT INTO alert_outbox (firing_id, channel, target, payload) VALUES (NULL, 'email', $1, $2::jsonb)")
        .bind(email)
        .bind(payload.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(())
}
