-- Accounts, teams, projects, keys and issues. Counts over time live in
-- ClickHouse; Postgres keeps state.

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    is_superuser  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE teams (
    id         BIGSERIAL PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    team_id    BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE projects (
    id              BIGSERIAL PRIMARY KEY,
    team_id         BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    slug            TEXT NOT NULL,
    platform        TEXT NOT NULL DEFAULT 'javascript',
    retention_days  INTEGER NOT NULL DEFAULT 90 CHECK (retention_days > 0),
    allowed_origins TEXT[] NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (team_id, slug)
);

CREATE TABLE project_keys (
    id                    BIGSERIAL PRIMARY KEY,
    project_id            BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    public_key            TEXT NOT NULL UNIQUE,
    label                 TEXT NOT NULL DEFAULT 'Default',
    is_active             BOOLEAN NOT NULL DEFAULT TRUE,
    -- Events per minute accepted with this key; NULL = the server default.
    rate_limit_per_minute INTEGER CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0),
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX project_keys_project ON project_keys (project_id);

CREATE TABLE issues (
    id          BIGSERIAL PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    title       TEXT NOT NULL,
    culprit     TEXT NOT NULL DEFAULT '',
    level       TEXT NOT NULL DEFAULT 'error',
    status      TEXT NOT NULL DEFAULT 'unresolved'
                CHECK (status IN ('unresolved', 'resolved', 'ignored')),
    first_seen  TIMESTAMPTZ NOT NULL,
    last_seen   TIMESTAMPTZ NOT NULL,
    times_seen  BIGINT NOT NULL DEFAULT 0,
    UNIQUE (project_id, fingerprint)
);
CREATE INDEX issues_project_last_seen ON issues (project_id, last_seen DESC);

-- The ingest key cache listens on this channel, so a new, rotated or disabled
-- key takes effect at once instead of at the next periodic reload.
CREATE FUNCTION notify_project_keys_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('sightline_project_keys', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER project_keys_changed
    AFTER INSERT OR UPDATE OR DELETE ON project_keys
    FOR EACH STATEMENT EXECUTE FUNCTION notify_project_keys_changed();
