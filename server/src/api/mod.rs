//! The dashboard JSON API under `/api/v1/`, authenticated by session cookie
//! or API token ([`caller`]), scoped to the caller's teams ([`access`]), with
//! errors as `{"error": {"code", "message"}}` ([`error`]). Wire types come
//! from the shared `sightline-api-types` crate.
//!
//! [`table`] declares every API route once: its [`Access`] and its handler,
//! whose `#[utoipa::path]` attribute gives the method, the path and the
//! OpenAPI description (utoipa-axum's `routes!` reads them from there).
//! Everything else is derived from that one list: [`router`] registers the
//! routes, each behind a [`guard`] enforcing its access; the OpenAPI
//! document ([`openapi`]) describes them with their security; and
//! [`ROUTES`] lists them for the tests (tenant isolation, token scopes, the
//! document), so a route cannot be added unchecked or undocumented.
//!
//! Even axum's own rejections answer the JSON error shape ([`rejection`]).
//!
//! To add a route: write the handler with its `#[utoipa::path(method, path
//! = …)]`, then add one line to [`table`], e.g.
//! `declare(Write, routes!(releases::create))`.

pub mod access;
pub mod accounts;
pub mod alerts;
pub mod bundles;
pub mod caller;
pub mod error;
pub mod events;
pub mod feedback;
pub mod guard;
pub mod health;
pub mod invites;
pub mod issues;
pub mod keys;
pub mod openapi;
pub mod performance;
mod period;
pub mod projects;
pub mod rejection;
pub mod releases;
pub mod replays;
pub mod reset;
pub mod signup;
pub mod sourcemaps;
pub mod teams;
pub mod tokens;
pub mod triage;
pub mod twofactor;
pub mod usage;

use std::sync::LazyLock;

use axum::{extract::DefaultBodyLimit, http::Method, middleware, routing::MethodRouter, Router};
use utoipa::openapi::{path::Paths, schema::Schema, RefOr};
use utoipa_axum::{router::UtoipaMethodRouter, routes};

pub use self::guard::Access;
use crate::state::AppState;

/// Declares every API route: its access, and its handler (which carries the
/// method, path and documentation in its `#[utoipa::path]`).
fn table() -> Vec<Declared> {
    use Access::*;
    vec![
        declare(Public, routes!(accounts::register)),
        declare(Public, routes!(accounts::login)),
        declare(Caller, routes!(accounts::logout)),
        declare(Read, routes!(accounts::current)),
        declare(Session, routes!(accounts::change_password)),
        declare(Public, routes!(reset::request)),
        declare(Public, routes!(reset::confirm)),
        declare(Read, routes!(teams::list)),
        declare(Write, routes!(teams::create)),
        declare(Write, routes!(teams::rename)),
        declare(Read, routes!(teams::members)),
        declare(Write, routes!(teams::update_member)),
        declare(Write, routes!(teams::remove_member)),
        declare(Write, routes!(teams::leave)),
        declare(Read, routes!(invites::list)),
        declare(Write, routes!(invites::create)),
        declare(Write, routes!(invites::delete)),
        declare(Write, routes!(invites::accept)),
        declare(Read, routes!(projects::list)),
        declare(Write, routes!(projects::create)),
        declare(Read, routes!(projects::show)),
        declare(Write, routes!(projects::update)),
        declare(Write, routes!(projects::delete)),
        declare(Read, routes!(keys::keys)),
        declare(Write, routes!(keys::create_key)),
        declare(Write, routes!(keys::update_key)),
        declare(Write, routes!(keys::rotate_key)),
        declare(Write, routes!(keys::delete_key)),
        declare(Read, routes!(issues::list)),
        declare(Write, routes!(issues::bulk_update)),
        declare(Read, routes!(issues::show)),
        declare(Write, routes!(issues::update)),
        declare(Read, routes!(events::list)),
        declare(Read, routes!(events::show)),
        declare(Read, routes!(issues::tags)),
        declare(Read, routes!(performance::show)),
        declare(Read, routes!(performance::attribution)),
        declare(Read, routes!(usage::show)),
        declare(Read, routes!(feedback::list)),
        declare(Read, routes!(feedback::of_issue)),
        declare(Read, routes!(feedback::screenshot)),
        declare(Session, routes!(tokens::list)),
        declare(Session, routes!(tokens::create)),
        declare(Session, routes!(tokens::delete)),
        // The upload caps its parts itself (config.sourcemaps), streaming, instead of axum's 2 MB.
        declare(Releases, routes!(sourcemaps::upload)).map(|h| h.layer(DefaultBodyLimit::disable())),
        declare(Read, routes!(sourcemaps::list)),
        declare(Releases, routes!(sourcemaps::delete)),
        // sentry-cli's chunked upload (Sentry's own paths); chunk parts are capped by the handler.
        declare(Caller, routes!(bundles::auth_info)),
        declare(Releases, routes!(bundles::options)),
        declare(Releases, routes!(bundles::upload)).map(|h| h.layer(DefaultBodyLimit::disable())),
        declare(Releases, routes!(bundles::assemble)),
        // Releases as the build tools announce them, and the dashboard's list.
        declare(Releases, routes!(releases::create)),
        declare(Releases, routes!(releases::update)),
        declare(Releases, routes!(releases::deploy)),
        declare(Read, routes!(releases::list)),
        declare(Read, routes!(health::show)),
        declare(Read, routes!(alerts::list_rules)),
        declare(Write, routes!(alerts::create_rule)),
        declare(Write, routes!(alerts::replace_rule)),
        declare(Write, routes!(alerts::delete_rule)),
        declare(Write, routes!(alerts::test_rule)),
        declare(Read, routes!(alerts::list_alerts)),
        declare(Public, routes!(openapi::document)),
        declare(Public, routes!(signup::policy)),
        declare(Public, routes!(twofactor::login)),
        declare(Session, routes!(twofactor::status)),
        declare(Session, routes!(twofactor::setup)),
        declare(Session, routes!(twofactor::enable)),
        declare(Session, routes!(twofactor::disable)),
        // A security setting of the team: not for an API token, which could weaken it.
        declare(Session, routes!(twofactor::set_team_requirement)),
        declare(Read, routes!(replays::list)),
        declare(Read, routes!(replays::show)),
        declare(Read, routes!(replays::segment)),
        declare(Write, routes!(replays::delete)),
        // Triage: assignees, comments and activity, merges (member role, as resolving).
        declare(Write, routes!(triage::assign)),
        declare(Read, routes!(triage::activity)),
        declare(Write, routes!(triage::comment)),
        declare(Write, routes!(triage::merge)),
        declare(Read, routes!(triage::merged)),
        declare(Write, routes!(triage::unmerge)),
        declare(Read, routes!(triage::similar)),
    ]
}

