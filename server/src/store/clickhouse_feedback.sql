-- Sightline ClickHouse schema, version 12: user feedback (feedback and
-- user_report items) and the screenshots sent with it (attachment items,
-- size-limited at ingest). Partitioned by day so retention drops them with
-- the rest; the screenshot bytes are an Array(UInt8) (RowBinary writes it as
-- is on every version).
CREATE TABLE IF NOT EXISTS feedback (
    project_id UInt64,
    feedback_id UUID,
    timestamp DateTime,
    message String,
    name String,
    email String,
    url String,
    source String,
    associated_event_id String,
    replay_id String,
    release String,
    environment String,
    browser String,
    os String,
    has_screenshot UInt8
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (project_id, timestamp)
;
CREATE TABLE IF NOT EXISTS feedback_screenshots (
    project_id UInt64,
    feedback_id UUID,
    timestamp DateTime,
    filename String,
    content_type String,
    data Array(UInt8)
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (project_id, feedback_id)
;
