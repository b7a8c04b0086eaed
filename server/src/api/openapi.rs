//! The OpenAPI 3.1 document of the dashboard API, served at
//! `GET /api/v1/openapi.json`. It is generated from the code: each handler
//! carries a `#[utoipa::path]` with its own statuses, and the schemas are the
//! `sightline-api-types` wire types themselves (their `openapi` feature), so
//! the document cannot describe a format the server does not speak. The
//! routes are those of [`super::table`]; what every route shares — the two
//! ways to authenticate (on every route whose access is not
//! `Access::Public`), 401/403 from the route's guard, the JSON answers to a
//! malformed path, query or body, 422 for text Postgres cannot store (a NUL
//! character), and 500 — is added here once by [`add`] instead of being
//! repeated on 40 handlers. A test checks that the document lists exactly
//! the routes of [`super::ROUTES`].

use std::sync::LazyLock;

use axum::http::header::CONTENT_TYPE;
use sightline_api_types::{ErrorBody, ErrorDetail};
use utoipa::{
    openapi::{
        path::{Operation, ParameterIn, Paths},
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
        Content, Ref, RefOr, Response, Schema,
    },
    OpenApi,
};

use super::Access;
use crate::auth::session;

/// What the document has besides its routes: title, shared schemas, tags and
/// the security schemes ([`Schemes`]); [`add`] puts in the routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "Sightline dashboard API"),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Schemes),
    tags(
        (name = "accounts", description = "Sign-up, log-in, sessions and passwords"),
        (name = "teams", description = "Teams, members and roles"),
        (name = "invites", description = "Invitations to a team"),
        (name = "projects", description = "Projects and their client keys (DSNs)"),
        (name = "issues", description = "Grouped errors, their events and tags"),
        (name = "performance", description = "Web Vitals"),
        (name = "usage", description = "Outcomes of the items SDKs sent"),
        (name = "feedback", description = "What visitors wrote through the feedback widget or captureFeedback"),
        (name = "tokens", description = "Personal API tokens"),
        (name = "sourcemaps", description = "Source maps and minified files per release"),
        (name = "alerts", description = "Alert rules, fired alerts and their delivery log"),
        (name = "replays", description = "Session replays: the list, one replay, its recording segments, erasure"),
        (name = "meta", description = "This document"),
    ),
)]
pub struct ApiDoc;

/// Serialised once: the document only changes with the binary.
static DOCUMENT: LazyLock<String> =
    LazyLock::new(|| super::openapi_document().to_json().expect("the OpenAPI document serialises"));

/// `GET /api/v1/openapi.json`: this API's OpenAPI document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", operation_id = "openapi_document",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
pub async fn document() -> ([(axum::http::HeaderName, &'static str); 1], &'static str) {
    ([(CONTENT_TYPE, "application/json")], DOCUMENT.as_str())
}

/// Adds the two ways to authenticate.
struct Schemes;

impl utoipa::Modify for Schemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let cookie = ApiKeyValue::with_description(session::COOKIE, "The session cookie set by log-in and sign-up");
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("A personal API token, `Authorization: Bearer slt_…`"))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
    }
}

/// Returns the document without routes.
pub(super) fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Adds one declared route to `doc`: its operation with the security its
/// `access` asks for and the answers every route shares, and its schemas.
pub(super) fn add(
    doc: &mut utoipa::openapi::OpenApi,
    access: Access,
    mut paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
) {
    for item in paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
        for operation in operations.into_iter().flatten() {
            if access.authenticated() {
                let either = ["session", "bearer"].map(|scheme| SecurityRequirement::new(scheme, Vec::<String>::new()));
                operation.security = Some(either.into());
            }
            add_shared_answers(operation, access);
        }
    }
    doc.paths.merge(paths);
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.extend(schemas);
}

/// Adds `why` to the operation's 422 answer (the JSON error), creating it if needed.
fn add_422(answers: &mut std::collections::BTreeMap<String, RefOr<utoipa::openapi::Response>>, why: &str) {
    match answers.get_mut("422") {
        Some(RefOr::T(r)) => {
            r.description.push_str(&format!("; or {why}"));
            r.content.entry("application/json".into()).or_insert_with(error_body);
        }
        _ => {
            answers.insert("422".into(), error(&format!("Validation failed: {why}")));
        }
    }
}

fn add_shared_answers(op: &mut Operation, access: Access) {
    let has = |op: &Operation, place: ParameterIn| {
        op.parameters
            .iter()
            .flatten()
            .any(|p| std::mem::discriminant(&p.parameter_in) == std::mem::discriminant(&place))
    };
    let parsed = [
        (has(op, ParameterIn::Path), "a path parameter"),
        (has(op, ParameterIn::Query), "a query parameter"),
        (op.request_body.is_some(), "the JSON body"),
    ];
    let parts: Vec<&str> = parsed.iter().filter(|(applies, _)| *applies).map(|(_, what)| *what).collect();
    // Only the handlers' own errors are JSON: this document cannot fail.
    let fallible = op.operation_id.as_deref() != Some("openapi_document");
    let answers = &mut op.responses.responses;
    if !parts.is_empty() {
        // axum's own rejections, rewritten into the JSON error by `rejection::json_errors`.
        let why = format!("Malformed request (`bad_request`): {} cannot be parsed", parts.join(" or "));
        answers.entry("400".into()).or_insert_with(|| error(&why));
        // Postgres refuses NUL characters in text, which any string of a request may carry
        // (`ApiError::from(sqlx::Error)`), so every operation that reads input may say 422.
        let nul = "a string held a NUL character (`validation`)";
        add_422(answers, nul);
    }
    if op.request_body.is_some() {
        answers.entry("415".into()).or_insert_with(|| {
            error("The body is not sent as `Content-Type: application/json` (`unsupported_media_type`)")
        });
        add_422(answers, "the JSON does not match the body's schema (`validation`)");
    }
    if op.security.is_some() {
        answers
            .entry("401".into())
            .or_insert_with(|| error("No valid session cookie or API token (`unauthenticated`)"));
        let token = match access {
            Access::Public | Access::Caller => None,
            Access::Read => Some("the API token lacks the `read` or `write` scope"),
            Access::Write => Some("the API token lacks the `write` scope"),
            Access::Releases => Some("the API token lacks the `write` or `project:releases` scope"),
            Access::Session => Some("called with an API token instead of a logged-in session"),
        };
        let csrf = "a cookie-authenticated write came from another origin";
        let why = match token {
            Some(token) => format!("{token}, or {csrf}"),
            None => csrf.to_string(),
        };
        match answers.get_mut("403") {
            Some(RefOr::T(r)) => r.description.push_str(&format!("; or {why}")),
            _ => {
                answers.insert("403".into(), error(&format!("Forbidden: {why}")));
            }
        }
    }
    if fallible {
        answers
            .entry("500".into())
            .or_insert_with(|| error("An unexpected failure, logged by the server (`internal`)"));
    }
}

/// Returns a response answered with the JSON error body.
fn error(description: &str) -> RefOr<Response> {
    let mut response = Response::new(description);
    response.content.insert("application/json".into(), error_body());
    RefOr::T(response)
}

fn error_body() -> Content {
    Content::new(Some(Ref::from_schema_name("ErrorBody")))
}