/// Every API route as `(method, path, access)`, in [`table`]'s order.
pub static ROUTES: LazyLock<Vec<(Method, String, Access)>> =
    LazyLock::new(|| table().into_iter().map(|d| (d.method, d.path, d.access)).collect());

/// Builds the `/api/v1` router from [`table`], each route behind its access guard.
pub fn router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for declared in table() {
        let mut handler = declared.handler;
        if declared.access.authenticated() {
            let guard = middleware::from_fn_with_state((state.clone(), declared.access), guard::guard);
            handler = handler.route_layer(guard);
        }
        router = router.route(&declared.path, handler);
    }
    router.fallback(|| async { error::ApiError::NotFound }).layer(middleware::from_fn(rejection::json_errors))
}

/// Builds the OpenAPI document of [`table`]'s routes.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = openapi::base();
    for declared in table() {
        openapi::add(&mut doc, declared.access, declared.paths, declared.schemas);
    }
    doc
}

/// One route of [`table`].
struct Declared {
    method: Method,
    path: String,
    access: Access,
    handler: MethodRouter<AppState>,
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl Declared {
    /// Wraps the handler (inside the access guard) with what `wrap` adds.
    fn map(mut self, wrap: impl FnOnce(MethodRouter<AppState>) -> MethodRouter<AppState>) -> Self {
        self.handler = wrap(self.handler);
        self
    }
}

/// Pairs `access` with one handler as utoipa-axum's `routes!` gives it;
/// panics unless the handler answers exactly one method on one path.
fn declare(access: Access, (schemas, paths, handler): UtoipaMethodRouter<AppState>) -> Declared {
    let mut found = paths.paths.iter().flat_map(|(path, item)| {
        let methods = [
            (Method::GET, item.get.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::PATCH, item.patch.is_some()),
            (Method::DELETE, item.delete.is_some()),
            (Method::HEAD, item.head.is_some()),
            (Method::OPTIONS, item.options.is_some()),
            (Method::TRACE, item.trace.is_some()),
        ];
        methods.into_iter().filter(|(_, present)| *present).map(move |(method, _)| (method, path.clone()))
    });
    let (method, path) = found.next().expect("a route has a method and a path");
    assert!(found.next().is_none(), "declare one method of one path per route ({method} {path} has more)");
    Declared { method, path, access, handler, paths, schemas }
}
