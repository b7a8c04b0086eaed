-- Source-map artifacts: minified files and their maps, uploaded per release
-- (matched by URL) or by debug ID. The bytes live here, next to their
-- metadata, so an upload, a delete and a project's removal are each one
-- transaction and a backup of Postgres is a backup of the maps.

CREATE TABLE sourcemap_artifacts (
    id              BIGSERIAL PRIMARY KEY,
    project_id      BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- '' for artifacts uploaded by debug ID only.
    release         TEXT NOT NULL,
    -- The URL or `~/path` the file is served at, e.g. `~/static/app.min.js`.
    name            TEXT NOT NULL,
    -- 'minified' (JavaScript) or 'sourcemap'.
    kind            TEXT NOT NULL CHECK (kind IN ('minified', 'sourcemap')),
    -- Lowercase hyphenated UUID from `//# debugId=` or the map's `debugId`.
    debug_id        UUID,
    -- A minified file's `//# sourceMappingURL=`, resolved against its name.
    sourcemap_name  TEXT,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    content         BYTEA NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (project_id, release, name)
);
CREATE INDEX sourcemap_artifacts_debug_id ON sourcemap_artifacts (project_id, debug_id) WHERE debug_id IS NOT NULL;
