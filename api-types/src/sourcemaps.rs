//! Source-map artifacts: what an upload stored and what a release holds.

use serde::{Deserialize, Serialize};

/// One stored minified file or source map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourcemapArtifact {
    pub id: i64,
    pub release: String,
    /// The URL or `~/path` the file is served at.
    pub name: String,
    /// `minified` or `sourcemap`.
    pub kind: String,
    /// From `//# debugId=` or the map's `debugId`, lowercase and hyphenated.
    pub debug_id: Option<String>,
    /// A minified file's `sourceMappingURL`, resolved against its name.
    pub sourcemap_name: Option<String>,
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
}

/// The answer to an upload: what was stored and the project's storage use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourcemapUpload {
    pub artifacts: Vec<SourcemapArtifact>,
    /// Bytes the project's artifacts take after this upload.
    pub usage_bytes: i64,
    pub quota_bytes: i64,
}
