//! Sentry's chunked source-map upload, as sentry-cli 3 and the bundler
//! plugins speak it under `/api/0/organizations/{org}/` (the org is a team's
//! slug): the upload options, the chunk upload (multipart parts named by
//! their SHA-1, plain, gzip or zstd) and the artifact-bundle assembly, which
//! answers the chunks it lacks and, once it has them all, unpacks the bundle
//! ([`crate::sourcemaps::bundle`]) into the projects' artifacts. Tokens need
//! `project:releases` (or `write`), sessions the admin role; an outsider gets
//! 404 and nothing is stored.

use axum::{
    extract::{multipart::MultipartRejection, rejection::JsonRejection, Multipart, Path, State},
    http::{header, HeaderMap},
    Json,
};
use serde::{Deserialize, Serialize};
use sightline_api_types::{ErrorBody, Role};

use super::{
    access::{require, team_by_slug, team_projects},
    caller::{Caller, Credential},
    error::{ApiError, ApiResult},
    sourcemaps::artifact_error,
};
use crate::{
    sourcemaps::{
        artifacts::Limits,
        bundle,
        chunks::{self, ChunkError, Encoding, CHUNKS_PER_REQUEST, CHUNK_SIZE, MAX_REQUEST_BYTES},
        store::{self, SaveError},
    },
    state::AppState,
};

/// Most entries a bundle's zip may hold (as for our own upload).
const MAX_ZIP_ENTRIES: usize = 10_000;

/// Fails unless the caller may upload into the team named `org`; returns its id.
async fn uploader(state: &AppState, caller: &Caller, org: &str) -> ApiResult<i64> {
    let (team_id, role) = team_by_slug(&state.pg, caller.user_id, org).await?;
    // A token's scope was checked by the route's access (`Access::Releases`).
    if let Credential::Session(_) = caller.credential {
        require(role, Role::Admin)?;
    }
    Ok(team_id)
}

/// What sentry-cli is told about uploading (`GET …/chunk-upload/`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChunkUploadOptions {
    /// Where chunks are posted: absolute, on `SIGHTLINE_PUBLIC_URL` (Sentry's newer CLI checks the host).
    url: String,
    chunk_size: u64,
    chunks_per_request: usize,
    max_request_size: u64,
    max_file_size: u64,
    concurrency: u8,
    hash_algorithm: &'static str,
    compression: Vec<&'static str>,
    accept: Vec<&'static str>,
}

/// `GET /api/0/organizations/{org}/chunk-upload/`.
#[utoipa::path(get, path = "/api/0/organizations/{org}/chunk-upload/", tag = "sentry-cli",
    operation_id = "chunk_upload_options",
    params(("org" = String, Path, description = "A team's slug (sentry-cli's `--org`)")),
    responses(
        (status = 200, description = "How to upload chunks", body = ChunkUploadOptions),
        (status = 404, description = "No such team among the caller's (`not_found`)", body = ErrorBody),
    ))]
pub async fn options(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
) -> ApiResult<Json<ChunkUploadOptions>> {
    uploader(&state, &caller, &org).await?;
    Ok(Json(ChunkUploadOptions {
        url: chunk_url(&state.config.public_url, &org),
        chunk_size: CHUNK_SIZE,
        chunks_per_request: CHUNKS_PER_REQUEST,
        max_request_size: MAX_REQUEST_BYTES,
        max_file_size: state.config.sourcemaps.max_upload_bytes as u64,
        concurrency: 4,
        hash_algorithm: "sha1",
        compression: vec!["zstd", "gzip"],
        accept: vec!["artifact_bundles", "artifact_bundles_v2"],
    }))
}

/// Returns the chunk upload URL of `org` under the server's public URL.
fn chunk_url(public: &url::Url, org: &str) -> String {
    let mut url = public.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(["api", "0", "organizations", org, "chunk-upload", ""]);
    }
    url.to_string()
}

/// The multipart form of a chunk upload (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ChunkForm {
    /// A chunk, its file name its SHA-1; repeatable. `file_gzip` and `file_zstd` carry compressed chunks.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    file: Option<Vec<u8>>,
}

