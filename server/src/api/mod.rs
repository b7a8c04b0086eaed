//! The dashboard JSON API under `/api/v1/`, authenticated by session cookie
//! or API token ([`caller`]), scoped to the caller's teams ([`access`]), with
//! errors as `{"error": {"code", "message"}}` ([`error`]). Wire types come
//! from the shared `sightline-api-types` crate.
//!
//! [`ROUTES`] is the one table of every API route; [`router`] registers
//! exactly those, and the tenant-isolation test walks the same list, so a
//! route cannot be added without being checked. The same list is compared
//! with the OpenAPI document ([`openapi`]), so none goes undocumented.
//! Even axum's own rejections answer the JSON error shape ([`rejection`]).

pub mod access;
pub mod accounts;
pub mod alerts;
pub mod caller;
pub mod error;
pub mod events;
pub mod invites;
pub mod issues;
pub mod openapi;
pub mod performance;
mod period;
pub mod projects;
pub mod rejection;
pub mod reset;
pub mod signup;
pub mod sourcemaps;
pub mod teams;
pub mod tokens;
pub mod twofactor;

use axum::{
    extract::DefaultBodyLimit,
    handler::Handler,
    http::Method,
    routing::{on, MethodFilter},
    Router,
};

use crate::startup::AppState;

/// Who may call a route without logging in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (sign-up, log-in).
    Public,
    /// A logged-in caller; team resources additionally check membership.
    Caller,
}

/// Every API route: method, path, access.
pub const ROUTES: &[(Method, &str, Access)] = &[
    (Method::POST, "/api/v1/auth/register", Access::Public),
    (Method::POST, "/api/v1/auth/login", Access::Public),
    (Method::POST, "/api/v1/auth/logout", Access::Caller),
    (Method::GET, "/api/v1/auth/me", Access::Caller),
    (Method::POST, "/api/v1/auth/password", Access::Caller),
    (Method::POST, "/api/v1/auth/password-reset", Access::Public),
    (Method::POST, "/api/v1/auth/password-reset/confirm", Access::Public),
    (Method::GET, "/api/v1/teams", Access::Caller),
    (Method::POST, "/api/v1/teams", Access::Caller),
    (Method::PATCH, "/api/v1/teams/{team_id}", Access::Caller),
    (Method::GET, "/api/v1/teams/{team_id}/members", Access::Caller),
    (Method::PATCH, "/api/v1/teams/{team_id}/members/{user_id}", Access::Caller),
    (Method::DELETE, "/api/v1/teams/{team_id}/members/{user_id}", Access::Caller),
    (Method::POST, "/api/v1/teams/{team_id}/leave", Access::Caller),
    (Method::GET, "/api/v1/teams/{team_id}/invites", Access::Caller),
    (Method::POST, "/api/v1/teams/{team_id}/invites", Access::Caller),
    (Method::DELETE, "/api/v1/teams/{team_id}/invites/{invite_id}", Access::Caller),
    (Method::POST, "/api/v1/invites/accept", Access::Caller),
    (Method::GET, "/api/v1/teams/{team_id}/projects", Access::Caller),
    (Method::POST, "/api/v1/teams/{team_id}/projects", Access::Caller),
    (Method::GET, "/api/v1/projects/{project_id}", Access::Caller),
    (Method::PATCH, "/api/v1/projects/{project_id}", Access::Caller),
    (Method::DELETE, "/api/v1/projects/{project_id}", Access::Caller),
    (Method::GET, "/api/v1/projects/{project_id}/keys", Access::Caller),
    (Method::POST, "/api/v1/projects/{project_id}/keys", Access::Caller),
    (Method::PATCH, "/api/v1/projects/{project_id}/keys/{key_id}", Access::Caller),
    (Method::POST, "/api/v1/projects/{project_id}/keys/{key_id}/rotate", Access::Caller),
    (Method::DELETE, "/api/v1/projects/{project_id}/keys/{key_id}", Access::Caller),
    (Method::GET, "/api/v1/projects/{project_id}/issues", Access::Caller),
    (Method::PATCH, "/api/v1/projects/{project_id}/issues", Access::Caller),
    (Method::GET, "/api/v1/issues/{issue_id}", Access::Caller),
    (Method::PATCH, "/api/v1/issues/{issue_id}", Access::Caller),
    (Method::GET, "/api/v1/issues/{issue_id}/events", Access::Caller),
    (Method::GET, "/api/v1/issues/{issue_id}/events/{event_id}", Access::Caller),
    (Method::GET, "/api/v1/issues/{issue_id}/tags", Access::Caller),
    (Method::GET, "/api/v1/projects/{project_id}/performance", Access::Caller),
    (Method::GET, "/api/v1/tokens", Access::Caller),
    (Method::POST, "/api/v1/tokens", Access::Caller),
    (Method::DELETE, "/api/v1/tokens/{token_id}", Access::Caller),
    (Method::POST, "/api/v1/projects/{project_id}/releases/{release}/sourcemaps", Access::Caller),
    (Method::GET, "/api/v1/projects/{project_id}/releases/{release}/sourcemaps", Access::Caller),
    (Method::DELETE, "/api/v1/projects/{project_id}/releases/{release}/sourcemaps/{artifact_id}", Access::Caller),
    (Method::GET, "/api/v1/projects/{project_id}/alert-rules", Access::Caller),
    (Method::POST, "/api/v1/projects/{project_id}/alert-rules", Access::Caller),
    (Method::PUT, "/api/v1/alert-rules/{rule_id}", Access::Caller),
    (Method::DELETE, "/api/v1/alert-rules/{rule_id}", Access::Caller),
    (Method::POST, "/api/v1/alert-rules/{rule_id}/test", Access::Caller),
    (Method::GET, "/api/v1/projects/{project_id}/alerts", Access::Caller),
    (Method::GET, "/api/v1/openapi.json", Access::Public),
    (Method::GET, "/api/v1/auth/signup", Access::Public),
    (Method::POST, "/api/v1/auth/login/two-factor", Access::Public),
    (Method::GET, "/api/v1/auth/two-factor", Access::Caller),
    (Method::POST, "/api/v1/auth/two-factor/setup", Access::Caller),
    (Method::POST, "/api/v1/auth/two-factor/enable", Access::Caller),
    (Method::POST, "/api/v1/auth/two-factor/disable", Access::Caller),
    (Method::PUT, "/api/v1/teams/{team_id}/two-factor", Access::Caller),
];

