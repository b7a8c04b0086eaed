//! The OpenAPI 3.1 document of the dashboard API, served at
//! `GET /api/v1/openapi.json`. It is generated from the code: each handler
//! carries a `#[utoipa::path]` with its own statuses, and the schemas are the
//! `sightline-api-types` wire types themselves (their `openapi` feature), so
//! the document cannot describe a format the server does not speak. What
//! every route shares — the two ways to authenticate (on exactly the routes
//! [`super::ROUTES`] marks `Access::Caller`), 401/403 from the `Caller`
//! extractor, axum's plain-text answers to a malformed path, query or body,
//! 422 for text Postgres cannot store (a NUL character), and 500 — is added here once by [`Shared`] instead of being repeated on
//! 40 handlers. A test checks that the document lists exactly
//! the routes of [`super::ROUTES`].

use std::sync::LazyLock;

use axum::http::{header::CONTENT_TYPE, Method};
use sightline_api_types::{ErrorBody, ErrorDetail};
use utoipa::{
    openapi::{
        path::{Operation, ParameterIn},
        schema::{ObjectBuilder, Type},
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
        Content, Ref, RefOr, Response, Schema,
    },
    Modify, OpenApi,
};

use super::{
    accounts, alerts, events, invites, issues, performance, projects, reset, sourcemaps, teams, tokens, Access, ROUTES,
};
use crate::auth::session;

/// The document: every API route and the schemas they use.
#[derive(OpenApi)]
#[openapi(
    info(title = "Sightline dashboard API"),
    paths(
        accounts::register, accounts::login, accounts::logout, accounts::current, accounts::change_password,
        reset::request, reset::confirm,
        teams::list, teams::create, teams::rename, teams::members, teams::update_member, teams::remove_member,
        teams::leave,
        invites::list, invites::create, invites::delete, invites::accept,
        projects::list, projects::create, projects::show, projects::update, projects::delete, projects::keys,
        projects::create_key, projects::update_key, projects::rotate_key, projects::delete_key,
        issues::list, issues::bulk_update, issues::show, issues::update, events::list, events::show,
        issues::tags,
        performance::show,
        tokens::list, tokens::create, tokens::delete,
        sourcemaps::upload, sourcemaps::list, sourcemaps::delete,
        alerts::list_rules, alerts::create_rule, alerts::replace_rule, alerts::delete_rule, alerts::test_rule,
        alerts::list_alerts,
        document,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Shared),
    tags(
        (name = "accounts", description = "Sign-up, log-in, sessions and passwords"),
        (name = "teams", description = "Teams, members and roles"),
        (name = "invites", description = "Invitations to a team"),
        (name = "projects", description = "Projects and their client keys (DSNs)"),
        (name = "issues", description = "Grouped errors, their events and tags"),
        (name = "performance", description = "Web Vitals"),
        (name = "tokens", description = "Personal API tokens"),
        (name = "sourcemaps", description = "Source maps and minified files per release"),
        (name = "alerts", description = "Alert rules, fired alerts and their delivery log"),
        (name = "meta", description = "This document"),
    ),
)]
pub struct ApiDoc;

/// Serialised once: the document only changes with the binary.
static DOCUMENT: LazyLock<String> =
    LazyLock::new(|| ApiDoc::openapi().to_json().expect("the OpenAPI document serialises"));

/// `GET /api/v1/openapi.json`: this API's OpenAPI document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", operation_id = "openapi_document",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
pub async fn document() -> ([(axum::http::HeaderName, &'static str); 1], &'static str) {
    ([(CONTENT_TYPE, "application/json")], DOCUMENT.as_str())
}

/// Adds the security schemes, each caller route's security, and the answers every route shares.
struct Shared;

impl Modify for Shared {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let cookie = ApiKeyValue::with_description(session::COOKIE, "The session cookie set by log-in and sign-up");
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("A personal API token, `Authorization: Bearer slt_…`"))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        for (path, item) in doc.paths.paths.iter_mut() {
            let operations = [
                (Method::GET, &mut item.get),
                (Method::POST, &mut item.post),
                (Method::PUT, &mut item.put),
                (Method::PATCH, &mut item.patch),
                (Method::DELETE, &mut item.delete),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                let caller = ROUTES.iter().any(|(m, p, access)| *m == method && p == path && *access == Access::Caller);
                if caller {
                    let either =
                        ["session", "bearer"].map(|scheme| SecurityRequirement::new(scheme, Vec::<String>::new()));
                    operation.security = Some(either.into());
                }
                add_shared_answers(operation);
            }
        }
    }
}

fn add_shared_answers(op: &mut Operation) {
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
        let why = format!("Malformed request, answered by axum in plain text: {} cannot be parsed", parts.join(" or "));
        answers.entry("400".into()).or_insert_with(|| plain_text(&why));
    }
    if !parts.is_empty() {
        // Postgres refuses NUL characters in text, which any string of a request may carry
        // (`ApiError::from(sqlx::Error)`), so every operation that reads input may say 422.
        let nul = "a string held a NUL character (`validation`)";
        match answers.get_mut("422") {
            Some(RefOr::T(r)) => {
                r.description.push_str(&format!("; or {nul}"));
                r.content.entry("application/json".into()).or_insert_with(error_body);
            }
            _ => {
                answers.insert("422".into(), error(&format!("Validation failed: {nul}")));
            }
        }
    }
    if op.request_body.is_some() {
        answers
            .entry("415".into())
            .or_insert_with(|| plain_text("The body is not sent as `Content-Type: application/json`"));
        let mismatch = "; or, as plain text, the JSON does not match the body's schema";
        match answers.get_mut("422") {
            Some(RefOr::T(r)) => {
                r.description.push_str(mismatch);
                r.content.insert("text/plain".into(), text());
            }
            _ => {
                answers.insert("422".into(), plain_text("The JSON does not match the body's schema"));
            }
        }
    }
    if op.security.is_some() {
        answers
            .entry("401".into())
            .or_insert_with(|| error("No valid session cookie or API token (`unauthenticated`)"));
        let why = "the API token lacks the scope (`read` for GET, `write` otherwise), \
                   or a cookie-authenticated write came from another origin";
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

/// Returns a response answered with axum's plain-text rejection message.
fn plain_text(description: &str) -> RefOr<Response> {
    let mut response = Response::new(description);
    response.content.insert("text/plain".into(), text());
    RefOr::T(response)
}

fn text() -> Content {
    Content::new(Some(RefOr::T(Schema::Object(ObjectBuilder::new().schema_type(Type::String).build()))))
}
