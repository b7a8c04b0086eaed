//! Usage: what became of the items SDKs sent (accepted, filtered, rate
//! limited, invalid, discarded by the SDK itself).

use serde::{Deserialize, Serialize};

/// One day's outcomes, summed over categories.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageDay {
    /// Day start, RFC 3339 (UTC).
    pub t: String,
    /// Day start, seconds since the epoch.
    pub t_secs: u32,
    pub accepted: u64,
    pub filtered: u64,
    pub rate_limited: u64,
    pub invalid: u64,
    /// Dropped by the SDK before sending (its `client_report`s).
    pub client_discard: u64,
}

/// One outcome, category and reason over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageLine {
    /// `accepted`, `filtered`, `rate_limited`, `invalid` or `client_discard`.
    pub outcome: String,
    /// `error`, `transaction`, `span`, or an item type such as `session`.
    pub category: String,
    /// Why (`not_stored`, `too_large`, `invalid_payload`, the SDK's reason…); `unknown` for accepted items.
    pub reason: String,
    pub quantity: u64,
}

/// `GET /api/v1/projects/{id}/usage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Usage {
    /// Per day, oldest first; days without items are absent.
    pub series: Vec<UsageDay>,
    /// Largest first, at most 200 lines.
    pub lines: Vec<UsageLine>,
}
