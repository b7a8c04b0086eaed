-- Triage as a team: who owns an issue, what happened to it (one activity
-- timeline: status changes, assignments, comments, merges, regressions),
-- snoozes, resolution in the next release, and merges of issues.

-- An issue is assigned to one member or to its project's team (never both).
ALTER TABLE issues ADD COLUMN assignee_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE issues ADD COLUMN assignee_team_id BIGINT REFERENCES teams (id) ON DELETE SET NULL;
ALTER TABLE issues ADD CONSTRAINT issues_one_assignee
    CHECK (assignee_user_id IS NULL OR assignee_team_id IS NULL);

-- Snooze ("ignore until"): the issue stays ignored until a time passes,
-- until its times_seen reaches a count, or until this many more distinct
-- users have seen it (counted in issue_snooze_users).
ALTER TABLE issues ADD COLUMN snooze_until TIMESTAMPTZ;
ALTER TABLE issues ADD COLUMN snooze_times_seen BIGINT;
ALTER TABLE issues ADD COLUMN snooze_users INTEGER;
-- The tracker's periodic sweep looks for expired snooze times across projects.
CREATE INDEX issues_snooze_until ON issues (snooze_until) WHERE status = 'ignored' AND snooze_until IS NOT NULL;

-- Resolved in the next release: only an event of a release first seen after
-- this one re-opens the issue (resolved_at is then 'infinity' so the
-- tracker's time rule never does).
ALTER TABLE issues ADD COLUMN resolved_in_release TEXT;

-- A merged issue's fingerprint counts under its target from then on.
ALTER TABLE issues ADD COLUMN merged_into BIGINT REFERENCES issues (id) ON DELETE SET NULL;
CREATE INDEX issues_merged_into ON issues (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE issue_snooze_users (
    issue_id BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_key TEXT NOT NULL,
    PRIMARY KEY (issue_id, user_key)
);

-- When each release of a project was first seen on an event (the order
-- "resolve in next release" compares by).
CREATE TABLE release_first_seen (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version    TEXT NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (project_id, version)
);

CREATE TABLE issue_activity (
    id         BIGSERIAL PRIMARY KEY,
    issue_id   BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('status', 'assigned', 'comment', 'merged', 'unmerged', 'regression', 'snooze_expired')),
    user_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- The comment, the new status, the assignee, the merged issues, …
    body       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX issue_activity_issue ON issue_activity (issue_id, created_at);

-- Mail that is not an alert (e.g. "assigned to you") goes through the same
-- outbox, without a firing.
ALTER TABLE alert_outbox ALTER COLUMN firing_id DROP NOT NULL;
