//! Source-map uploads per project and release: upload (multipart: single
//! files, or a whole build folder as a zip), list and delete. Uploading takes
//! an API token with the `project:releases` (or `write`) scope, or the session
//! of a project admin; everything is checked ([`crate::sourcemaps::artifacts`])
//! before anything is stored, and the project's quota holds across uploads.

use axum::{
    extract::{
        multipart::{Field, MultipartRejection},
        Multipart, Path, State,
    },
    http::StatusCode,
    Json,
};
use sightline_api_types::{ErrorBody, Role, SourcemapArtifact, SourcemapUpload};

use super::{
    access::{project_role, require},
    caller::{Caller, Credential},
    error::{ApiError, ApiResult},
};
use crate::{
    sourcemaps::{
        artifacts::{self, ArtifactError, Limits},
        store::{self, SaveError, StoredArtifact},
    },
    state::AppState,
};

/// Most entries a zip may hold.
const MAX_ZIP_ENTRIES: usize = 10_000;
/// Most bytes of an oversized part read (and dropped) before answering 413.
const MAX_DRAIN: u64 = 256 * 1024 * 1024;

/// The multipart form of an upload (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct UploadForm {
    /// Prefix of the names of the files that follow (default `~/`), e.g. `~/static/js/`.
    url_prefix: Option<String>,
    /// Name (URL or `~/path`) of the next `file` part; default: prefix + the part's file name.
    name: Option<String>,
    /// A minified file (`.js`, `.mjs`, `.cjs`) or a source map (`.map`); repeatable.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    file: Option<Vec<u8>>,
    /// A zip of a build folder; its JavaScript and maps are named prefix + path.
    #[schema(value_type = Option<String>, format = Binary)]
    bundle: Option<Vec<u8>>,
}

fn to_wire(a: StoredArtifact) -> SourcemapArtifact {
    SourcemapArtifact {
        id: a.id,
        release: a.release,
        name: a.name,
        kind: a.kind,
        debug_id: a.debug_id.map(|d| d.to_string()),
        sourcemap_name: a.sourcemap_name,
        size: a.size,
        sha256: a.sha256,
        created_at: a.created_at.to_rfc3339(),
    }
}

/// Fails unless the caller may change a project's artifacts.
async fn may_upload(state: &AppState, caller: &Caller, project_id: i64) -> ApiResult<()> {
    let (_, role) = project_role(&state.pg, caller.user_id, project_id).await?;
    // A token's scope was checked by the route's access (`Access::Releases`).
    match &caller.credential {
        Credential::Session(_) => require(role, Role::Admin),
        Credential::Token { .. } => Ok(()),
    }
}

fn check_release(release: &str) -> ApiResult<()> {
    if release.is_empty() || release.chars().count() > 200 || release.chars().any(char::is_control) {
        return Err(ApiError::Validation("a release has 1 to 200 characters and no control characters".into()));
    }
    Ok(())
}

/// Maps a refused artifact to 413 (sizes) or 422 (content).
pub(super) fn artifact_error(e: ArtifactError) -> ApiError {
    match e {
        ArtifactError::FileTooLarge { .. } | ArtifactError::TooManyEntries(_) | ArtifactError::ZipTooLarge(_) => {
            ApiError::PayloadTooLarge(e.to_string())
        }
        other => ApiError::Validation(other.to_string()),
    }
}

