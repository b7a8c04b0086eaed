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

impl Vital {
    /// Returns the vital's good / poor boundaries, as web.dev defines them
    /// (web.dev/articles/vitals and each metric's page: "good" is at most
    /// `good` at the 75th percentile, "poor" above `poor`). This is the one
    /// table of thresholds: the server's ratings and alerts, the dashboard's
    /// colours and the tests all read it, and a unit test in the server
    /// checks the ClickHouse rollups count good/poor samples by it.
    pub const fn thresholds(self) -> Thresholds {
        let (good, poor) = match self {
            Vital::Lcp => (2500.0, 4000.0),
            Vital::Inp => (200.0, 500.0),
            Vital::Cls => (0.1, 0.25),
            Vital::Fcp => (1800.0, 3000.0),
            Vital::Ttfb => (800.0, 1800.0),
        };
        Thresholds { good, poor }
    }

    /// Rates a value of this vital.
    pub fn rate(self, value: f64) -> Rating {
        self.thresholds().rate(value)
    }
}

/// Where a vital's rating changes: good up to `good`, poor above `poor`,
/// needs-improvement between (ms; CLS unitless).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub good: f64,
    pub poor: f64,
}

impl Thresholds {
    /// Rates `value`: the boundaries themselves still rate the better way.
    pub fn rate(self, value: f64) -> Rating {
        if value <= self.good {
            Rating::Good
        } else if value <= self.poor {
            Rating::NeedsImprovement
        } else {
            Rating::Poor
        }
    }
}

/// How a vital's value rates by its [`Thresholds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Rating {
    Good,
    NeedsImprovement,
    Poor,
}

crate::names::named!(Rating, "rating", {
    Good => "good",
    NeedsImprovement => "needs-improvement",
    Poor => "poor",
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
    /// The rating of the p75 value.
    pub rating: Option<Rating>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thresholds_are_web_dev_s() {
        let table: Vec<(&str, f64, f64)> =
            Vital::ALL.iter().map(|v| (v.as_str(), v.thresholds().good, v.thresholds().poor)).collect();
        assert_eq!(
            table,
            [
                ("lcp", 2500.0, 4000.0),
                ("inp", 200.0, 500.0),
                ("cls", 0.1, 0.25),
                ("fcp", 1800.0, 3000.0),
                ("ttfb", 800.0, 1800.0)
            ]
        );
    }

    #[test]
    fn a_boundary_rates_the_better_way() {
        assert_eq!(Vital::Lcp.rate(2500.0), Rating::Good);
        assert_eq!(Vital::Lcp.rate(2500.5), Rating::NeedsImprovement);
        assert_eq!(Vital::Lcp.rate(4000.0), Rating::NeedsImprovement);
        assert_eq!(Vital::Lcp.rate(4000.5), Rating::Poor);
        assert_eq!(Vital::Cls.rate(0.3), Rating::Poor);
        assert_eq!(serde_json::to_value(Rating::NeedsImprovement).unwrap(), "needs-improvement");
    }
}
