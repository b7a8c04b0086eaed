//! Web Vitals from the `vitals_hourly`/`vitals_daily` rollups of the
//! `transactions` table: percentiles, the share of good / needs-improvement /
//! poor samples by the web-vitals thresholds, a p75 time series and a
//! per-page table. Percentiles come from the rollups' histograms
//! ([`histogram`]: within 2.5 %), shares from exact good/poor counts, so a
//! 14-day page over millions of page loads merges a few thousand small rows.
//! Queries are portable between ClickHouse 18.16 and current releases.

pub mod attribution;
pub mod histogram;

use clickhouse::{Client, Row};
use serde::Deserialize;
use sightline_api_types::{PageVitals, Vital, VitalPoint, VitalSummary, VitalValues};

use self::histogram::Histogram;

pub use crate::store::rollups::Grain;

/// The five vitals, in the order of the queries' arrays; their thresholds
/// are [`Vital::thresholds`] (the table in `api-types`).
pub const VITALS: &[Vital] = Vital::ALL;

/// Which page loads count, and the rollup that holds them.
#[derive(Debug, Clone)]
pub struct Filter {
    pub project_id: u64,
    pub since: u32,
    pub environment: Option<String>,
    pub grain: Grain,
}

impl Filter {
    /// Returns the rollup of `family`: `vitals` (per page) or `vitals_site` (all pages).
    fn table(&self, family: &str) -> String {
        self.grain.table(family)
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

/// How many stored units make one unit of a vital: CLS is counted in
/// thousandths so its histogram buckets are as fine as the others'.
pub fn stored_per_unit(vital: &str) -> f64 {
    if vital == "cls" {
        1000.0
    } else {
        1.0
    }
}

/// A vital in stored units, as SQL (NULL reads as 0: callers filter NULLs out).
fn stored_sql(vital: &str) -> String {
    let k = stored_per_unit(vital);
    if k == 1.0 {
        format!("ifNull({vital}, 0)")
    } else {
        format!("ifNull({vital}, 0) * {k}")
    }
}

/// A vital's histogram bucket, as SQL: the rollups' views compute the same
/// (a unit test compares them), and [`histogram::bucket`] mirrors it.
fn bucket_sql(vital: &str) -> String {
    let x = stored_sql(vital);
    format!("toUInt16(if({x} < 1, 0, least(1 + round(log({x}) * 20), 1000)))")
}

/// The histogram of `vital` over raw `transactions` rows, as column `h`: what
/// the rollups would hold for them, so a percentile read from it equals the
/// dashboard's (the alert evaluator's vital rules use it).
pub fn raw_histogram_sql(vital: &str) -> String {
    format!("sumMap([{}], [toUInt64(1)], [toFloat64({})]) AS h", bucket_sql(vital), stored_sql(vital))
}

/// The five merged histograms as one array column `h`, in [`VITALS`] order.
fn histograms() -> String {
    let each: Vec<String> = VITALS.iter().map(|v| format!("sumMapMerge({v}_h)")).collect();
    format!("[{}] AS h", each.join(", "))
}

/// Returns vital `i`'s `q`-quantile in its own unit.
fn quantile(h: &[Histogram], i: usize, q: f64) -> Option<f64> {
    let name = VITALS[i].as_str();
    h.get(i).and_then(|h| h.quantile(q)).map(|v| v / stored_per_unit(name))
}

/// Returns the five p75 values of one row's histograms.
fn p75_values(h: &[Histogram]) -> VitalValues {
    let p75 = |i| quantile(h, i, 0.75);
    VitalValues { lcp: p75(0), inp: p75(1), cls: p75(2), fcp: p75(3), ttfb: p75(4) }
}

#[derive(Debug, Row, Deserialize)]
struct SummaryRow {
    h: Vec<Histogram>,
    /// Per vital: samples, good, poor.
    c: Vec<Vec<u64>>,
}

/// Summarises each vital over the filter's period, in one pass over the rollup.
pub async fn summaries(ch: &Client, filter: &Filter) -> clickhouse::error::Result<Vec<VitalSummary>> {
    let counts: Vec<String> = VITALS
        .iter()
        .map(|v| format!("[countIfMerge({v}_n), countIfMerge({v}_good), countIfMerge({v}_poor)]"))
        .collect();
    let sql = format!(
        "SELECT {}, [{}] AS c FROM {} WHERE {}",
        histograms(),
        counts.join(", "),
        filter.table("vitals_site"),
        filter.clause()
    );
    let row: SummaryRow = filter.bind(ch.query(&sql)).fetch_one().await?;
    let mut out = Vec::with_capacity(VITALS.len());
    for (i, &name) in VITALS.iter().enumerate() {
        let count = |k: usize| row.c.get(i).and_then(|c| c.get(k)).copied().unwrap_or(0);
        let (n, n_good, n_poor) = (count(0), count(1), count(2));
        let q = |level: f64| quantile(&row.h, i, level).filter(|_| n > 0);
        let share = |k: u64| if n == 0 { 0.0 } else { k as f64 / n as f64 };
        out.push(VitalSummary {
            name,
            samples: n,
            p50: q(0.5),
            p75: q(0.75),
            p95: q(0.95),
            good: share(n_good),
            needs_improvement: share(n.saturating_sub(n_good + n_poor)),
            poor: share(n_poor),
            rating: q(0.75).map(|v| name.rate(v)),
        });
    }
    Ok(out)
}

#[derive(Debug, Row, Deserialize)]
struct SeriesRow {
    t: u32,
    n: u64,
    h: Vec<Histogram>,
}

/// Returns p75 per bucket of the filter's grain (hourly up to two days, daily beyond).
pub async fn series(ch: &Client, filter: &Filter) -> clickhouse::error::Result<Vec<VitalPoint>> {
    let sql = format!(
        "SELECT toUInt32(bucket) AS t, countMerge(loads) AS n, {} FROM {} WHERE {} GROUP BY t ORDER BY t",
        histograms(),
        filter.table("vitals_site"),
        filter.clause()
    );
    let rows: Vec<SeriesRow> = filter.bind(ch.query(&sql)).fetch_all().await?;
    Ok(rows
        .into_iter()
        .map(|r| VitalPoint {
            t: chrono::DateTime::from_timestamp(r.t.into(), 0).unwrap_or_default().to_rfc3339(),
            samples: r.n,
            p75: p75_values(&r.h),
        })
        .collect())
}

#[derive(Debug, Row, Deserialize)]
struct PageRow {
    name: String,
    n: u64,
    h: Vec<Histogram>,
}

/// Returns p75 per page (transaction name), busiest first.
pub async fn pages(ch: &Client, filter: &Filter, limit: u64) -> clickhouse::error::Result<Vec<PageVitals>> {
    let sql = format!(
        "SELECT name, countMerge(loads) AS n, {} FROM {} WHERE {} GROUP BY name ORDER BY n DESC, name LIMIT {limit}",
        histograms(),
        filter.table("vitals"),
        filter.clause()
    );
    let rows: Vec<PageRow> = filter.bind(ch.query(&sql)).fetch_all().await?;
    Ok(rows.into_iter().map(|r| PageVitals { name: r.name, samples: r.n, p75: p75_values(&r.h) }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rollups_rate_samples_by_the_api_types_thresholds() {
        let sql = include_str!("../store/clickhouse_rollups.sql");
        for &vital in VITALS {
            let (v, good, poor) = (vital.as_str(), vital.thresholds().good, vital.thresholds().poor);
            for grain in ["hourly", "daily", "site_hourly", "site_daily"] {
                let view = sql.split(&format!("vitals_{grain}_mv TO")).nth(1).expect("the view exists");
                assert!(view.contains(&format!("ifNull({v} <= {good}, 0)) AS {v}_good")), "{v} good in {grain}");
                assert!(view.contains(&format!("ifNull({v} > {poor}, 0)) AS {v}_poor")), "{v} poor in {grain}");
                assert!(view.contains(&format!("[{}]", bucket_sql(v))), "{v} bucketed as bucket_sql in {grain}");
                let x = stored_sql(v);
                assert!(view.contains(&format!("[toFloat64({x})])) AS {v}_h")), "{v} summed per unit in {grain}");
            }
        }
    }
}
