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

/// One element the SDK blamed for a vital on a page, with how often and how bad.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attribution {
    /// CSS path of the element, as the SDK wrote it (`body > img#hero`).
    pub selector: String,
    /// Page loads that blamed it.
    pub samples: u64,
    /// p75 of the vital over those page loads.
    pub p75: f64,
}

/// `GET /api/v1/projects/{id}/performance/attribution`: what caused one page's vitals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageAttribution {
    pub page: String,
    /// Largest Contentful Paint elements, most frequent first.
    pub lcp: Vec<Attribution>,
    /// First sources of the worst layout shifts.
    pub cls: Vec<Attribution>,
    /// Targets of the slowest interactions.
    pub inp: Vec<Attribution>,
}
