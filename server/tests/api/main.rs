//! Integration tests: each drives a real server (in-process, port 0) backed
//! by a fresh Postgres database and a fresh ClickHouse database, over HTTP,
//! and asserts on status codes and on the rows that landed.
//! `scripts/test.sh` starts the services and sets `SIGHTLINE_TEST_*`.

mod alerts_delivery;
mod alerts_rules;
mod alerts_support;
mod alerts_webhooks;
mod alerts_windows;
mod api_fuzz_findings;
mod auth;
mod bad_input;
mod cli;
mod client_ip;
mod cluster;
mod crash;
mod dashboard_api;
mod durability;
mod envelope;
mod exactly_once;
mod feedback;
mod fixtures;
mod grouping;
mod helpers;
mod isolation;
mod issues_api;
mod json_errors;
mod mail;
mod openapi;
mod origins;
mod outcomes;
mod protocol;
mod python_sdk;
mod releases_api;
mod replay_backlog;
mod replays;
mod reset_api;
mod restart;
mod retention;
mod scrubbing;
mod sessions;
mod several_servers;
mod shutdown;
mod signup_api;
mod sourcemaps_api;
mod sourcemaps_bundles;
mod sourcemaps_cli;
mod sourcemaps_grouping;
mod spans;
mod teams_api;
mod token_scopes;
mod tokens_api;
mod triage_api;
mod triage_merge_api;
mod twofactor_api;
mod twofactor_support;
