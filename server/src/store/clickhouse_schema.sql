-- Sightline ClickHouse schema, version 1.
-- Must run on ClickHouse 18.16 and on current releases: no DateTime64, Map,
-- LowCardinality, TTL, CODEC or skip indexes (see shared DESIGN.md).
-- Statements are separated by a line holding only ';'.
CREATE TABLE IF NOT EXISTS events (
    project_id UInt64,
    event_id UUID,
    fingerprint String,
    timestamp DateTime,
    received_at DateTime,
    level String,
    platform String,
    exception_type String,
    exception_value String,
    message String,
    title String,
    culprit String,
    frames String,
    release String,
    environment String,
    url String,
    transaction_name String,
    browser String,
    browser_version String,
    os String,
    os_version String,
    user_id String,
    user_email String,
    user_ip String,
    tags_key Array(String),
    tags_value Array(String),
    breadcrumbs String,
    contexts String,
    sdk_name String,
    sdk_version String
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (project_id, fingerprint, timestamp)
;
CREATE TABLE IF NOT EXISTS transactions (
    project_id UInt64,
    event_id UUID,
    timestamp DateTime,
    received_at DateTime,
    name String,
    op String,
    url String,
    duration_ms Float64,
    lcp Nullable(Float64),
    fcp Nullable(Float64),
    cls Nullable(Float64),
    inp Nullable(Float64),
    ttfb Nullable(Float64),
    browser String,
    browser_version String,
    os String,
    os_version String,
    release String,
    environment String,
    user_id String,
    tags_key Array(String),
    tags_value Array(String),
    sdk_name String,
    sdk_version String
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (project_id, timestamp)
;
