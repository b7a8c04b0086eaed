//! Storage: Postgres (accounts, projects, keys, issue state) through sqlx, and
//! ClickHouse (events and transactions) through the `clickhouse` crate. Both
//! schemas are versioned and migrated by `sightline migrate`.

pub mod assignees;
pub mod clickhouse;
pub mod cluster;
pub mod feedback;
pub mod postgres;
pub mod replay_retention;
pub mod replays;
pub mod rollups;
pub mod rows;
pub mod sessions;