fn chunk_error(e: ChunkError) -> ApiError {
    match e {
        ChunkError::TooLarge { .. } => ApiError::PayloadTooLarge(e.to_string()),
        other => ApiError::Validation(other.to_string()),
    }
}

/// `POST /api/0/organizations/{org}/chunk-upload/`.
#[utoipa::path(post, path = "/api/0/organizations/{org}/chunk-upload/", tag = "sentry-cli",
    operation_id = "chunk_upload",
    params(("org" = String, Path, description = "A team's slug")),
    request_body(content = ChunkForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Every chunk stored"),
        (status = 404, description = "No such team among the caller's (`not_found`)", body = ErrorBody),
        (status = 413, description = "A chunk, the request or the team's waiting chunks are too large (`too_large`)", body = ErrorBody),
        (status = 422, description = "A chunk not named by its SHA-1, not matching it, or not decompressing (`validation`)", body = ErrorBody),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let team_id = uploader(&state, &caller, &org).await?;
    // Sentry's newer CLI sends zstd chunks as `file` parts with `Content-Encoding: zstd`.
    let request_encoding = match headers.get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap_or("?").trim()) {
        None | Some("" | "identity") => None,
        Some(e) if e.eq_ignore_ascii_case("zstd") => Some(Encoding::Zstd),
        Some(e) if e.eq_ignore_ascii_case("gzip") => Some(Encoding::Gzip),
        Some(other) => {
            return Err(ApiError::Validation(format!("chunks may be zstd or gzip, not {other:?}")));
        }
    };
    let mut form = form.map_err(|e| ApiError::Validation(format!("send the chunks as multipart/form-data: {e}")))?;
    let malformed =
        |e: axum::extract::multipart::MultipartError| ApiError::Validation(format!("malformed multipart body: {e}"));
    let too_big = || ApiError::PayloadTooLarge(format!("a chunk upload carries at most {MAX_REQUEST_BYTES} bytes"));
    let mut parts = Vec::new();
    let mut total: u64 = 0;
    while let Some(mut field) = form.next_field().await.map_err(malformed)? {
        let part = field.name().unwrap_or("").to_string();
        let encoding = match (Encoding::from_field(&part), request_encoding) {
            (Some(Encoding::Plain), Some(whole)) => whole,
            (Some(_), Some(_)) => {
                return Err(ApiError::Validation(format!("{part} parts cannot also have a Content-Encoding")));
            }
            (Some(encoding), None) => encoding,
            (None, _) => {
                return Err(ApiError::Validation(format!(
                    "unknown form field {part:?}; use file, file_gzip or file_zstd"
                )));
            }
        };
        let name = field.file_name().unwrap_or("").to_string();
        if parts.len() == CHUNKS_PER_REQUEST {
            return Err(ApiError::PayloadTooLarge(format!("a request carries at most {CHUNKS_PER_REQUEST} chunks")));
        }
        let mut body = Vec::new();
        while let Some(bytes) = field.chunk().await.map_err(malformed)? {
            total += bytes.len() as u64;
            let refused = if total > MAX_REQUEST_BYTES {
                Some(too_big())
            } else if body.len() as u64 + bytes.len() as u64 > CHUNK_SIZE + CHUNK_SIZE / 8 {
                Some(chunk_error(ChunkError::TooLarge { name: name.clone(), limit: CHUNK_SIZE }))
            } else {
                None
            };
            if let Some(refused) = refused {
                // Read on (up to the request's cap) so the client, still sending, gets the 413.
                drop(body);
                while let Ok(Some(bytes)) = field.chunk().await {
                    total += bytes.len() as u64;
                    if total > 2 * MAX_REQUEST_BYTES {
                        break;
                    }
                }
                return Err(refused);
            }
            body.extend_from_slice(&bytes);
        }
        parts.push((name, encoding, body));
    }
    if parts.is_empty() {
        return Err(ApiError::Validation("the upload holds no chunk".into()));
    }
    // Inflating and hashing is CPU work: keep it off the async workers.
    let checked = tokio::task::spawn_blocking(move || {
        parts
            .into_iter()
            .map(|(name, encoding, body)| {
                chunks::decode(&name, encoding, &body, CHUNK_SIZE).map(|content| (name.to_ascii_lowercase(), content))
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
    .map_err(chunk_error)?;
    chunks::save(&state.pg, team_id, &checked, state.config.sourcemaps.quota_bytes).await.map_err(|e| match e {
        chunks::SaveError::OverQuota { .. } => ApiError::PayloadTooLarge(e.to_string()),
        chunks::SaveError::Database(e) => e.into(),
    })?;
    Ok(Json(serde_json::json!({})))
}

/// An assembly request: the bundle's SHA-1, its chunks in order, where it goes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AssembleRequest {
    checksum: String,
    chunks: Vec<String>,
    /// Project slugs (or ids) of the org.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    projects: Vec<serde_json::Value>,
    /// The release the files belong to; without one they are matched by debug ID only.
    version: Option<String>,
    dist: Option<String>,
}

/// Where an assembly stands (Sentry's `ChunkedFileState`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssembleResponse {
    /// `not_found` (chunks missing), `ok` (stored) or `error`.
    state: &'static str,
    missing_chunks: Vec<String>,
    detail: Option<String>,
}

impl AssembleResponse {
    fn ok() -> Self {
        AssembleResponse { state: "ok", missing_chunks: vec![], detail: None }
    }
}

/// Checks an assembly request's shape; returns the checksum, chunks, project names and release.
fn parse_request(body: AssembleRequest, max_chunks: usize) -> ApiResult<(String, Vec<String>, Vec<String>, String)> {
    let checksum = chunks::parse_sha1(&body.checksum)
        .ok_or_else(|| ApiError::Validation("checksum is not a SHA-1 (40 hex digits)".into()))?;
    if body.chunks.is_empty() {
        return Err(ApiError::Validation("chunks lists no chunk".into()));
    }
    if body.chunks.len() > max_chunks {
        return Err(ApiError::PayloadTooLarge(format!("a bundle has at most {max_chunks} chunks")));
    }
    let chunk_list = body
        .chunks
        .iter()
        .map(|c| chunks::parse_sha1(c).ok_or_else(|| ApiError::Validation(format!("chunk {c:?} is not a SHA-1"))))
        .collect::<ApiResult<Vec<_>>>()?;
    let projects: Vec<String> = body
        .projects
        .iter()
        .map(|p| match p {
            serde_json::Value::String(s) => Ok(s.clone()),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            _ => Err(ApiError::Validation("projects lists slugs or ids".into())),
        })
        .collect::<ApiResult<_>>()?;
    if projects.is_empty() || projects.len() > 100 {
        return Err(ApiError::Validation("projects names 1 to 100 projects of the organization".into()));
    }
    let release = body.version.unwrap_or_default();
    if release.chars().count() > 200 || release.chars().any(char::is_control) {
        return Err(ApiError::Validation("a release has at most 200 characters and no control characters".into()));
    }
    let _ = body.dist;
    Ok((checksum, chunk_list, projects, release))
}

/// `POST /api/0/organizations/{org}/artifactbundle/assemble/`.
#[utoipa::path(post, path = "/api/0/organizations/{org}/artifactbundle/assemble/", tag = "sentry-cli",
    operation_id = "artifact_bundle_assemble",
    params(("org" = String, Path, description = "A team's slug")),
    request_body = AssembleRequest,
    responses(
        (status = 200, description = "`not_found` with the chunks still to upload, or `ok` once stored", body = AssembleResponse),
        (status = 404, description = "No such team, or a project not in it (`not_found`)", body = ErrorBody),
        (status = 413, description = "The bundle, a file in it or the project's quota is too large (`too_large`)", body = ErrorBody),
        (status = 422, description = "A checksum mismatch, a bad zip or a corrupt map (`validation`)", body = ErrorBody),
    ))]
