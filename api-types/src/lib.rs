//! Wire types of the dashboard JSON API (`/api/v1/…`), shared by the server
//! and the Leptos dashboard so the format cannot drift between them. Every
//! type here is plain data: serde only, no server or browser dependencies.
//! With the `openapi` feature (the server's) each also derives its OpenAPI
//! schema, so the document at `/api/v1/openapi.json` describes these very
//! types; the dashboard builds without it.

pub mod accounts;
pub mod alerts;
pub mod error;
pub mod feedback;
pub mod issues;
mod names;
pub mod performance;
pub mod projects;
pub mod releases;
pub mod replays;
pub mod sourcemaps;
pub mod teams;
pub mod triage;
pub mod twofactor;
pub mod usage;

pub use accounts::*;
pub use alerts::*;
pub use error::*;
pub use feedback::*;
pub use issues::*;
pub use names::UnknownName;
pub use performance::*;
pub use projects::*;
pub use releases::*;
pub use replays::*;
pub use sourcemaps::*;
pub use teams::*;
pub use triage::*;
pub use twofactor::*;
pub use usage::*;
