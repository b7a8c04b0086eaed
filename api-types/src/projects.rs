//! Projects and their client keys.

use serde::{Deserialize, Serialize};

/// A project as listed and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    pub id: i64,
    pub team_id: i64,
    pub name: String,
    pub slug: String,
    pub platform: String,
    pub retention_days: i32,
    /// Pages allowed to send events (`shop.example.com`, `*.example.com`, `*`); empty = any.
    pub allowed_origins: Vec<String>,
    /// Whether secrets and card numbers are filtered out of events at ingest.
    #[serde(default = "yes")]
    pub scrub_data: bool,
    /// Whether client IP addresses are left out of stored events.
    #[serde(default)]
    pub scrub_ip_addresses: bool,
    /// Key names scrubbed besides the defaults (matched as case-insensitive substrings).
    #[serde(default)]
    pub sensitive_fields: Vec<String>,
    /// Key names never scrubbed (exact, case-insensitive).
    #[serde(default)]
    pub safe_fields: Vec<String>,
    /// Environments seen in events of the last 30 days.
    #[serde(default)]
    pub environments: Vec<String>,
    /// The first active key, so a new project shows its DSN at once.
    pub keys: Vec<ProjectKey>,
    /// Days session replays are kept (apart from events), 1 to 3650.
    #[serde(default = "thirty")]
    pub replay_retention_days: i32,
    /// MiB of replay recordings stored per UTC day; past it replays are
    /// refused (429, category `replay`) until the next day. 0 stores none.
    #[serde(default = "one_gib")]
    pub replay_daily_quota_mb: i32,
}

/// Body of `POST /api/v1/teams/{id}/projects`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewProject {
    pub name: String,
    #[serde(default)]
    pub platform: Option<String>,
}

/// Body of `PATCH /api/v1/projects/{id}`; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectUpdate {
    pub name: Option<String>,
    pub platform: Option<String>,
    pub retention_days: Option<i32>,
    pub allowed_origins: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scrub_data: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scrub_ip_addresses: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive_fields: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe_fields: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_retention_days: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_daily_quota_mb: Option<i32>,
}

fn yes() -> bool {
    true
}

fn thirty() -> i32 {
    30
}

fn one_gib() -> i32 {
    1024
}

/// A client key with the DSN that uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectKey {
    pub id: i64,
    pub label: String,
    pub public_key: String,
    pub dsn: String,
    pub is_active: bool,
    /// Events per minute; `None` = the server default.
    pub rate_limit_per_minute: Option<i32>,
}

/// Body of `POST /api/v1/projects/{id}/keys` and `PATCH …/keys/{key_id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyUpdate {
    pub label: Option<String>,
    pub is_active: Option<bool>,
    /// `null` clears the key's own limit (the server default applies); absent leaves it.
    #[serde(default, with = "double_option")]
    pub rate_limit_per_minute: Option<Option<i32>>,
}

/// Distinguishes an absent field from an explicit `null` (clear the value).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(v: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            Some(inner) => inner.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}
