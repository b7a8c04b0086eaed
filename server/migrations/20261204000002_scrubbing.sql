-- Per-project data scrubbing, applied at ingest before anything is stored
-- (Sentry's "Security & Privacy" settings): on by default, IP addresses kept
-- unless asked, extra sensitive key names and safe keys that are never scrubbed.
ALTER TABLE projects
    ADD COLUMN scrub_data         BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN scrub_ip_addresses BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN sensitive_fields   TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN safe_fields        TEXT[] NOT NULL DEFAULT '{}';

-- The key cache now also holds each project's allowed origins and scrubbing
-- settings, so a change to a project must reach it at once, like a key change.
CREATE TRIGGER projects_changed
    AFTER INSERT OR UPDATE OR DELETE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION notify_project_keys_changed();