pub async fn assemble(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    body: Result<Json<AssembleRequest>, JsonRejection>,
) -> ApiResult<Json<AssembleResponse>> {
    let team_id = uploader(&state, &caller, &org).await?;
    let Json(body) = body.map_err(|e| ApiError::Validation(e.body_text()))?;
    let config = state.config.sourcemaps;
    let max_chunks = (config.max_upload_bytes as u64).div_ceil(CHUNK_SIZE).max(1) as usize;
    let (checksum, chunk_list, projects, release) = parse_request(body, max_chunks)?;
    let project_ids = team_projects(&state.pg, team_id, &projects).await?;
    if chunks::assembled(&state.pg, team_id, &checksum, &project_ids, &release).await? {
        return Ok(Json(AssembleResponse::ok()));
    }
    let missing = chunks::missing(&state.pg, team_id, &chunk_list).await?;
    if !missing.is_empty() {
        return Ok(Json(AssembleResponse { state: "not_found", missing_chunks: missing, detail: None }));
    }
    let Some(joined) = chunks::join(&state.pg, team_id, &chunk_list).await? else {
        let missing = chunks::missing(&state.pg, team_id, &chunk_list).await?;
        return Ok(Json(AssembleResponse { state: "not_found", missing_chunks: missing, detail: None }));
    };
    if joined.len() > config.max_upload_bytes {
        return Err(ApiError::PayloadTooLarge(format!("the bundle is larger than {} bytes", config.max_upload_bytes)));
    }
    let limits = Limits {
        max_file_bytes: config.max_file_bytes,
        max_zip_entries: MAX_ZIP_ENTRIES,
        max_zip_bytes: config.quota_bytes,
    };
    let size = joined.len();
    let (want, with_release) = (checksum.clone(), !release.is_empty());
    // Hashing, inflating and parsing maps is CPU work: keep it off the async workers.
    let artifacts = tokio::task::spawn_blocking(move || -> ApiResult<_> {
        let actual = chunks::sha1_hex(&joined);
        if actual != want {
            return Err(ApiError::Validation(format!(
                "the chunks join into a bundle with the checksum {actual}, not {want}"
            )));
        }
        let mut artifacts = bundle::unpack(&joined, &limits).map_err(artifact_error)?;
        if !with_release {
            bundle::name_by_debug_id(&mut artifacts);
        }
        Ok(artifacts)
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
    .and_then(|a| match a.is_empty() {
        true => Err(ApiError::Validation("the bundle holds no minified file or source map".into())),
        false => Ok(a),
    });
    let artifacts = match artifacts {
        Ok(a) => a,
        Err(refused) => {
            // A bundle that cannot be stored is not retried from the same chunks.
            chunks::discard(&state.pg, team_id, &chunk_list).await?;
            return Err(refused);
        }
    };
    for project_id in &project_ids {
        store::save(&state.pg, *project_id, &release, &artifacts, config.quota_bytes).await.map_err(|e| match e {
            SaveError::OverQuota { .. } => ApiError::PayloadTooLarge(e.to_string()),
            SaveError::Database(e) => e.into(),
        })?;
    }
    chunks::remember(&state.pg, team_id, &checksum, &project_ids, &release, artifacts.len(), size).await?;
    chunks::discard(&state.pg, team_id, &chunk_list).await?;
    Ok(Json(AssembleResponse::ok()))
}

/// Who sentry-cli is talking as (`sentry-cli info`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthInfo {
    user: AuthUser,
    auth: Option<AuthScopes>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AuthUser {
    id: String,
    email: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AuthScopes {
    scopes: Vec<String>,
}

/// `GET /api/0/`.
#[utoipa::path(get, path = "/api/0/", tag = "sentry-cli",
    operation_id = "sentry_auth_info",
    responses((status = 200, description = "The caller and, for a token, its scopes", body = AuthInfo)))]
pub async fn auth_info(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<AuthInfo>> {
    let email: String =
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1").bind(caller.user_id).fetch_one(&state.pg).await?;
    let auth = match caller.credential {
        Credential::Token { scopes } => {
            Some(AuthScopes { scopes: scopes.iter().map(|s| s.as_str().to_string()).collect() })
        }
        Credential::Session(_) => None,
    };
    Ok(Json(AuthInfo { user: AuthUser { id: caller.user_id.to_string(), email }, auth }))
}