/// Reads one part under `limit` bytes, chunk by chunk (never more than the limit in memory).
/// An oversized part is read to its end (up to [`MAX_DRAIN`]) and dropped, so the
/// client, still sending, gets the 413 instead of a reset connection.
async fn read_field(field: &mut Field<'_>, name: &str, limit: u64) -> ApiResult<Vec<u8>> {
    let malformed =
        |e: axum::extract::multipart::MultipartError| ApiError::Validation(format!("malformed multipart body: {e}"));
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        if (out.len() + chunk.len()) as u64 > limit {
            let mut drained = (out.len() + chunk.len()) as u64;
            drop(out);
            while let Ok(Some(chunk)) = field.chunk().await {
                drained += chunk.len() as u64;
                if drained > MAX_DRAIN {
                    break;
                }
            }
            return Err(artifact_error(ArtifactError::FileTooLarge { name: name.to_string(), limit }));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// `POST /api/v1/projects/{project_id}/releases/{release}/sourcemaps`.
#[utoipa::path(post, path = "/api/v1/projects/{project_id}/releases/{release}/sourcemaps", tag = "sourcemaps",
    operation_id = "sourcemaps_upload",
    params(("project_id" = i64, Path, description = "A project id"), ("release" = String, Path, description = "The release, as the SDK reports it")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored (replacing same-named files of the release)", body = SourcemapUpload),
        (status = 403, description = "A token without `project:releases`, or a session below admin", body = ErrorBody),
        (status = 404, description = "No such project in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 413, description = "A file, the zip or the request is too large, or the project's quota is used up (`too_large`)", body = ErrorBody),
        (status = 422, description = "A corrupt map, a map for another file, an unsupported file or a malformed form (`validation`)", body = ErrorBody),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, release)): Path<(i64, String)>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<SourcemapUpload>)> {
    // Access first: an outsider learns nothing, whatever the body.
    may_upload(&state, &caller, project_id).await?;
    check_release(&release)?;
    let mut form = form.map_err(|e| ApiError::Validation(format!("send the files as multipart/form-data: {e}")))?;
    let config = state.config.sourcemaps;
    let limits = Limits {
        max_file_bytes: config.max_file_bytes,
        max_zip_entries: MAX_ZIP_ENTRIES,
        max_zip_bytes: config.quota_bytes,
    };
    let (mut prefix, mut next_name) = ("~/".to_string(), None::<String>);
    let (mut files, mut bundles) = (Vec::new(), Vec::new());
    let mut total: usize = 0;
    let malformed =
        |e: axum::extract::multipart::MultipartError| ApiError::Validation(format!("malformed multipart body: {e}"));
    while let Some(mut field) = form.next_field().await.map_err(malformed)? {
        let part = field.name().unwrap_or("").to_string();
        let budget = config.max_upload_bytes.saturating_sub(total) as u64;
        let too_big_upload =
            || ApiError::PayloadTooLarge(format!("the upload is larger than {} bytes", config.max_upload_bytes));
        match part.as_str() {
            "url_prefix" | "name" => {
                let value = read_field(&mut field, &part, 4096).await?;
                let value =
                    String::from_utf8(value).map_err(|_| ApiError::Validation(format!("{part} is not UTF-8")))?;
                if part == "name" {
                    next_name = Some(value.trim().to_string());
                } else {
                    prefix = value.trim().to_string();
                }
            }
            "file" => {
                let name = next_name
                    .take()
                    .or_else(|| field.file_name().map(|f| artifacts::artifact_name(&prefix, f)))
                    .ok_or_else(|| {
                        ApiError::Validation("a file part needs a file name or a preceding name field".into())
                    })?;
                let content =
                    read_field(&mut field, &name, config.max_file_bytes.min(budget.max(1))).await.map_err(|e| {
                        if budget < config.max_file_bytes {
                            too_big_upload()
                        } else {
                            e
                        }
                    })?;
                total += content.len();
                files.push((name, content));
            }
            "bundle" => {
                let content = read_field(&mut field, "the zip", budget).await.map_err(|_| too_big_upload())?;
                total += content.len();
                bundles.push((prefix.clone(), content));
            }
            other => {
                return Err(ApiError::Validation(format!(
                    "unknown form field {other:?}; use url_prefix, name, file or bundle"
                )))
            }
        }
    }
    // Parsing maps and inflating zips is CPU work: keep it off the async workers.
    let checked = tokio::task::spawn_blocking(move || -> Result<Vec<artifacts::Artifact>, ArtifactError> {
        let mut out = Vec::new();
        for (name, content) in files {
            out.push(artifacts::check_file(name, content)?);
        }
        for (prefix, zip) in bundles {
            out.extend(artifacts::unzip(&zip, &prefix, &limits)?);
        }
        artifacts::check_pairs(&out)?;
        Ok(out)
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
    .map_err(artifact_error)?;
    if checked.is_empty() {
        return Err(ApiError::Validation("the upload holds no JavaScript or source map".into()));
    }
    let saved =
        store::save(&state.pg, project_id, &release, &checked, config.quota_bytes).await.map_err(|e| match e {
            SaveError::OverQuota { .. } => ApiError::PayloadTooLarge(e.to_string()),
            SaveError::Database(e) => e.into(),
        })?;
    let usage_bytes = store::usage(&state.pg, project_id).await?;
    let artifacts = saved.into_iter().map(to_wire).collect();
    Ok((StatusCode::CREATED, Json(SourcemapUpload { artifacts, usage_bytes, quota_bytes: config.quota_bytes as i64 })))
}

/// `GET /api/v1/projects/{project_id}/releases/{release}/sourcemaps`.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/releases/{release}/sourcemaps", tag = "sourcemaps",
    operation_id = "sourcemaps_list",
    params(("project_id" = i64, Path, description = "A project id"), ("release" = String, Path, description = "A release")),
    responses(
        (status = 200, description = "The release's artifacts by name", body = Vec<SourcemapArtifact>),
        (status = 404, description = "No such project in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, release)): Path<(i64, String)>,
) -> ApiResult<Json<Vec<SourcemapArtifact>>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let rows = store::list(&state.pg, project_id, &release).await?;
    Ok(Json(rows.into_iter().map(to_wire).collect()))
}

/// `DELETE /api/v1/projects/{project_id}/releases/{release}/sourcemaps/{artifact_id}`.
#[utoipa::path(delete, path = "/api/v1/projects/{project_id}/releases/{release}/sourcemaps/{artifact_id}", tag = "sourcemaps",
    operation_id = "sourcemaps_delete",
    params(
        ("project_id" = i64, Path, description = "A project id"),
        ("release" = String, Path, description = "A release"),
        ("artifact_id" = i64, Path, description = "An artifact's id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "A token without `project:releases`, or a session below admin", body = ErrorBody),
        (status = 404, description = "No such artifact in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, release, artifact_id)): Path<(i64, String, i64)>,
) -> ApiResult<StatusCode> {
    may_upload(&state, &caller, project_id).await?;
    if !store::delete(&state.pg, project_id, &release, artifact_id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
