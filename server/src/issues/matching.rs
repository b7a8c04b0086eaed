//! Which issues a parsed search ([`super::search`]) matches. Terms about the
//! issue itself (`is:`, `assigned:`, `level:`, free text) become Postgres
//! conditions on the `issues` row, with every value bound; terms about
//! events (`browser:`, `release:`, tags, …) become one ClickHouse query for
//! the fingerprints that have an event in the period matching all of them.
//! A lone positive `release:`/`environment:` instead narrows the rollup
//! filter, exactly like the list's `release`/`environment` parameters, so the
//! counts shown are of that release or environment.

use std::collections::HashSet;

use sightline_api_types::IssueStatus;
use sqlx::{Postgres, QueryBuilder};

use super::search::{Assignee, Field, Is, Term};

/// Moves a lone positive exact `release:` / `environment:` term out of
/// `terms`; returns (environment, release) for the rollup filter.
pub fn take_rollup_filters(terms: &mut Vec<Term>) -> (Option<String>, Option<String>) {
    let mut take = |wanted: Field| {
        let hits: Vec<usize> = terms
            .iter()
            .enumerate()
            .filter(|(_, t)| matches!(t, Term::Event { field, .. } if *field == wanted))
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [i] => match &terms[*i] {
                Term::Event { value, negated: false, .. } if !value.contains('*') => {
                    let value = value.clone();
                    terms.remove(*i);
                    Some(value)
                }
                _ => None,
            },
            _ => None,
        }
    };
    let environment = take(Field::Environment);
    let release = take(Field::Release);
    (environment, release)
}

/// Returns true when the terms say which statuses to show (then the list's
/// `status` parameter is ignored).
pub fn names_status(terms: &[Term]) -> bool {
    terms.iter().any(|t| matches!(t, Term::Is { is: Is::Status(_), .. }))
}

/// Appends ` AND …` for every issue-level term to a query over `issues i`.
pub fn push_issue_conditions(qb: &mut QueryBuilder<Postgres>, terms: &[Term], me: i64) {
    for term in terms {
        let negated = match term {
            Term::Is { negated, .. } | Term::Assigned { negated, .. } | Term::Level { negated, .. } => *negated,
            Term::Text(_) => false,
            Term::Event { .. } => continue,
        };
        qb.push(if negated { " AND NOT COALESCE((" } else { " AND COALESCE((" });
        match term {
            Term::Is { is: Is::Status(status), .. } => {
                qb.push("i.status = ").push_bind(status.as_str().to_string());
            }
            Term::Is { is: Is::Assigned, .. } => {
                qb.push("i.assignee_user_id IS NOT NULL OR i.assignee_team_id IS NOT NULL");
            }
            Term::Is { is: Is::Unassigned, .. } | Term::Assigned { who: Assignee::Nobody, .. } => {
                qb.push("i.assignee_user_id IS NULL AND i.assignee_team_id IS NULL");
            }
            Term::Assigned { who: Assignee::Me, .. } => {
                qb.push("i.assignee_user_id = ").push_bind(me);
            }
            Term::Assigned { who: Assignee::Email(email), .. } => {
                qb.push("i.assignee_user_id IN (SELECT id FROM users WHERE lower(email) = lower(")
                    .push_bind(email.clone())
                    .push("))");
            }
            Term::Assigned { who: Assignee::Team(slug), .. } => {
                qb.push("i.assignee_team_id IN (SELECT id FROM teams WHERE slug = ").push_bind(slug.clone()).push(")");
            }
            Term::Level { level, .. } => {
                qb.push("i.level = ").push_bind(level.as_str().to_string());
            }
            Term::Text(text) => {
                let pattern = format!("%{}%", like_escape(text));
                qb.push("i.title ILIKE ").push_bind(pattern.clone()).push(" OR i.culprit ILIKE ").push_bind(pattern);
            }
            Term::Event { .. } => unreachable!("skipped above"),
        }
        qb.push("), FALSE)");
    }
}

