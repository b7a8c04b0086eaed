//! Merging issues of one bug into one, and splitting them again. A merged
//! issue keeps its row (and its fingerprint) with `merged_into` pointing at
//! the target: the tracker keeps counting its events there and forwards
//! them to the target ([`super::lifecycle`]), and every read of the target
//! — list counts, sparklines, events, tags — covers the fingerprints of
//! the issues merged into it ([`fingerprints_of`]). Nothing in ClickHouse
//! is rewritten, so unmerging is clearing `merged_into`: the issue comes
//! back with all its events.

use std::collections::HashMap;

use sqlx::PgPool;

use super::activity;

/// Why a merge is refused.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("give 2 to 100 distinct issues of this project")]
    Count,
    #[error("the target must be one of the merged issues")]
    Target,
    #[error("issue {0} is not an unmerged issue of this project")]
    Unknown(i64),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Merges `ids` of `project_id` into `target` (default: the one seen most);
/// returns the target and the issues merged into it.
pub async fn merge(
    pg: &PgPool,
    project_id: i64,
    ids: &[i64],
    target: Option<i64>,
    by: i64,
) -> Result<(i64, Vec<i64>), MergeError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if !(2..=100).contains(&ids.len()) {
        return Err(MergeError::Count);
    }
    if target.is_some_and(|t| !ids.contains(&t)) {
        return Err(MergeError::Target);
    }
    let mut tx = pg.begin().await?;
    let found: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT id, times_seen, title FROM issues WHERE project_id = $1 AND id = ANY($2) AND merged_into IS NULL \
         ORDER BY times_seen DESC, id FOR UPDATE",
    )
    .bind(project_id)
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|f| f.0 == **id)) {
        return Err(MergeError::Unknown(*missing));
    }
    let target = target.unwrap_or(found[0].0);
    let sources: Vec<i64> = ids.iter().copied().filter(|id| *id != target).collect();
    // Issues already merged into a source follow it to the target. A source
    // stops being resolved or snoozed on its own: its events now count
    // under the target, whose state decides.
    sqlx::query("UPDATE issues SET merged_into = $1 WHERE merged_into = ANY($2)")
        .bind(target)
        .bind(&sources)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE issues SET merged_into = $1, status = 'unresolved', resolved_at = NULL, resolved_in_release = NULL, \
         regressed_at = NULL, snooze_until = NULL, snooze_times_seen = NULL, snooze_users = NULL WHERE id = ANY($2)",
    )
    .bind(target)
    .bind(&sources)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE issues t SET first_seen = LEAST(t.first_seen, s.first_seen), last_seen = GREATEST(t.last_seen, s.last_seen) \
         FROM (SELECT min(first_seen) AS first_seen, max(last_seen) AS last_seen FROM issues WHERE merged_into = $1) s \
         WHERE t.id = $1 AND s.first_seen IS NOT NULL",
    )
    .bind(target)
    .execute(&mut *tx)
    .await?;
    let title = |id: i64| found.iter().find(|f| f.0 == id).map(|f| f.2.clone()).unwrap_or_default();
    for s in &sources {
        activity::record(&mut tx, target, "merged", Some(by), &format!("merged #{s} {}", title(*s))).await?;
        activity::record(&mut tx, *s, "merged", Some(by), &format!("merged into #{target} {}", title(target))).await?;
    }
    tx.commit().await?;
    Ok((target, sources))
}

/// Splits `ids` (all when empty) off `target`; returns the issues restored.
pub async fn unmerge(pg: &PgPool, target: i64, ids: &[i64], by: i64) -> Result<Vec<i64>, sqlx::Error> {
    let mut tx = pg.begin().await?;
    let restored: Vec<(i64, String)> = sqlx::query_as(
        "UPDATE issues SET merged_into = NULL WHERE merged_into = $1 AND (cardinality($2::bigint[]) = 0 OR id = ANY($2)) \
         RETURNING id, title",
    )
    .bind(target)
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?;
    for (id, title) in &restored {
        activity::record(&mut tx, target, "unmerged", Some(by), &format!("split off #{id} {title}")).await?;
        activity::record(&mut tx, *id, "unmerged", Some(by), &format!("split off #{target}")).await?;
    }
    tx.commit().await?;
    Ok(restored.into_iter().map(|(id, _)| id).collect())
}

/// Returns, per target issue of `project_id`, the issues merged into it as
/// (id, fingerprint).
pub async fn merged_of_project(pg: &PgPool, project_id: i64) -> Result<HashMap<i64, Vec<(i64, String)>>, sqlx::Error> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT merged_into, id, fingerprint FROM issues WHERE project_id = $1 AND merged_into IS NOT NULL ORDER BY id",
    )
    .bind(project_id)
    .fetch_all(pg)
    .await?;
    let mut out: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for (target, id, fingerprint) in rows {
        out.entry(target).or_default().push((id, fingerprint));
    }
    Ok(out)
}

/// Returns the fingerprints whose events are `issue_id`'s: its own, then
/// those of the issues merged into it.
pub async fn fingerprints_of(pg: &PgPool, issue_id: i64, own: &str) -> Result<Vec<String>, sqlx::Error> {
    let merged: Vec<String> = sqlx::query_scalar("SELECT fingerprint FROM issues WHERE merged_into = $1 ORDER BY id")
        .bind(issue_id)
        .fetch_all(pg)
        .await?;
    Ok(std::iter::once(own.to_string()).chain(merged).collect())
}

/// The alert view of the merge targets one flush touched through merged
/// issues: each target once, re-opened if an event of a merged fingerprint
/// brought it back. Its count is unchanged (merged events keep counting on
/// their own row), so a frequency threshold is never crossed here.
pub(super) async fn target_changes(
    tx: &mut sqlx::PgConnection,
    applied: &super::lifecycle::Applied,
    mut environments: HashMap<i64, Vec<String>>,
) -> Result<Vec<crate::alerts::issue_rules::IssueChange>, sqlx::Error> {
    let mut ids: Vec<i64> = applied.targets.values().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<(i64, i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, project_id, title, culprit, level, times_seen FROM issues WHERE id = ANY($1) ORDER BY id",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, project_id, title, culprit, level, times_seen)| crate::alerts::issue_rules::IssueChange {
            issue: crate::alerts::IssueRef { id, title, culprit, level, times_seen },
            project_id,
            previous_times_seen: times_seen,
            inserted: false,
            regressed: applied.reopened.contains(&id),
            environments: environments.remove(&id).unwrap_or_default(),
        })
        .collect())
}
