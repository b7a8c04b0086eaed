//! Web Vitals: percentiles, ratings and per-page figures.

use serde::{Deserialize, Serialize};

/// One vital over the period: percentiles and the share of each rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VitalSummary {
    /// `lcp`, `inp`, `cls`, `fcp` or `ttfb`.
    pub name: String,
    pub samples: u64,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p95: Option<f64>,
    /// Shares in 0..=1 by the web-vitals thresholds.
    pub good: f64,
    pub needs_improvement: f64,
    pub poor: f64,
    /// The rating of the p75 value: `good`, `needs-improvement` or `poor`.
    pub rating: Option<String>,
}

/// The p75 of each vital; `None` where there were no samples.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VitalValues {
    pub lcp: Option<f64>,
    pub inp: Option<f64>,
    pub cls: Option<f64>,
    pub fcp: Option<f64>,
    pub ttfb: Option<f64>,
}

/// p75 of each vital in one time bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VitalPoint {
    /// Bucket start, RFC 3339.
    pub t: String,
    pub samples: u64,
    #[serde(flatten)]
    pub p75: VitalValues,
}

/// p75 of each vital for one page or route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageVitals {
    pub name: String,
    pub samples: u64,
    #[serde(flatten)]
    pub p75: VitalValues,
}

/// `GET /api/v1/projects/{id}/performance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Performance {
    pub vitals: Vec<VitalSummary>,
    pub series: Vec<VitalPoint>,
    pub pages: Vec<PageVitals>,
}
