-- Sightline ClickHouse schema, version 11: outcomes (server/src/outcomes).
-- One row per counter and flush: project, UTC day, public key, outcome
-- (accepted / filtered / rate_limited / invalid / client_discard), category
-- and reason; SummingMergeTree adds rows of one key up in the background, so
-- readers still sum(quantity). Partitioned by day like every table, so
-- retention drops it with the rest.
CREATE TABLE IF NOT EXISTS outcomes (
    project_id UInt64,
    day DateTime,
    public_key String,
    outcome String,
    category String,
    reason String,
    quantity UInt64
) ENGINE = SummingMergeTree(quantity)
PARTITION BY toYYYYMMDD(day)
ORDER BY (project_id, day, outcome, category, reason, public_key)
;