/// Returns the statuses a query without `is:` shows for the list's `status`
/// parameter (`None` = all).
pub fn status_param(status: Option<&str>) -> Result<Option<IssueStatus>, String> {
    match status.unwrap_or("unresolved") {
        "all" => Ok(None),
        s => s.parse::<IssueStatus>().map(Some).map_err(|_| format!("unknown status {s:?}")),
    }
}

/// Escapes `%`, `_` and `\` for a Postgres LIKE pattern.
pub fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Returns the fingerprints of `project_id` with an event since `since`
/// that matches every event term, or `None` when there is no event term.
pub async fn matching_fingerprints(
    ch: &clickhouse::Client,
    project_id: u64,
    since: u32,
    terms: &[Term],
) -> clickhouse::error::Result<Option<HashSet<String>>> {
    let events: Vec<(&Field, &str, bool)> = terms
        .iter()
        .filter_map(|t| match t {
            Term::Event { field, value, negated } => Some((field, value.as_str(), *negated)),
            _ => None,
        })
        .collect();
    if events.is_empty() {
        return Ok(None);
    }
    let mut sql =
        String::from("SELECT DISTINCT fingerprint FROM events WHERE project_id = ? AND timestamp >= toDateTime(?)");
    let mut binds: Vec<String> = Vec::new();
    for (field, value, negated) in &events {
        let (op, bound) = match_value(value);
        let cond = match field.column() {
            Some(column) => format!("{column} {op} ?"),
            None => {
                let Field::Tag(key) = field else { unreachable!("only tags lack a column") };
                binds.push(key.clone());
                format!("arrayExists((k, v) -> k = ? AND v {op} ?, tags_key, tags_value)")
            }
        };
        binds.push(bound);
        sql.push_str(if *negated { " AND NOT (" } else { " AND (" });
        sql.push_str(&cond);
        sql.push(')');
    }
    let mut q = ch.query(&sql).bind(project_id).bind(since);
    for b in &binds {
        q = q.bind(b.as_str());
    }
    let rows: Vec<String> = q.fetch_all().await?;
    Ok(Some(rows.into_iter().collect()))
}

/// Returns the operator and bound value for an event value: `*` is a
/// wildcard (`LIKE`, with `%`, `_` and `\` escaped), anything else exact.
fn match_value(value: &str) -> (&'static str, String) {
    if !value.contains('*') {
        return ("=", value.to_string());
    }
    let escaped = value.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_").replace('*', "%");
    ("LIKE", escaped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issues::search::parse;

    #[test]
    fn a_lone_exact_release_and_environment_narrow_the_rollup() {
        let mut terms = parse("release:1.2 environment:prod browser:Chrome").unwrap();
        assert_eq!(take_rollup_filters(&mut terms), (Some("prod".into()), Some("1.2".into())));
        assert_eq!(terms, parse("browser:Chrome").unwrap());
        for q in ["!release:1.2", "release:1.* ", "release:1 release:2"] {
            let mut terms = parse(q).unwrap();
            let before = terms.clone();
            assert_eq!(take_rollup_filters(&mut terms), (None, None), "{q}");
            assert_eq!(terms, before);
        }
    }

    #[test]
    fn wildcards_become_like_patterns_with_the_rest_escaped() {
        assert_eq!(match_value("Chrome"), ("=", "Chrome".to_string()));
        assert_eq!(match_value("*check_out%*"), ("LIKE", "%check\\_out\\%%".to_string()));
    }

    #[test]
    fn issue_conditions_bind_every_value() {
        let terms = parse("is:resolved !assigned:me level:error assigned:#web 'drop table").unwrap();
        let mut qb = QueryBuilder::<Postgres>::new("SELECT 1 FROM issues i WHERE TRUE");
        push_issue_conditions(&mut qb, &terms, 7);
        let sql = qb.into_string();
        assert!(!sql.contains("drop table") && !sql.contains("web"), "{sql}");
        assert!(sql.contains("AND NOT COALESCE((i.assignee_user_id = $2), FALSE)"), "{sql}");
        assert_eq!(sql.matches('$').count(), 8, "{sql}");
    }
}
