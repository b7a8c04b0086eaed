-- When an issue was resolved, and when an event after that re-opened it
-- (a regression); the tracker compares event times with resolved_at.
ALTER TABLE issues ADD COLUMN resolved_at TIMESTAMPTZ;
ALTER TABLE issues ADD COLUMN regressed_at TIMESTAMPTZ;
