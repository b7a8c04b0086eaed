//! Status changes by people: resolve (now, or "in the next release"),
//! ignore (for good, or snoozed until N more events, N more users or a
//! time) and unresolve, of one issue or many, each written to the issues'
//! activity with who did it.

use sightline_api_types::{IssueStatus, Snooze};
use sqlx::PgPool;

use super::{activity, lifecycle::NEWEST_RELEASE};

/// Why a status change is refused.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("a snooze goes with status \"ignored\"")]
    SnoozeNeedsIgnored,
    #[error("in_next_release goes with status \"resolved\"")]
    NextReleaseNeedsResolved,
    #[error("a snooze needs events, users or minutes, each at least 1 (minutes at most 525600)")]
    BadSnooze,
    #[error("no release of this project has been seen yet: resolve it now instead")]
    NoRelease,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Sets the status of `ids` of `project_id`; returns how many changed.
pub async fn set(
    pg: &PgPool,
    project_id: i64,
    ids: &[i64],
    status: IssueStatus,
    snooze: Option<&Snooze>,
    in_next_release: bool,
    by: i64,
) -> Result<u64, StatusError> {
    if snooze.is_some() && status != IssueStatus::Ignored {
        return Err(StatusError::SnoozeNeedsIgnored);
    }
    if in_next_release && status != IssueStatus::Resolved {
        return Err(StatusError::NextReleaseNeedsResolved);
    }
    let snooze = snooze.cloned().unwrap_or_default();
    let positive = |n: Option<u64>| n.is_none_or(|n| n >= 1);
    if !positive(snooze.events)
        || !positive(snooze.users.map(u64::from))
        || !positive(snooze.minutes.map(u64::from))
        || snooze.minutes.is_some_and(|m| m > 525_600)
    {
        return Err(StatusError::BadSnooze);
    }
    let mut tx = pg.begin().await?;
    let release: Option<String> = if in_next_release {
        let r = sqlx::query_scalar(NEWEST_RELEASE).bind(project_id).fetch_optional(&mut *tx).await?;
        Some(r.ok_or(StatusError::NoRelease)?)
    } else {
        None
    };
    let events = snooze.events.map(|n| n.min(i64::MAX as u64 / 2) as i64);
    let changed: Vec<i64> = sqlx::query_scalar(
        "UPDATE issues SET status = $3, \
         resolved_at = CASE WHEN $3 = 'resolved' THEN (CASE WHEN $4::text IS NULL THEN now() ELSE 'infinity' END) ELSE NULL END, \
         resolved_in_release = $4, \
         regressed_at = CASE WHEN $3 = 'unresolved' THEN regressed_at ELSE NULL END, \
         snooze_until = now() + make_interval(mins => $5), \
         snooze_times_seen = times_seen + $6, \
         snooze_users = $7 \
         WHERE project_id = $1 AND id = ANY($2) AND merged_into IS NULL RETURNING id",
    )
    .bind(project_id)
    .bind(ids)
    .bind(status.as_str())
    .bind(&release)
    .bind(snooze.minutes.map(|m| m as i32))
    .bind(events)
    .bind(snooze.users.map(|u| u.min(i32::MAX as u32) as i32))
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM issue_snooze_users WHERE issue_id = ANY($1)").bind(&changed).execute(&mut *tx).await?;
    let body = describe(status, &snooze, release.as_deref());
    for id in &changed {
        activity::record(&mut tx, *id, "status", Some(by), &body).await?;
    }
    tx.commit().await?;
    Ok(changed.len() as u64)
}

/// Says what a change did, for the timeline.
fn describe(status: IssueStatus, snooze: &Snooze, release: Option<&str>) -> String {
    match status {
        IssueStatus::Resolved => match release {
            Some(r) => format!("resolved in the next release (after {r})"),
            None => "resolved".into(),
        },
        IssueStatus::Unresolved => "unresolved".into(),
        IssueStatus::Ignored => {
            let mut until = vec![];
            if let Some(n) = snooze.events {
                until.push(format!("{n} more events"));
            }
            if let Some(n) = snooze.users {
                until.push(format!("{n} more users"));
            }
            if let Some(m) = snooze.minutes {
                until.push(format!("{m} minutes have passed"));
            }
            if until.is_empty() {
                "ignored".into()
            } else {
                format!("ignored until {}", until.join(" or "))
            }
        }
    }
}
