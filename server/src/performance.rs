//! Web Vitals from the `vitals_hourly`/`vitals_daily` rollups of the
//! `transactions` table: percentiles, the share of good / needs-improvement /
//! poor samples by the web-vitals thresholds, a p75 time series and a
//! per-page table. The rollups keep `quantileTiming` states (made for page
//! load times: exact below 1024, in 16 ms steps above, capped at 30 s; CLS is
//! stored in thousandths), so a 14-day page over millions of page loads
//! merges thousands of small states instead of scanning millions of rows.
//! Queries are portable between ClickHouse 18.16 and current releases; an
//! empty percentile (NaN) becomes `None`.

use clickhouse::{Client, Row};
use serde::Deserialize;
use sightline_api_types::{PageVitals, VitalPoint, VitalSummary, VitalValues};

pub use crate::store::rollups::Grain;

/// The five vitals with their good / poor thresholds (web.dev).
pub const VITALS: [(&str, f64, f64); 5] = [
    ("lcp", 2500.0, 4000.0),
    ("inp", 200.0, 500.0),
    ("cls", 0.1, 0.25),
    ("fcp", 1800.0, 3000.0),
    ("ttfb", 800.0, 1800.0),
];

/// Rates a value: `good`, `needs-improvement` or `poor`.
pub fn rate(good: f64, poor: f64, value: f64) -> &'static str {
    if value <= good {
        "good"
    } else if value <= poor {
        "needs-improvement"
    } else {
        "poor"
    }
}

/// Which page loads count, and the rollup that holds them.
#[derive(Debug, Clone)]
pub struct Filter {
    pub project_id: u64,
    pub since: u32,
    pub environment: Option<String>,
    pub grain: Grain,
}

impl Filter {
    fn table(&self) -> String {
        self.grain.table("vitals")
    }

    fn clause(&self) -> String {
        let env = if self.environment.is_some() { " AND environment = ?" } else { "" };
        format!("project_id = ? AND {}{env}", self.grain.since_clause())
    }

