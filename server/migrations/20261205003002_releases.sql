-- Releases as the build tools announce them (sentry-cli `releases new`,
-- `finalize`, `deploys new`, and the bundler plugins that drive it). One row
-- per project and version; events and issues of a release are counted in
-- ClickHouse, artifacts in `sourcemap_artifacts`.

CREATE TABLE releases (
    id           BIGSERIAL PRIMARY KEY,
    project_id   BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version      TEXT NOT NULL,
    url          TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    released_at  TIMESTAMPTZ,
    UNIQUE (project_id, version)
);

CREATE TABLE deploys (
    id           BIGSERIAL PRIMARY KEY,
    release_id   BIGINT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    environment  TEXT NOT NULL,
    name         TEXT,
    url          TEXT,
    started_at   TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX deploys_release ON deploys (release_id);
