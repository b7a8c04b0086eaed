//! Source maps: readable stack traces for minified production code.
//!
//! Users upload minified files and their maps per project and release
//! (`POST /api/v1/projects/{id}/releases/{release}/sourcemaps`, or the CLI's
//! `sightline sourcemaps upload`, [`upload`]); [`artifacts`] checks them and
//! [`store`] keeps them in Postgres. The batch writer hands each batch to
//! [`symbolicate`] before inserting it: JavaScript frames are matched to a map
//! by debug ID (Sentry's `debug_meta.images`) or by release and URL, mapped
//! ([`frames`]) with source context, and the row is regrouped from the
//! original frames, so two minified builds of one bug make one issue.
//!
//! sentry-cli and Sentry's bundler plugins upload the same files as an
//! artifact bundle cut into chunks ([`chunks`]), unpacked by [`bundle`].

pub mod artifacts;
pub mod bundle;
pub mod chunks;
pub mod frames;
pub mod store;
pub mod symbolicate;
pub mod upload;
