-- Sightline ClickHouse schema, version 20: session replays (replay_event and
-- replay_recording items) and the replay id on error events.
--
-- `replays` holds one row per replay_event item (one per segment), folded
-- into one replay on read (GROUP BY replay_id). `replay_segments` holds each
-- recording segment's rrweb events as a zlib (RFC 1950) blob, served to the
-- player as `Content-Encoding: deflate`; its small index granularity lets a
-- read of one replay touch a few rows of blobs, not 8192. Both are partitioned
-- by day so retention drops whole days; `item_id` (a hash of replay and
-- segment ids) names a row for the pipeline's exactly-once inserts.
-- `replay_deletions` remembers erased replays, hidden from every read at once
-- while the ALTER … DELETE mutations remove their rows in the background.
ALTER TABLE events ADD COLUMN replay_id String DEFAULT ''
;
CREATE TABLE IF NOT EXISTS replays (
    project_id UInt64,
    replay_id UUID,
    segment_id UInt32,
    item_id UUID,
    timestamp DateTime,
    started_at DateTime,
    replay_type String,
    urls Array(String),
    error_ids Array(String),
    trace_ids Array(String),
    release String,
    environment String,
    browser String,
    os String,
    user_id String,
    user_name String,
    user_email String,
    sdk_name String,
    sdk_version String
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (project_id, replay_id, segment_id)
;
CREATE TABLE IF NOT EXISTS replay_segments (
    project_id UInt64,
    replay_id UUID,
    segment_id UInt32,
    item_id UUID,
    timestamp DateTime,
    first_ms UInt64,
    last_ms UInt64,
    clicks UInt32,
    url String,
    raw_bytes UInt64,
    stored_bytes UInt64,
    data String
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (project_id, replay_id, segment_id)
SETTINGS index_granularity = 16
;
CREATE TABLE IF NOT EXISTS replay_deletions (
    project_id UInt64,
    replay_id UUID,
    deleted_at DateTime
) ENGINE = MergeTree
PARTITION BY toYYYYMM(deleted_at)
ORDER BY (project_id, replay_id)
