//! What the SDK blamed for one page's vitals: the LCP elements, CLS sources
//! and INP targets stored on page loads (`@sentry/browser` 10+ sends them as
//! span attributes), each with its count and p75 over the period. Read from
//! the raw `transactions` rows of one page (the rollups keep no selectors);
//! a page's rows are a small slice of the project's period.

use clickhouse::{Client, Row};
use serde::Deserialize;
use sightline_api_types::{Attribution, PageAttribution};

use super::Filter;

/// Selectors listed per vital, at most.
const TOP: u64 = 10;

#[derive(Debug, Row, Deserialize)]
struct SelectorRow {
    selector: String,
    n: u64,
    p75: f64,
}

/// Returns the top selectors of each vital on `page`.
pub async fn page(ch: &Client, filter: &Filter, page: &str) -> clickhouse::error::Result<PageAttribution> {
    let (lcp, cls, inp) = tokio::try_join!(
        top(ch, filter, page, "lcp", "lcp_element"),
        top(ch, filter, page, "cls", "cls_source"),
        top(ch, filter, page, "inp", "inp_target"),
    )?;
    Ok(PageAttribution { page: page.to_owned(), lcp, cls, inp })
}

async fn top(
    ch: &Client,
    filter: &Filter,
    page: &str,
    vital: &str,
    column: &str,
) -> clickhouse::error::Result<Vec<Attribution>> {
    let env = if filter.environment.is_some() { " AND environment = ?" } else { "" };
    let sql = format!(
        "SELECT {column} AS selector, count() AS n, toFloat64(quantile(0.75)(ifNull({vital}, 0))) AS p75 \
         FROM transactions WHERE project_id = ? AND timestamp >= toDateTime(?){env} AND name = ? \
         AND {column} != '' AND {vital} IS NOT NULL \
         GROUP BY selector ORDER BY n DESC, selector LIMIT {TOP}"
    );
    let mut q = ch.query(&sql).bind(filter.project_id).bind(filter.since);
    if let Some(e) = &filter.environment {
        q = q.bind(e.as_str());
    }
    let rows: Vec<SelectorRow> = q.bind(page).fetch_all().await?;
    Ok(rows.into_iter().map(|r| Attribution { selector: r.selector, samples: r.n, p75: r.p75 }).collect())
}