    fn bind(&self, q: clickhouse::query::Query) -> clickhouse::query::Query {
        let q = q.bind(self.project_id).bind(self.since);
        match &self.environment {
            Some(e) => q.bind(e.as_str()),
            None => q,
        }
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// How many stored units make one unit of a vital: CLS is kept in
/// thousandths so quantileTiming's integer precision suits it.
pub fn stored_per_unit(vital: &str) -> u32 {
    if vital == "cls" {
        1000
    } else {
        1
    }
}

/// The merged percentiles (p50, p75, p95) of a vital in its own unit, as Float64.
fn quantiles(v: &str) -> String {
    format!("arrayMap(x -> toFloat64(x) / {}, quantilesTimingIfMerge(0.5, 0.75, 0.95)({v}_q))", stored_per_unit(v))
}

/// The five p75 columns, named after the vitals, in [`VITALS`] order.
fn p75_columns() -> String {
    VITALS
        .iter()
        .map(|(v, _, _)| format!("{}[2] AS {v}", quantiles(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Turns the five p75 columns into values, NaN (no samples) as `None`.
fn p75_values(lcp: f64, inp: f64, cls: f64, fcp: f64, ttfb: f64) -> VitalValues {
    VitalValues { lcp: finite(lcp), inp: finite(inp), cls: finite(cls), fcp: finite(fcp), ttfb: finite(ttfb) }
}

#[derive(Debug, Row, Deserialize)]
struct SummaryRow {
    /// Per vital in [`VITALS`] order: p50, p75, p95.
    q: Vec<Vec<f64>>,
    /// Per vital: samples, good, poor.
    c: Vec<Vec<u64>>,
}

/// Summarises each vital over the filter's period, in one pass over the rollup.
pub async fn summaries(ch: &Client, filter: &Filter) -> clickhouse::error::Result<Vec<VitalSummary>> {
    let list = |f: &dyn Fn(&str) -> String| VITALS.iter().map(|(v, _, _)| f(v)).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT [{}] AS q, [{}] AS c FROM {} WHERE {}",
        list(&quantiles),
        list(&|v| format!("[countIfMerge({v}_n), countIfMerge({v}_good), countIfMerge({v}_poor)]")),
        filter.table(),
        filter.clause()
    );
    let row: SummaryRow = filter.bind(ch.query(&sql)).fetch_one().await?;
    let mut out = Vec::with_capacity(VITALS.len());
    for (i, (name, good, poor)) in VITALS.into_iter().enumerate() {
        let (qs, cs) = (row.q.get(i).cloned().unwrap_or_default(), row.c.get(i).cloned().unwrap_or_default());
        let (n, n_good, n_poor) = (cs.first().copied().unwrap_or(0), cs.get(1).copied().unwrap_or(0), cs.get(2).copied().unwrap_or(0));
        let q = |k: usize| qs.get(k).copied().and_then(finite).filter(|_| n > 0);
        let share = |k: u64| if n == 0 { 0.0 } else { k as f64 / n as f64 };
        out.push(VitalSummary {
            name: name.to_string(),
            samples: n,
            p50: q(0),
            p75: q(1),
            p95: q(2),
            good: share(n_good),
            needs_improvement: share(n.saturating_sub(n_good + n_poor)),
            poor: share(n_poor),
            rating: q(1).map(|v| rate(good, poor, v).to_string()),
        });
    }
    Ok(out)
}

#[derive(Debug, Row, Deserialize)]
struct SeriesRow {
    t: u32,
    n: u64,
    lcp: f64,
    inp: f64,
    cls: f64,
    fcp: f64,
    ttfb: f64,
}

/// Returns p75 per bucket of the filter's grain (hourly up to two days, daily beyond).
pub async fn series(ch: &Client, filter: &Filter) -> clickhouse::error::Result<Vec<VitalPoint>> {
    let sql = format!(
        "SELECT toUInt32(bucket) AS t, countMerge(loads) AS n, {} FROM {} WHERE {} GROUP BY t ORDER BY t",
        p75_columns(),
        filter.table(),
        filter.clause()
    );
    let rows: Vec<SeriesRow> = filter.bind(ch.query(&sql)).fetch_all().await?;
    Ok(rows
        .into_iter()
        .map(|r| VitalPoint {
            t: chrono::DateTime::from_timestamp(r.t.into(), 0).unwrap_or_default().to_rfc3339(),
            samples: r.n,
            p75: p75_values(r.lcp, r.inp, r.cls, r.fcp, r.ttfb),
        })
        .collect())
}

#[derive(Debug, Row, Deserialize)]
struct PageRow {
    name: String,
    n: u64,
    lcp: f64,
    inp: f64,
    cls: f64,
    fcp: f64,
    ttfb: f64,
}

/// Returns p75 per page (transaction name), busiest first.
pub async fn pages(ch: &Client, filter: &Filter, limit: u64) -> clickhouse::error::Result<Vec<PageVitals>> {
    let sql = format!(
        "SELECT name, countMerge(loads) AS n, {} FROM {} WHERE {} GROUP BY name ORDER BY n DESC, name LIMIT {limit}",
        p75_columns(),
        filter.table(),
        filter.clause()
    );
    let rows: Vec<PageRow> = filter.bind(ch.query(&sql)).fetch_all().await?;
    Ok(rows
        .into_iter()
        .map(|r| PageVitals {
            name: r.name,
            samples: r.n,
            p75: p75_values(r.lcp, r.inp, r.cls, r.fcp, r.ttfb),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_follow_the_web_vitals_thresholds() {
        assert_eq!(rate(2500.0, 4000.0, 2500.0), "good");
        assert_eq!(rate(2500.0, 4000.0, 2501.0), "needs-improvement");
        assert_eq!(rate(2500.0, 4000.0, 4001.0), "poor");
        assert_eq!(rate(0.1, 0.25, 0.3), "poor");
    }

    #[test]
    fn the_rollups_rate_samples_by_the_same_thresholds() {
        let sql = include_str!("store/clickhouse_rollups.sql");
        for (v, good, poor) in VITALS {
            for grain in ["hourly", "daily"] {
                let view = sql.split(&format!("vitals_{grain}_mv TO")).nth(1).expect("the view exists");
                assert!(view.contains(&format!("ifNull({v} <= {good}, 0)) AS {v}_good")), "{v} good in {grain}");
                assert!(view.contains(&format!("ifNull({v} > {poor}, 0)) AS {v}_poor")), "{v} poor in {grain}");
                let stored = match stored_per_unit(v) {
                    1 => format!("(ifNull({v}, 0), {v} IS NOT NULL) AS {v}_q"),
                    k => format!("(ifNull({v}, 0) * {k}, {v} IS NOT NULL) AS {v}_q"),
                };
                assert!(view.contains(&stored), "{v} stored per unit in {grain}");
            }
        }
    }
}
