-- Session replay settings per project: how long replays are kept (apart
-- from events: recordings are large and rarely needed for long) and how many
-- MiB of recordings a project may store per UTC day (0 stores none).
ALTER TABLE projects
    ADD COLUMN replay_retention_days INTEGER NOT NULL DEFAULT 30
        CHECK (replay_retention_days BETWEEN 1 AND 3650),
    ADD COLUMN replay_daily_quota_mb INTEGER NOT NULL DEFAULT 1024
        CHECK (replay_daily_quota_mb >= 0);
