-- Sightline ClickHouse schema, version 30: release health. One row per
-- session update (`session` items) or per group of pre-aggregated sessions
-- (`sessions` items), kept raw: a session sends several updates (init, then
-- errors, then its end), so queries count a session once by its distinct
-- session id (`uniqExactIf`) and add the aggregates' counts (`sumIf` over
-- rows with an empty session id). `timestamp` is the session's start, the
-- same on all its updates, so every update of a session falls in the same
-- day partition and the same chart bucket. n_crashed counts `crashed` and
-- `unhandled` endings (a front end's crash), n_unhandled the latter alone.
-- See src/event/session.rs and src/store/sessions.rs.
CREATE TABLE IF NOT EXISTS release_sessions (
    project_id UInt64,
    row_id UUID,
    timestamp DateTime,
    received_at DateTime,
    release String,
    environment String,
    session_id String,
    distinct_id String,
    status String,
    seq UInt64,
    errors UInt32,
    n_started UInt32,
    n_errored UInt32,
    n_abnormal UInt32,
    n_crashed UInt32,
    n_unhandled UInt32
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (project_id, release, timestamp)
;
