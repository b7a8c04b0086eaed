//! Web Vitals: percentiles, ratings and per-page figures.

use serde::{Deserialize, Serialize};

/// A Web Vital the SDKs measure on page loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Vital {
    /// Largest Contentful Paint, ms.
    Lcp,
    /// Interaction to Next Paint, ms.
    Inp,
    /// Cumulative Layout Shift, unitless.
    Cls,
    /// First Contentful Paint, ms.
    Fcp,
    /// Time to First Byte, ms.
    Ttfb,
}

crate::names::named!(Vital, "vital", {
    Lcp => "lcp",
    Inp => "inp",
    Cls => "cls",
    Fcp => "fcp",
    Ttfb => "ttfb",
});

/// One vital over the period: percentiles and the share of each rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VitalSummary {
    pub name: Vital,
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

impl VitalValues {
    /// Returns the value of `vital`.
    pub fn get(&self, vital: Vital) -> Option<f64> {
        match vital {
            Vital::Lcp => self.lcp,
            Vital::Inp => self.inp,
            Vital::Cls => self.cls,
            Vital::Fcp => self.fcp,
            Vital::Ttfb => self.ttfb,
        }
    }
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
