-- sentry-cli's chunked upload: chunks wait here (per team, named by their
-- SHA-1) until an assemble request joins them into an artifact bundle, whose
-- files become `sourcemap_artifacts`. Assembled bundles are remembered, so a
-- second upload of the same bundle uploads no chunk.

CREATE TABLE upload_chunks (
    team_id     BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    -- Lowercase hex SHA-1 of the (decompressed) content.
    sha1        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    content     BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, sha1)
);

CREATE TABLE artifact_bundles (
    team_id      BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    -- Lowercase hex SHA-1 of the whole bundle.
    checksum     TEXT NOT NULL,
    -- The projects its files were stored in.
    project_ids  BIGINT[] NOT NULL,
    release      TEXT NOT NULL,
    files        INT NOT NULL,
    size         BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, checksum)
);