/// Builds the `/api/v1` router from [`ROUTES`]; panics if a route has no handler or vice versa.
pub fn router() -> Router<AppState> {
    let mut table = Table::default();
    table
        .add(Method::POST, "/api/v1/auth/register", accounts::register)
        .add(Method::POST, "/api/v1/auth/login", accounts::login)
        .add(Method::POST, "/api/v1/auth/logout", accounts::logout)
        .add(Method::GET, "/api/v1/auth/me", accounts::current)
        .add(Method::POST, "/api/v1/auth/password", accounts::change_password)
        .add(Method::POST, "/api/v1/auth/password-reset", reset::request)
        .add(Method::POST, "/api/v1/auth/password-reset/confirm", reset::confirm)
        .add(Method::GET, "/api/v1/teams", teams::list)
        .add(Method::POST, "/api/v1/teams", teams::create)
        .add(Method::PATCH, "/api/v1/teams/{team_id}", teams::rename)
        .add(Method::GET, "/api/v1/teams/{team_id}/members", teams::members)
        .add(Method::PATCH, "/api/v1/teams/{team_id}/members/{user_id}", teams::update_member)
        .add(Method::DELETE, "/api/v1/teams/{team_id}/members/{user_id}", teams::remove_member)
        .add(Method::POST, "/api/v1/teams/{team_id}/leave", teams::leave)
        .add(Method::GET, "/api/v1/teams/{team_id}/invites", invites::list)
        .add(Method::POST, "/api/v1/teams/{team_id}/invites", invites::create)
        .add(Method::DELETE, "/api/v1/teams/{team_id}/invites/{invite_id}", invites::delete)
        .add(Method::POST, "/api/v1/invites/accept", invites::accept)
        .add(Method::GET, "/api/v1/teams/{team_id}/projects", projects::list)
        .add(Method::POST, "/api/v1/teams/{team_id}/projects", projects::create)
        .add(Method::GET, "/api/v1/projects/{project_id}", projects::show)
        .add(Method::PATCH, "/api/v1/projects/{project_id}", projects::update)
        .add(Method::DELETE, "/api/v1/projects/{project_id}", projects::delete)
        .add(Method::GET, "/api/v1/projects/{project_id}/keys", projects::keys)
        .add(Method::POST, "/api/v1/projects/{project_id}/keys", projects::create_key)
        .add(Method::PATCH, "/api/v1/projects/{project_id}/keys/{key_id}", projects::update_key)
        .add(Method::POST, "/api/v1/projects/{project_id}/keys/{key_id}/rotate", projects::rotate_key)
        .add(Method::DELETE, "/api/v1/projects/{project_id}/keys/{key_id}", projects::delete_key)
        .add(Method::GET, "/api/v1/projects/{project_id}/issues", issues::list)
        .add(Method::PATCH, "/api/v1/projects/{project_id}/issues", issues::bulk_update)
        .add(Method::GET, "/api/v1/issues/{issue_id}", issues::show)
        .add(Method::PATCH, "/api/v1/issues/{issue_id}", issues::update)
        .add(Method::GET, "/api/v1/issues/{issue_id}/events", events::list)
        .add(Method::GET, "/api/v1/issues/{issue_id}/events/{event_id}", events::show)
        .add(Method::GET, "/api/v1/issues/{issue_id}/tags", issues::tags)
        .add(Method::GET, "/api/v1/projects/{project_id}/performance", performance::show)
        .add(Method::GET, "/api/v1/tokens", tokens::list)
        .add(Method::POST, "/api/v1/tokens", tokens::create)
        .add(Method::DELETE, "/api/v1/tokens/{token_id}", tokens::delete)
        // The upload caps its parts itself (config.sourcemaps), streaming, instead of axum's 2 MB.
        .add(
            Method::POST,
            "/api/v1/projects/{project_id}/releases/{release}/sourcemaps",
            sourcemaps::upload.layer(DefaultBodyLimit::disable()),
        )
        .add(Method::GET, "/api/v1/projects/{project_id}/releases/{release}/sourcemaps", sourcemaps::list)
        .add(
            Method::DELETE,
            "/api/v1/projects/{project_id}/releases/{release}/sourcemaps/{artifact_id}",
            sourcemaps::delete,
        )
        .add(Method::GET, "/api/v1/projects/{project_id}/alert-rules", alerts::list_rules)
        .add(Method::POST, "/api/v1/projects/{project_id}/alert-rules", alerts::create_rule)
        .add(Method::PUT, "/api/v1/alert-rules/{rule_id}", alerts::replace_rule)
        .add(Method::DELETE, "/api/v1/alert-rules/{rule_id}", alerts::delete_rule)
        .add(Method::POST, "/api/v1/alert-rules/{rule_id}/test", alerts::test_rule)
        .add(Method::GET, "/api/v1/projects/{project_id}/alerts", alerts::list_alerts)
        .add(Method::GET, "/api/v1/openapi.json", openapi::document)
        .add(Method::GET, "/api/v1/auth/signup", signup::policy)
        .add(Method::POST, "/api/v1/auth/login/two-factor", twofactor::login)
        .add(Method::GET, "/api/v1/auth/two-factor", twofactor::status)
        .add(Method::POST, "/api/v1/auth/two-factor/setup", twofactor::setup)
        .add(Method::POST, "/api/v1/auth/two-factor/enable", twofactor::enable)
        .add(Method::POST, "/api/v1/auth/two-factor/disable", twofactor::disable)
        .add(Method::PUT, "/api/v1/teams/{team_id}/two-factor", twofactor::set_team_requirement);
    let registered: Vec<(Method, &str)> = table.seen.clone();
    let declared: Vec<(Method, &str)> = ROUTES.iter().map(|(m, p, _)| (m.clone(), *p)).collect();
    assert_eq!(registered, declared, "api::ROUTES and api::router() must list the same routes in the same order");
    table
        .router
        .fallback(|| async { error::ApiError::NotFound })
        .layer(axum::middleware::from_fn(rejection::json_errors))
}

#[derive(Default)]
struct Table {
    router: Router<AppState>,
    seen: Vec<(Method, &'static str)>,
}

impl Table {
    fn add<H, T>(&mut self, method: Method, path: &'static str, handler: H) -> &mut Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a routable method");
        self.router = std::mem::take(&mut self.router).route(path, on(filter, handler));
        self.seen.push((method, path));
        self
    }
}
