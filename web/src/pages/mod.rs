//! One module per page (or per small family of pages), as routed in `lib.rs`.

pub mod account;
pub mod alerts;
pub mod attribution;
pub mod auth;
pub mod feedback;
pub mod issue;
pub mod issues;
pub mod performance;
pub mod projects;
pub mod release;
pub mod releases;
pub mod replay;
pub mod replays;
pub mod settings;
pub mod setup;
pub mod stacktrace;
pub mod team;
pub mod triage;
pub mod twofactor;
pub mod usage;

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Returns a numeric route parameter as a signal (0 when absent or unreadable).
pub fn param_id(name: &'static str) -> Signal<i64> {
    let params = use_params_map();
    Signal::derive(move || params.read().get(name).and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Returns a query-string parameter as a signal ("" when absent).
pub fn query_param(name: &'static str) -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || query.read().get(name).unwrap_or_default())
}
